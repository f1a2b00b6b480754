"""Parse a captured page into a bounded lxml tree with its text repaired, and read text back out.

lxml (libxml2) is the parser because it is the fastest tolerant HTML parser on PyPI and the one
trafilatura builds on; its default resource limits are kept on purpose: a page nested deeper than
256 levels is refused with a TransformError instead of being parsed without bound (the parser
would otherwise drop everything below that depth silently). After parsing, every text run is
repaired by transform.encoding according to the legacy font it is set in, and composed to NFC,
so extractors only ever see clean Unicode.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from moha_migrate.errors import TransformError
from moha_migrate.records import has_mojibake
from transform.encoding import LegacyFont, decode_page, font_of, nfc, prepare_markup, repair_run

log = logging.getLogger(__name__)

__all__ = ["BLOCK_TAGS", "ParsedPage", "clean_text", "iter_paragraphs", "parse_page", "text_of", "texts_of"]

DEFAULT_MAX_PAGE_BYTES = 8 * 1024 * 1024
BLOCK_TAGS = frozenset(
    {
        "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "table", "tbody", "thead",
        "tr", "td", "th", "blockquote", "center", "dl", "dt", "dd", "form", "section", "article",
        "header", "footer", "nav", "aside", "main", "figure", "figcaption", "pre", "address", "hr",
    }
)
INVISIBLE_TAGS = frozenset({"script", "style", "noscript", "iframe", "object", "embed", "template", "select", "option"})
_SPACE = re.compile(r"\s+")


@dataclass(slots=True)
class ParsedPage:
    """A parsed page: its root element, the codec the bytes were read with and why."""

    url: str
    root: etree._Element
    codec: str
    evidence: str
    legacy_runs: int


def parse_page(body: bytes, declared_charset: str | None, url: str, *, max_bytes: int = DEFAULT_MAX_PAGE_BYTES) -> ParsedPage:
    """Decode, parse and repair one page. Links stay as written (resolve them against `url`).

    Raises TransformError for a page larger than `max_bytes`, one that holds no markup, or one
    nested deeper than the parser's limit.
    """
    if len(body) > max_bytes:
        raise TransformError(f"page of {len(body):,} bytes is larger than the {max_bytes:,}-byte limit for one page")
    decoded = decode_page(body, declared_charset)
    markup = prepare_markup(decoded.text)
    if not markup.strip():
        raise TransformError("empty page")
    # Plain etree elements, not lxml.html's HtmlElement: its per-element Python class lookup
    # costs more than the parse itself.
    parser = etree.HTMLParser(recover=True, remove_comments=True, remove_pis=True, default_doctype=False)
    try:
        root = etree.fromstring(markup, parser)
    except (etree.ParserError, ValueError) as exc:
        raise TransformError(f"not parseable as HTML: {exc}") from exc
    if root is None:
        raise TransformError("no HTML elements in the page")
    for entry in parser.error_log:
        if entry.type_name == "ERR_RESOURCE_LIMIT" or "Excessive depth" in entry.message:
            raise TransformError(f"markup nested too deep to parse safely ({entry.message.strip()})")
    runs = 0
    if _LEGACY_FONT.search(markup) or has_mojibake(markup) or not unicodedata.is_normalized("NFC", markup):
        runs = _repair_text(root, decoded.codec)  # else every text run is already clean Unicode
    return ParsedPage(url=url, root=root, codec=decoded.codec, evidence=decoded.evidence, legacy_runs=runs)


def _repair_text(root: etree._Element, codec: str) -> int:
    """Repair every text run in place by the legacy font it is set in; return how many runs were
    in a legacy font. Iterative (no recursion), so depth costs no stack."""
    legacy = 0
    stack: list[tuple[etree._Element, LegacyFont | None]] = [(root, None)]
    while stack:
        el, inherited = stack.pop()
        if not isinstance(el.tag, str):
            continue
        declared = font_of(el.get("face"), el.get("style"))
        font = inherited if declared is None else (declared or None)
        text = el.text
        if text:
            new = _settable(repair_run(text, font, codec))
            if new != text:
                el.text = new
            legacy += font is not None
        for child in el:
            tail = child.tail
            if tail:
                new = _settable(repair_run(tail, font, codec))
                if new != tail:
                    child.tail = new
                legacy += font is not None
            stack.append((child, font))
        for name in ("alt", "title"):
            value = el.get(name)
            if value:
                el.set(name, _settable(repair_run(value, font, codec)))
    return legacy


_LEGACY_FONT = re.compile(r"\.vn[a-z]|vni[- ]", re.IGNORECASE)
_C0_CONTROLS = dict.fromkeys([*range(9), 11, 12, *range(14, 32)])


_C0_FOUND = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _settable(text: str) -> str:
    """Text lxml accepts back: character references like `&#29;` parse into C0 controls, which
    lxml then refuses to store; they are not text anyway."""
    return text.translate(_C0_CONTROLS) if _C0_FOUND.search(text) else text


def clean_text(text: str) -> str:
    """Whitespace runs (including no-break spaces) collapsed to one space, trimmed, NFC."""
    return nfc(_SPACE.sub(" ", text.replace("\u00a0", " ").replace("\u00ad", "")).strip())


class _LastTree:
    """A one-entry memo of texts_of for the tree being extracted (every finder scans the same
    page's text; the page is not modified after parse_page). Identity-checked, so another tree
    can never get a stale answer; (root, texts) is one tuple, read and replaced whole."""

    memo: tuple[etree._Element | None, list[tuple[str, etree._Element]]] = (None, [])


def texts_of(root: etree._Element) -> list[tuple[str, etree._Element]]:
    """Every non-blank text node of a tree with the element it reads inside (for a tail, the
    parent of the element it follows), in document order; XPath collects them in C."""
    memo = _LastTree.memo
    if memo[0] is root:
        return memo[1]
    out = []
    for node in root.xpath(".//text()"):  # under root only: broken pages can put nodes beside it
        if not node.strip():
            continue
        owner = node.getparent()
        if node.is_tail:
            owner = owner.getparent()
        if owner is not None and isinstance(owner.tag, str) and owner.tag not in INVISIBLE_TAGS:
            out.append((str(node), owner))
    _LastTree.memo = (root, out)
    return out


def text_of(el: etree._Element) -> str:
    """The visible text of an element (scripts and styles left out), cleaned."""
    parts: list[str] = []
    _collect(el, parts)
    return clean_text("".join(parts))


def _collect(el: etree._Element, parts: list[str]) -> None:
    stack: list[tuple[etree._Element, bool]] = [(el, False)]
    while stack:
        node, tail_only = stack.pop()
        if tail_only:
            if node.tag in BLOCK_TAGS:
                parts.append(" ")
            if node.tail:
                parts.append(node.tail)
            continue
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in INVISIBLE_TAGS:
            continue
        if tag == "br" or tag in BLOCK_TAGS:
            parts.append(" ")
        if node.text and tag not in INVISIBLE_TAGS:
            parts.append(node.text)
        children = list(node)
        for child in reversed(children):
            stack.append((child, True))
            stack.append((child, False))


def iter_paragraphs(el: etree._Element) -> Iterator[tuple[etree._Element, str]]:
    """Yield (element, text) for every paragraph-level block under `el` in document order: a block
    element whose text is not inside a nested block, or the loose text between nested blocks.
    A block holding an inline image but no text is yielded with text "" (pictures matter)."""
    yield from _paragraphs(el)


def _paragraphs(el: etree._Element) -> Iterator[tuple[etree._Element, str]]:
    buffer: list[str] = []
    has_image = False

    def flush() -> Iterator[tuple[etree._Element, str]]:
        nonlocal has_image
        text = clean_text("".join(buffer))
        buffer.clear()
        if text or has_image:
            yield el, text
        has_image = False

    if el.text:
        buffer.append(el.text)
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in INVISIBLE_TAGS or not tag:
            pass
        elif tag in BLOCK_TAGS:
            yield from flush()
            yield from _paragraphs(child)
        elif tag == "br":
            buffer.append(" ")
        else:
            if tag == "img" or next(child.iter("img"), None) is not None:
                has_image = True
            buffer.append(_inline_text(child))
        if child.tail:
            buffer.append(child.tail)
    yield from flush()


def _inline_text(el: etree._Element) -> str:
    parts: list[str] = []
    _collect(el, parts)
    return "".join(parts)
