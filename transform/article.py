"""Extract a news article (tin bài) from any of its pages: canonical, Default.aspx alias, DotNetNuke
path or print view.

The page is cut along what every template of the site showed (legacy-site.md): the toolbar line
with the publication date, the headline (the page `<title>` gives its natural case, since
`.VnTimeH` headings show capitals), the bold lead, the body, the closing credit line, then
`CÁC TIN ĐÃ ĐƯA` and `TIN LIÊN QUAN` with their links, then the footer. ids and class names are
not used: they changed with every skin.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urljoin, urlsplit

from lxml import etree

from archive.reader import CapturedResponse
from moha_migrate.errors import TransformError
from moha_migrate.profile import SiteProfile
from moha_migrate.records import Article, Attachment, Image, Provenance
from moha_migrate.urls import is_site_url, normalize_url
from transform.body import collect_body, file_links, lowest_common_ancestor
from transform.boilerplate import (
    OLDER_NEWS,
    RELATED_NEWS,
    find_footer,
    find_heading,
    find_toolbar,
    fold,
    folded_texts,
    precedes,
    section_links,
)
from transform.classify import Classification
from transform.item import ExtractedItem, NotAnItem
from transform.media import file_name, sniff_mime
from transform.tree import ParsedPage, clean_text, iter_paragraphs, text_of, texts_of

log = logging.getLogger(__name__)

__all__ = ["extract_article", "find_headline", "parse_credit", "provenance_of"]

_TITLE_SEPARATORS = re.compile(r"\s+(?:-|–|\||::|»)\s+")
_CANONICAL = re.compile(r"^/tin-tuc-su-kien/(?P<cat>[a-z0-9-]+)/[^/?]+-(?P<item>\d+)\.html$", re.IGNORECASE)
_SOURCES_SHOUTED = re.compile(r"^[A-ZĐ0-9+/ .&-]+$")
_CREDIT_MAX = 60


def provenance_of(resp: CapturedResponse) -> Provenance:
    """The provenance of a record extracted from `resp` (records.md)."""
    return Provenance(
        warc_file=resp.warc_file,
        offset=resp.offset,
        record_id=resp.record_id,
        payload_digest=resp.payload_digest,
        captured_at=resp.captured_at,
    )


def parse_credit(credit: str | None) -> tuple[str | None, str | None]:
    """(author, source) of a closing credit line, by records.md: `TTXVN/VNP` -> source;
    `Theo Vietnam+` -> source `Vietnam+`; `Minh Sơn - TTXVN` -> author and source; a name -> author."""
    if not credit:
        return None, None
    if credit.startswith("Theo "):
        return None, credit[len("Theo ") :].strip() or None
    if " - " in credit:
        author, source = credit.split(" - ", 1)
        return author.strip() or None, source.strip() or None
    if "/" in credit or _SOURCES_SHOUTED.match(credit):
        return None, credit
    return credit, None


def _is_credit(text: str, kind: str) -> bool:
    """A closing credit line: short, not a sentence (no final period), not a list item or heading."""
    if kind != "p" or not text or len(text) > _CREDIT_MAX or text.endswith((".", ":", ";", "?", "!", ",")):
        return False
    if text.startswith("(") or any(ch.isdigit() for ch in text.replace("TTXVN", "")) and "/" not in text:
        return False
    return len(text.split()) <= 8


def _page_title(root: etree._Element) -> str:
    title = root.find(".//title")
    return clean_text("".join(title.itertext())) if title is not None else ""


def _natural_case(key: str, title: str) -> str | None:
    """The part of the page `<title>` that `key` (a folded headline) is, in the title's own case:
    the whole title, or a part of it that a separator (` - `, ` | `, ...) cuts off."""
    folded = fold(title)
    if len(folded) != len(title) or not key:
        return None  # upper-casing changed the length: positions would not line up
    if folded == key:
        return title
    for m in _TITLE_SEPARATORS.finditer(title):
        if folded[m.end() :] == key:
            return title[m.end() :]
        if folded[: m.start()] == key:
            return title[: m.start()]
    return None


def find_headline(root: etree._Element, after: etree._Element | None) -> tuple[etree._Element, str] | None:
    """The headline element and the headline in natural case, or None.

    The headline is the body element whose text is the page `<title>`, or the longest of its
    parts around ` - `, ` | ` (the other part is the site's name): that gives its natural case
    even when a `.VnTimeH` heading shows it in capitals. When the `<title>` names no element (a
    generic or missing title), it is the heading, or else the short block, next to `after` (the
    toolbar line), as every article template put the headline right before or after it.
    """
    page_title = _page_title(root)
    folded_title = fold(page_title)
    best: tuple[int, etree._Element, str] | None = None
    for snippet, _text, owner in folded_texts(root):
        if owner.tag in ("a", "title", "option") or len(snippet) <= 3 or snippet not in folded_title:
            continue
        candidate: etree._Element | None = owner
        for _ in range(3):  # the text may be split over inline children (<b>, <font>)
            if candidate is None or candidate.tag in ("body", "html"):
                break
            shown = text_of(candidate)
            natural = _natural_case(fold(shown), page_title)
            if natural is not None:
                if best is None or len(natural) > best[0]:
                    best = (len(natural), candidate, shown if natural.isupper() and not shown.isupper() else natural)
                break
            if len(shown) > len(page_title):
                break
            candidate = candidate.getparent()
    if best is not None and (after is None or best[0] > _SITE_NAME_MAX):
        return best[1], best[2]
    if after is None:
        return None
    return _headline_near(after)


_SITE_NAME_MAX = 20
"""A <title> part this short that is all that matched is the site's name, not a headline."""
_HEADLINE_MAX = 250


def _headline_near(toolbar: etree._Element) -> tuple[etree._Element, str] | None:
    """The headline next to the toolbar line: a heading among the blocks just before and after it,
    else the short, link-free block right before it (tables skins) or right after it."""
    box = toolbar.getparent()
    while box is not None and box.getparent() is not None and len(text_of(box)) < 500:
        box = box.getparent()
    if box is None:
        return None
    blocks = [(el, text) for el, text in iter_paragraphs(box) if text]
    at = next((i for i, (el, _) in enumerate(blocks) if el is toolbar or _contains(toolbar, el) or _contains(el, toolbar)), None)
    if at is None:
        return None
    near = [blocks[i] for i in (at - 1, at + 1) if 0 <= i < len(blocks)]
    for el, text in near:
        if el.tag in ("h1", "h2", "h3") and len(text) <= _HEADLINE_MAX:
            return el, text
    for el, text in near:
        if len(text) <= _HEADLINE_MAX and not text.endswith(".") and not any(a.get("href") for a in el.iter("a")):
            return el, text
    return None


def _contains(ancestor: etree._Element, el: etree._Element) -> bool:
    node: etree._Element | None = el
    while node is not None:
        if node is ancestor:
            return True
        node = node.getparent()
    return False


UNKNOWN_CATEGORY = "khong-ro"
"""Placeholder category of a page that names none (print view); merge never outputs it."""


def _category(cls: Classification, page: ParsedPage, profile: SiteProfile) -> str | None:
    if cls.category and profile.category_by_slug(cls.category):
        return cls.category
    if cls.tabid is not None:
        cat = profile.category_by_tabid(cls.tabid)
        if cat is not None:
            return cat.slug
    canonical = _canonical_link(page, cls.item)
    if canonical:
        m = _CANONICAL.match(urlsplit(canonical).path)
        if m and profile.category_by_slug(m.group("cat").lower()):
            return m.group("cat").lower()
    for a in page.root.iter("a"):  # breadcrumb or category link: /tin-tuc-su-kien/<slug>-<tabid>.html
        href = urljoin(page.url, (a.get("href") or "").strip())
        m = re.match(r"^/tin-tuc-su-kien/([a-z0-9-]+)-(\d+)\.html$", urlsplit(href).path)
        if m and is_site_url(href):
            cat = profile.category_by_tabid(int(m.group(2)))
            if cat is not None:
                return cat.slug
    return None


def _canonical_link(page: ParsedPage, item: int | None) -> str | None:
    """The canonical article URL the page itself names: its own URL, `<link rel=canonical>`, the
    ASP.NET form's postback action (DotNetNuke posts back to the canonical path) or a link."""
    if item is None:
        return None
    candidates = [page.url]
    candidates += [l.get("href") or "" for l in page.root.iter("link") if (l.get("rel") or "").lower() == "canonical"]
    candidates += [f.get("action") or "" for f in page.root.iter("form")]
    candidates += [a.get("href") or "" for a in page.root.iter("a")]
    for raw in candidates:
        href = urljoin(page.url, raw.strip())
        if not is_site_url(href):
            continue
        m = _CANONICAL.match(urlsplit(href).path)
        if m and int(m.group("item")) == item:
            return _bare_host(normalize_url(href))
    return None


def _bare_host(url: str) -> str:
    return url.replace("http://www.moha.gov.vn/", "http://moha.gov.vn/", 1)


def attachment_links(root: etree._Element, base: str) -> list[tuple[str, str]]:
    """(URL, link text) of the files listed after a `File đính kèm:` label, wherever it sits."""
    out: list[tuple[str, str]] = []
    for text, owner in texts_of(root):
        if not text.strip().lower().startswith(("file đính kèm", "tệp đính kèm")):
            continue
        holder: etree._Element | None = owner
        while holder is not None and not file_links(holder, base):
            holder = holder.getparent()
        if holder is None:
            continue
        for url, label in file_links(holder, base):
            if url not in (u for u, _ in out):
                out.append((url, label))
    return out


def extract_article(page: ParsedPage, cls: Classification, resp: CapturedResponse, profile: SiteProfile, soft_404: tuple[str, ...]) -> ExtractedItem | NotAnItem:
    """The article a page shows, or NotAnItem for a soft 404; TransformError names what is missing."""
    root = page.root
    toolbar = find_toolbar(root)
    if toolbar is None:
        body_el = root.find("body")
        text = text_of(body_el if body_el is not None else root)
        for phrase in soft_404:
            if phrase.lower() in text.lower():
                return NotAnItem(f"soft 404 ({phrase!r})")
        raise TransformError("no publication date in any of the 3 known forms (toolbar line)")
    if cls.item is None:
        raise TransformError("article URL without an ItemID")
    headline = find_headline(root, toolbar.element)
    if headline is None:
        raise TransformError("no headline: neither the page <title> nor a heading after the toolbar")
    title_el, title = headline
    # The article's box holds both its toolbar and its headline, whatever the skin's markup.
    box = lowest_common_ancestor(toolbar.element, title_el)
    older = find_heading(root, OLDER_NEWS)
    related = find_heading(root, RELATED_NEWS)
    footer = find_footer(root)
    stops = [el for el in (older, related, footer) if el is not None]
    stop = min(stops, key=lambda el: _position(root, el)) if stops else None
    start = title_el if precedes(root, toolbar.element, title_el) else toolbar.element
    body = collect_body(root, page.url, box, start, stop, skip=(toolbar.element, title_el))
    texts = body.text_blocks
    lead = ""
    if texts and texts[0].kind != "li" and texts[0].bold and not any(b.kind == "figure" for b in body.blocks[: body.blocks.index(texts[0])]):
        lead = texts[0].text
        body.remove(texts[0])
        texts = texts[1:]
    credit = None
    if texts and _is_credit(texts[-1].text, texts[-1].kind if texts[-1].kind != "heading" else "p"):
        credit = texts[-1].text
        body.remove(texts[-1])
    author, source = parse_credit(credit)
    related_urls: list[str] = []
    for heading in (older, related):
        if heading is None:
            continue
        others = [h for h in (older, related, footer) if h is not None and h is not heading]
        for a in section_links(root, heading, others):
            href = urljoin(page.url, (a.get("href") or "").strip())
            if is_site_url(href):
                url = normalize_url(href)
                if url not in related_urls:
                    related_urls.append(url)
    category = _category(cls, page, profile)
    missing = () if category else ("category",)
    canonical = _canonical_link(page, cls.item)
    source_url = canonical or _bare_host(normalize_url(page.url))
    images = tuple(Image(url=_bare_host(p.url), caption=p.caption, sha256=None) for p in body.pictures)
    attachments = tuple(
        Attachment(url=_bare_host(url), filename=label or file_name(url), sha256=None, mime=sniff_mime(b"", url), size=None)
        for url, label in attachment_links(root, page.url)
    )
    record = Article(
        source_url=source_url,
        old_urls=(normalize_url(page.url),),
        title=title,
        provenance=provenance_of(resp),
        item_id=cls.item,
        category=category or UNKNOWN_CATEGORY,
        published_at=toolbar.published_at,
        lead=lead,
        body_text=body.text,
        body_html=body.html(),
        author=author,
        source=source,
        images=images,
        attachments=attachments,
        related=tuple(related_urls),
    )
    media = tuple(dict.fromkeys([i.url for i in images] + [a.url for a in attachments]))
    return ExtractedItem(
        record=record,
        key=("article", str(cls.item)),
        rank=cls.pattern_index,
        canonical_url=canonical,
        media_urls=media,
        missing=missing,
    )


def _position(root: etree._Element, target: etree._Element) -> int:
    for i, el in enumerate(root.iter()):
        if el is target:
            return i
    return 1 << 30
