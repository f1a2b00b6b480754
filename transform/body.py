"""Collect an item's body between two landmarks: paragraphs, images with captions, attachments and
links, as plain text (paragraphs separated by one blank line) and as HTML to sanitize.

The body is the run of paragraph-level blocks that lie after a start element and before a stop
element in document order, inside the box that holds both (so a sidebar that comes before or
after the content column in the markup stays out). Inside that run: a block that only holds an
image is a picture; the block right after a picture (or around it) that reads `... (Ảnh: ...)`
is its caption, not body; link lists (three links or more, mostly link text) are navigation.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from moha_migrate.urls import is_site_url, normalize_url
from transform.boilerplate import is_link_dense
from transform.tree import BLOCK_TAGS, INVISIBLE_TAGS, clean_text, iter_paragraphs, text_of

log = logging.getLogger(__name__)

__all__ = ["Body", "Picture", "collect_body", "lowest_common_ancestor"]

CAPTION = re.compile(r"\((?:Ảnh|Ảnh|Nguồn ảnh|Photo)\s*:[^)]*\)\s*\.?$", re.IGNORECASE)
NOT_BODY = re.compile(r"^(?:File đính kèm|Tệp đính kèm|Từ khóa|Từ khoá|Tags?)\s*:", re.IGNORECASE)
"""Labelled lines of the article template that are not body: attachments and keywords."""
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_LIST_ITEM_TAGS = frozenset({"li", "dd", "dt"})


@dataclass(frozen=True, slots=True)
class Picture:
    """An image of the body: its normalized URL and the caption shown with it ('' when none)."""

    url: str
    caption: str


@dataclass(slots=True)
class Body:
    """The body of an item: paragraphs as (element, text, kind), pictures, file links, links."""

    paragraphs: list[tuple[etree._Element, str, str]] = field(default_factory=list)
    pictures: list[Picture] = field(default_factory=list)
    files: list[tuple[str, str]] = field(default_factory=list)  # (normalized url, link text)

    @property
    def text(self) -> str:
        return "\n\n".join(text for _, text, _ in self.paragraphs)

    def html(self) -> str:
        """Unsanitized HTML of the body: each paragraph as its tag, lists regrouped, pictures as
        `<figure>`s with their captions, in document order."""
        out: list[str] = []
        open_list = False
        pictures = {p.url: p for p in self.pictures}
        for el, _shown, kind in self.paragraphs:
            if kind == "li" and not open_list:
                out.append("<ul>")
                open_list = True
            elif kind != "li" and open_list:
                out.append("</ul>")
                open_list = False
            tag = {"li": "li", "heading": "h2"}.get(kind, "p")
            out.append(f"<{tag}>{_inner_html(el)}</{tag}>")
        if open_list:
            out.append("</ul>")
        figures = "".join(
            f'<figure><img src="{_attr(p.url)}" alt="{_attr(p.caption)}">'
            + (f"<figcaption>{_text(p.caption)}</figcaption>" if p.caption else "")
            + "</figure>"
            for p in pictures.values()
        )
        return "".join(out) + figures


def _attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _inner_html(el: etree._Element) -> str:
    """The inline content of a block (its nested blocks left out), as HTML."""
    parts = [_text(el.text or "")]
    for child in el:
        if isinstance(child.tag, str) and child.tag not in BLOCK_TAGS and child.tag not in INVISIBLE_TAGS:
            parts.append(lxml.html.tostring(child, encoding="unicode", with_tail=False))
        parts.append(_text(child.tail or ""))
    return "".join(parts).strip()


def lowest_common_ancestor(a: etree._Element, b: etree._Element) -> etree._Element:
    """The deepest element holding both `a` and `b`."""
    chain = []  # kept alive so that ids of the proxies stay valid
    el: etree._Element | None = a
    while el is not None:
        chain.append(el)
        el = el.getparent()
    ancestors = {id(x) for x in chain}
    el = b
    while el is not None and id(el) not in ancestors:
        el = el.getparent()
    return el if el is not None else a.getroottree().getroot()


def _kind(el: etree._Element) -> str:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in _LIST_ITEM_TAGS:
        return "li"
    if tag in _HEADING_TAGS:
        return "heading"
    return "p"


def _image_urls(el: etree._Element) -> list[str]:
    urls = []
    for img in el.iter("img"):
        src = img.get("src")
        if src and is_site_url(src) and "/uploads/" in urlsplit(src).path.lower():
            urls.append(normalize_url(src))
    return urls


def collect_body(
    root: etree._Element,
    start: etree._Element,
    stop: etree._Element | None,
    skip: Iterable[etree._Element] = (),
) -> Body:
    """The body between `start` (excluded) and `stop` (excluded; None = the end of the box)."""
    box = lowest_common_ancestor(start, stop) if stop is not None else start.getparent()
    while stop is None and box is not None and box.getparent() is not None and len(text_of(box)) < 200:
        box = box.getparent()  # a lone heading's parent: grow to the column that holds the text
    assert box is not None
    # ids of lxml proxies are stable only while the proxies live: keep them all in a list
    elements = list(root.iter())
    order = {id(el): i for i, el in enumerate(elements)}
    start_at = max(order[id(d)] for d in start.iter())
    stop_at = order[id(stop)] if stop is not None else len(order) + 1
    skipped_elements = [d for s in skip if s is not None for d in s.iter()]
    skipped = {id(d) for d in skipped_elements}
    body = Body()
    pending_picture: int | None = None  # index in body.pictures of a picture awaiting its caption
    seen_images: set[str] = set()
    for el, text in iter_paragraphs(box):
        at = order.get(id(el), -1)
        last_at = max(order.get(id(d), at) for d in el.iter()) if len(el) else at
        if id(el) in skipped:
            continue
        if last_at <= start_at or at >= stop_at:
            # a loose-text paragraph owned by a container that spans the range: keep its own text
            if not (el is box or (at < start_at and last_at > start_at)):
                continue
        new_images = [u for u in _image_urls(el) if u not in seen_images]
        for url in new_images:
            seen_images.add(url)
            body.pictures.append(Picture(url=url, caption=""))
            pending_picture = len(body.pictures) - 1
        if CAPTION.search(text) and pending_picture is not None and not body.pictures[pending_picture].caption:
            old = body.pictures[pending_picture]
            body.pictures[pending_picture] = Picture(url=old.url, caption=text)
            pending_picture = None
            continue
        pending_picture = pending_picture if new_images else None
        if not text:
            continue
        if NOT_BODY.match(text):
            continue
        links = [a for a in el.iter("a") if a.get("href")]
        if len(links) >= 2 and is_link_dense(el):
            continue  # menus, link lists, "In bài viết | Đóng cửa sổ"
        body.paragraphs.append((el, text, _kind(el)))
    # pictures in blocks that hold no text (iter_paragraphs yields only blocks with text)
    for img_url in _image_urls_between(root, order, start_at, stop_at, box):
        if img_url not in seen_images:
            seen_images.add(img_url)
            body.pictures.append(Picture(url=img_url, caption=""))
    for a in box.iter("a"):
        at = order.get(id(a), -1)
        href = a.get("href") or ""
        if start_at < at < stop_at and is_site_url(href) and "/uploads/" in urlsplit(href).path.lower():
            body.files.append((normalize_url(href), text_of(a)))
    return body


def _image_urls_between(root: etree._Element, order: dict[int, int], start_at: int, stop_at: int, box: etree._Element) -> list[str]:
    urls = []
    for img in box.iter("img"):
        at = order.get(id(img), -1)
        if start_at < at < stop_at:
            urls.extend(_image_urls(img))
    return urls


def caption_text(text: str) -> str:
    """A caption as shown (description then `(Ảnh: ...)`), cleaned."""
    return clean_text(text)
