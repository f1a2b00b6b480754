"""Extract a static page (giới thiệu, contact, ...) and, for pages matching no known template, fall
back to trafilatura's generic main-text extraction as a `page` record (flagged in the summary).

A static page is its headline (the page `<title>` repeated in the body, as on articles) and the
paragraphs of the column that holds it, up to the footer.
"""

from __future__ import annotations

import logging
import posixpath
from urllib.parse import unquote, urlsplit

from lxml import etree

from archive.reader import CapturedResponse
from moha_migrate.errors import TransformError
from moha_migrate.records import Page
from moha_migrate.slugs import slugify
from moha_migrate.urls import normalize_url
from transform.article import find_headline, provenance_of
from transform.body import collect_body, file_links
from transform.boilerplate import find_footer, precedes
from transform.classify import Classification
from transform.item import ExtractedItem, NotAnItem
from transform.tree import ParsedPage, clean_text, text_of

log = logging.getLogger(__name__)

__all__ = ["extract_fallback", "extract_page"]


def _bare(url: str) -> str:
    return normalize_url(url).replace("http://www.moha.gov.vn/", "http://moha.gov.vn/", 1)


def _soft_404(page: ParsedPage, soft_404: tuple[str, ...]) -> NotAnItem | None:
    body = page.root.find("body")
    text = text_of(body if body is not None else page.root).lower()
    for phrase in soft_404:
        if phrase.lower() in text:
            return NotAnItem(f"soft 404 ({phrase!r})")
    return None


def extract_page(page: ParsedPage, cls: Classification, resp: CapturedResponse, soft_404: tuple[str, ...]) -> ExtractedItem | NotAnItem:
    """The static page a capture shows; TransformError when it has no headline or no text."""
    headline = find_headline(page.root, None)
    if headline is None:
        return _soft_404(page, soft_404) or _raise("no headline: the page <title> is not repeated in the body")
    heading, title = headline
    box = heading.getparent()
    while box is not None and box.getparent() is not None and len(text_of(box)) < len(text_of(heading)) + 100:
        box = box.getparent()  # a heading wrapped on its own: grow to the column that holds the text
    if box is None:
        return _soft_404(page, soft_404) or _raise("no text under the headline")
    footer = find_footer(page.root)
    stop = footer if footer is not None and precedes(page.root, heading, footer) else None
    body = collect_body(page.root, page.url, box, heading, stop, skip=(heading,))
    if not body.text_blocks:
        return _soft_404(page, soft_404) or _raise("no text under the headline")
    slug = cls.slug or slugify(posixpath.splitext(posixpath.basename(unquote(urlsplit(page.url).path)))[0])
    record = Page(
        source_url=_bare(page.url),
        old_urls=(normalize_url(page.url),),
        title=title,
        provenance=provenance_of(resp),
        slug=slug,
        body_text=body.text,
        body_html=body.html(),
    )
    media = tuple(dict.fromkeys([p.url for p in body.pictures] + [u for u, _ in file_links(box, page.url)]))
    return ExtractedItem(record=record, key=("page", slug), rank=0, canonical_url=_bare(page.url), media_urls=media)


def _raise(reason: str) -> NotAnItem:
    raise TransformError(reason)


def extract_fallback(page: ParsedPage, resp: CapturedResponse, soft_404: tuple[str, ...]) -> ExtractedItem | NotAnItem:
    """A page no template matched, through trafilatura (precision first); its title is the page
    `<title>`, its slug the last path segment. TransformError when trafilatura finds no text."""
    import trafilatura  # heavy import, needed only for pages outside the known templates

    gone = _soft_404(page, soft_404)
    if gone is not None:
        return gone
    markup = etree.tostring(page.root, method="html", encoding="unicode")  # it wants lxml.html trees or text
    text = trafilatura.extract(markup, url=page.url, favor_precision=True, include_comments=False, include_tables=True)
    if not text:
        raise TransformError("no known template matched and trafilatura found no main text")
    paragraphs = [clean_text(p) for p in text.split("\n") if clean_text(p)]
    title_el = page.root.find(".//title")
    title = clean_text("".join(title_el.itertext())) if title_el is not None else ""
    if not title:
        title = paragraphs[0][:120]
    path = unquote(urlsplit(page.url).path)
    slug = slugify(posixpath.splitext(path.strip("/").replace("/", "-"))[0] or "trang-chu")
    html = "".join(f"<p>{_escape(p)}</p>" for p in paragraphs)
    record = Page(
        source_url=_bare(page.url),
        old_urls=(normalize_url(page.url),),
        title=title,
        provenance=provenance_of(resp),
        slug=slug,
        body_text="\n\n".join(paragraphs),
        body_html=html,
    )
    return ExtractedItem(record=record, key=("page", slug), rank=0, canonical_url=_bare(page.url), fallback=True)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
