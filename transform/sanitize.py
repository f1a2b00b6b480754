"""Sanitize body HTML on an allow-list with nh3, and rewrite its links to the new portal's paths.

nh3 (Rust's ammonia) is used rather than a hand-written cleaner or lxml's deprecated Cleaner: it
parses like a browser (html5ever), so unclosed Word `<p>`/`<li>`/`<td>` and `<o:p>` come out
well-formed, and anything not on the list goes: `<script>`/`<style>`/`<iframe>` with their content,
event handlers, `style` (hence every `mso-` style), `class`, `<font>`, `<span>`, and URL schemes
other than http, https and mailto (so `javascript:` links lose their href). Links are rewritten in
nh3's attribute filter by the caller's function, which is `moha_migrate.newurls` behind a lookup of
migrated items (see transform/links.py), the same function the loaders' redirect map uses.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable

import nh3

log = logging.getLogger(__name__)

__all__ = ["ALLOWED_TAGS", "UNSAFE", "has_unsafe_markup", "sanitize_html"]

# The portal's body markup (the replica's truth uses the same): paragraphs, sub-headings, lists,
# links, figures; data tables kept. Inline formatting (b, i, span, font) is Word's and goes.
ALLOWED_TAGS = frozenset(
    {
        "p", "h2", "h3", "h4", "ul", "ol", "li", "a", "img", "figure", "figcaption",
        "table", "thead", "tbody", "tr", "td", "th", "blockquote", "sub", "sup",
    }
)
_ATTRIBUTES = {
    "a": {"href"},
    "img": {"src", "alt"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
_URL_SCHEMES = {"http", "https", "mailto"}
_DROP_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "title", "xml"}
_EMPTY_PARAGRAPH = re.compile(r"<p>(?:\s|&nbsp;|&#160;|\u00a0|<br\s*/?>)*</p>", re.IGNORECASE)
_EMPTY_INLINE = re.compile(r"<(strong|em|b|i|u)>(?:\s|&nbsp;|\u00a0)*</\1>", re.IGNORECASE)
_BARE_ANCHOR = re.compile(r"<a>(.*?)</a>", re.DOTALL)
_SPACES = re.compile(r"[ \t\r\n\u00a0]+")
_BETWEEN_BLOCKS = re.compile(r">\s+<(?=/?(?:p|h[2-6]|ul|ol|li|table|thead|tbody|tr|td|th|blockquote|figure|figcaption|br|hr)\b)")

UNSAFE = re.compile(
    r"<\s*(?:script|iframe|object|embed|font|style)\b|\son[a-z]+\s*=|javascript:|vbscript:|mso-|<o:p",
    re.IGNORECASE,
)
"""What must never be in a record's body_html (records.md): checked by tests and bench/accuracy."""


def has_unsafe_markup(html: str) -> bool:
    """True when `html` holds a script, iframe, event handler, javascript: URL, mso- style or font."""
    return bool(UNSAFE.search(html))


def sanitize_html(fragment: str, rewrite_url: Callable[[str, str], str | None] | None = None) -> str:
    """Return `fragment` cleaned on the allow-list, NFC, with empty paragraphs and whitespace runs
    gone; `rewrite_url(tag, url)` may return a replacement for each `a@href` and `img@src`."""

    def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
        if rewrite_url is not None and (tag, attribute) in (("a", "href"), ("img", "src")):
            new = rewrite_url(tag, value)
            return value if new is None else new
        return value

    cleaned = nh3.clean(
        fragment,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(_DROP_WITH_CONTENT),
        attributes={k: set(v) for k, v in _ATTRIBUTES.items()},
        attribute_filter=attribute_filter,
        strip_comments=True,
        link_rel=None,
        url_schemes=set(_URL_SCHEMES),
    )
    cleaned = _SPACES.sub(" ", cleaned)
    for _ in range(3):  # an emptied <strong> can leave an empty <p> behind
        cleaned = _EMPTY_INLINE.sub("", _EMPTY_PARAGRAPH.sub("", cleaned))
    cleaned = _SPACES.sub(" ", cleaned.replace("&nbsp;", " "))
    cleaned = _BARE_ANCHOR.sub(r"\1", cleaned)  # a javascript: link loses its href: keep its text
    cleaned = _BETWEEN_BLOCKS.sub("><", cleaned)
    return unicodedata.normalize("NFC", cleaned.strip())
