"""Collect an item's body inside its column: paragraphs, sub-headings, list items and pictures with
their captions, as plain text (paragraphs one blank line apart) and as HTML to sanitize.

The body is the run of paragraph-level blocks of a box (the column holding the item: the element
holding both the toolbar and the headline of an article, the column of a static page's heading)
that lie after a start element and before a stop element in document order. Inside that run: a
block that holds an image is a picture; the block right after it that reads `... (Ảnh: ...)` is
its caption, not body; a block of two links or more that is mostly link text is navigation;
labelled lines (`File đính kèm:`, `Từ khóa:`) are not body. Link targets stay as written: the
merge step resolves them against the item's canonical URL and rewrites them to new paths.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from lxml import etree

from moha_migrate.urls import is_site_url, normalize_url
from transform.boilerplate import is_link_dense
from transform.tree import BLOCK_TAGS, INVISIBLE_TAGS, clean_text, iter_paragraphs, text_of

log = logging.getLogger(__name__)

__all__ = ["Block", "Body", "Picture", "collect_body", "file_links", "lowest_common_ancestor"]

CAPTION = re.compile(r"\((?:Ảnh|Nguồn ảnh|Photo)\s*:[^)]*\)\s*\.?$", re.IGNORECASE)
NOT_BODY = re.compile(r"^(?:File đính kèm|Tệp đính kèm|Từ khóa|Từ khoá|Tags?)\s*:", re.IGNORECASE)
"""Labelled lines of the article template that are not body: attachments and keywords."""
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_LIST_ITEM_TAGS = frozenset({"li", "dd", "dt"})
_SUBHEADING_MAX = 120
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Picture:
    """An image of the body: its URL (absolute, normalized) and the caption shown with it."""

    url: str
    caption: str


@dataclass(slots=True)
class Block:
    """One block of a body: a paragraph ("p"), sub-heading ("heading"), list item ("li") or
    picture ("figure"); `bold` is True when all its text is bold (lead, sub-heading, credit)."""

    kind: str
    text: str = ""
    element: etree._Element | None = None
    picture: Picture | None = None
    bold: bool = False


@dataclass(slots=True)
class Body:
    """The blocks of a body in document order."""

    blocks: list[Block] = field(default_factory=list)

    @property
    def text_blocks(self) -> list[Block]:
        return [b for b in self.blocks if b.kind != "figure"]

    @property
    def pictures(self) -> list[Picture]:
        return [b.picture for b in self.blocks if b.picture is not None]

    @property
    def text(self) -> str:
        return "\n\n".join(b.text for b in self.text_blocks if b.text)

    def remove(self, block: Block) -> None:
        self.blocks.remove(block)

    def html(self) -> str:
        """Unsanitized HTML: `<p>`, `<h3>` for sub-headings, `<ul><li>`, and `<figure><img alt="">
        <figcaption>` for pictures, in document order; inline markup kept for the sanitizer."""
        out: list[str] = []
        in_list = False
        for block in self.blocks:
            if block.kind == "li" and not in_list:
                out.append("<ul>")
                in_list = True
            elif block.kind != "li" and in_list:
                out.append("</ul>")
                in_list = False
            if block.kind == "figure" and block.picture is not None:
                caption = f"<figcaption>{html.escape(block.picture.caption, quote=False)}</figcaption>" if block.picture.caption else ""
                out.append(f'<figure><img src="{html.escape(block.picture.url)}" alt="">{caption}</figure>')
            elif block.element is not None:
                tag = {"li": "li", "heading": "h3"}.get(block.kind, "p")
                out.append(f"<{tag}>{inner_html(block.element)}</{tag}>")
        if in_list:
            out.append("</ul>")
        return "".join(out)


def inner_html(el: etree._Element) -> str:
    """The inline content of a block (nested blocks left out; line breaks as spaces), as HTML."""
    parts = [html.escape(el.text or "", quote=False)]
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "br":
            parts.append(" ")
        elif tag and tag not in BLOCK_TAGS and tag not in INVISIBLE_TAGS:
            parts.append(etree.tostring(child, method="html", encoding="unicode", with_tail=False))
        parts.append(html.escape(child.tail or "", quote=False))
    return _SPACE.sub(" ", "".join(parts)).strip()


def lowest_common_ancestor(a: etree._Element, b: etree._Element) -> etree._Element:
    """The deepest element holding both `a` and `b`."""
    chain = []  # kept alive so that the ids of the proxies stay valid
    el: etree._Element | None = a
    while el is not None:
        chain.append(el)
        el = el.getparent()
    ancestors = {id(x) for x in chain}
    el = b
    while el is not None and id(el) not in ancestors:
        el = el.getparent()
    return el if el is not None else a.getroottree().getroot()


def is_bold(el: etree._Element, text: str) -> bool:
    """True when (nearly) all of a block's text is bold: `<b>`, `<strong>` or font-weight."""
    if el.tag in ("b", "strong") or el.tag in _HEADING_TAGS:
        return True
    style = (el.get("style") or "").replace(" ", "").lower()
    if "font-weight:bold" in style or "font-weight:700" in style:
        return True
    if not text:
        return False
    bold_text = "".join(text_of(b) for b in el.iter("b", "strong") if not _inside_bold(b, el))
    return len(clean_text(bold_text)) >= 0.9 * len(text)


def _inside_bold(b: etree._Element, stop: etree._Element) -> bool:
    parent = b.getparent()
    while parent is not None and parent is not stop:
        if parent.tag in ("b", "strong"):
            return True
        parent = parent.getparent()
    return False


def _kind(el: etree._Element, text: str, bold: bool) -> str:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in _LIST_ITEM_TAGS:
        return "li"
    if tag in _HEADING_TAGS:
        return "heading"
    if bold and len(text) <= _SUBHEADING_MAX and not text.endswith((".", ":", ";")):
        return "heading"
    return "p"


def _media_url(base: str, value: str | None) -> str | None:
    if not value or value.startswith(("javascript:", "mailto:", "data:", "#")):
        return None
    absolute = urljoin(base, value.strip())
    if is_site_url(absolute) and "/uploads/" in urlsplit(absolute).path.lower():
        return normalize_url(absolute)
    return None


def file_links(el: etree._Element, base: str) -> list[tuple[str, str]]:
    """(normalized URL, link text) of the links to /Uploads/ files under `el`."""
    out: list[tuple[str, str]] = []
    for a in el.iter("a"):
        url = _media_url(base, a.get("href"))
        if url and url not in (u for u, _ in out):
            out.append((url, text_of(a)))
    return out


def collect_body(
    root: etree._Element,
    base: str,
    box: etree._Element,
    start: etree._Element | None,
    stop: etree._Element | None,
    skip: Iterable[etree._Element] = (),
) -> Body:
    """The body inside `box` between `start` and `stop` (both excluded; None = the box's edge);
    `base` is the page URL that relative image links resolve against."""
    elements = list(root.iter())  # ids of lxml proxies are stable only while the proxies live
    order = {id(el): i for i, el in enumerate(elements)}
    start_at = max(order[id(d)] for d in start.iter()) if start is not None else -1
    stop_at = order[id(stop)] if stop is not None else len(order) + 1
    skipped_elements = [d for s in skip if s is not None for d in s.iter()]
    skipped = {id(d) for d in skipped_elements}
    body = Body()
    pending: Block | None = None  # a picture waiting for its caption
    seen_images: set[str] = set()
    for el, text in iter_paragraphs(box):
        at = order.get(id(el), -1)
        if id(el) in skipped:
            continue
        if not start_at < at < stop_at and not (el is box and start_at < stop_at):
            continue
        new_images = []
        for img in el.iter("img"):
            if start_at < order.get(id(img), -1) < stop_at:
                url = _media_url(base, img.get("src"))
                if url and url not in seen_images:
                    seen_images.add(url)
                    new_images.append(url)
        for url in new_images:
            pending = Block("figure", picture=Picture(url=url, caption=""))
            body.blocks.append(pending)
        if not text:
            continue
        if pending is not None and pending.picture is not None and CAPTION.search(text):
            pending.picture = Picture(url=pending.picture.url, caption=text)
            pending = None
            continue
        pending = None
        if NOT_BODY.match(text):
            continue
        links = [a for a in el.iter("a") if a.get("href")]
        if len(links) >= 2 and is_link_dense(el):
            continue  # menus, link lists, "In bài viết | Đóng cửa sổ"
        bold = is_bold(el, text)
        body.blocks.append(Block(_kind(el, text, bold), text=text, element=el, bold=bold))
    return body
