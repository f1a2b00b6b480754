"""Find the landmarks the legacy templates always had, whatever their markup: the toolbar date
line, the section headings (`CÁC TIN ĐÃ ĐƯA`, `TIN LIÊN QUAN`), the footer, and link-dense blocks.

Extractors cut a page along these landmarks instead of along ids or class names, which changed
with every skin of the site (legacy-site.md). Each finder works on visible text: the smallest
element whose text is the landmark wins, so the same code finds a heading in an `<h3>`, a
`<div class="title">` or a `<td><b>` of a layout table.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from transform.dates import find_vn_datetime
from transform.tree import text_of, texts_of

log = logging.getLogger(__name__)

__all__ = [
    "OLDER_NEWS",
    "RELATED_NEWS",
    "Toolbar",
    "find_footer",
    "find_heading",
    "find_toolbar",
    "folded_texts",
    "is_link_dense",
    "iter_after",
    "precedes",
    "section_links",
]

OLDER_NEWS = "CÁC TIN ĐÃ ĐƯA"
RELATED_NEWS = "TIN LIÊN QUAN"
FOOTER_MARKERS = ("Bản quyền thuộc", "Bản quyền ©", "Copyright")
TOOLBAR_WORDS = re.compile(r"\b(?:Email|E-mail|Print|In bài|In trang|Like|Gửi bài|Chia sẻ)\b", re.IGNORECASE)
_DATE_HINT = re.compile(r"\d{1,2}/\d{1,2}/\d{4}")
_MAX_TOOLBAR_CHARS = 160


@dataclass(frozen=True, slots=True)
class Toolbar:
    """The article toolbar line (`15/08/2015 07:25 GMT+7 Email Print Like 0`) and its date."""

    element: etree._Element
    text: str
    published_at: datetime


def fold(text: str) -> str:
    """Text for comparing headings: NFC, upper case, no trailing colon, single spaces."""
    return unicodedata.normalize("NFC", " ".join(text.split())).upper().rstrip(" :")


class _LastFolded:
    """One-entry memo of folded_texts, identity-checked like tree.texts_of's; (root, texts) is
    one tuple, read and replaced whole."""

    memo: tuple[etree._Element | None, list[tuple[str, str, etree._Element]]] = (None, [])


def folded_texts(root: etree._Element) -> list[tuple[str, str, etree._Element]]:
    """texts_of with each text folded once: (folded, text, owner)."""
    memo = _LastFolded.memo
    if memo[0] is root:
        return memo[1]
    texts = [(fold(text), text, owner) for text, owner in texts_of(root)]
    _LastFolded.memo = (root, texts)
    return texts


def find_toolbar(root: etree._Element) -> Toolbar | None:
    """The toolbar line: around the first text holding one of the site's date forms, the deepest
    short element (<= 160 characters) that also shows the toolbar words (Email, Print, Like), else
    the deepest short one with the date; None when the page shows no such line."""
    for text, owner in texts_of(root):
        if "/" not in text or not _DATE_HINT.search(text):
            continue
        best: tuple[etree._Element, str, datetime] | None = None
        el: etree._Element | None = owner
        while el is not None and el.tag not in ("body", "html"):
            shown = text_of(el)
            if len(shown) > _MAX_TOOLBAR_CHARS:
                break
            moment = find_vn_datetime(shown)
            if moment is not None:
                if best is None:
                    best = (el, shown, moment)
                if TOOLBAR_WORDS.search(shown):
                    best = (el, shown, moment)
                    break
            el = el.getparent()
        if best is not None:
            return Toolbar(element=best[0], text=best[1], published_at=best[2])
    return None


def find_heading(root: etree._Element, label: str) -> etree._Element | None:
    """The first element, in document order, whose whole visible text is `label` (case, spacing
    and a trailing colon ignored): the outermost element around the text that shows nothing else."""
    wanted = fold(label)
    start = wanted.split(" ", 1)[0]
    for snippet, _text, owner in folded_texts(root):
        if not snippet.startswith(start) or not wanted.startswith(snippet):
            continue
        candidate: etree._Element | None = owner
        for _ in range(4):
            if candidate is None:
                break
            if fold(text_of(candidate)) == wanted:
                # the whole block that shows only the label (<p><strong>LABEL</strong></p>)
                while candidate.getparent() is not None and fold(text_of(candidate.getparent())) == wanted:
                    candidate = candidate.getparent()
                return candidate
            candidate = candidate.getparent()
    return None


def find_footer(root: etree._Element) -> etree._Element | None:
    """The element whose text starts with a copyright marker (`Bản quyền thuộc Bộ Nội vụ`)."""
    for text, owner in texts_of(root):
        if text.strip().startswith(FOOTER_MARKERS):
            return owner
    return None


def iter_after(root: etree._Element, start: etree._Element) -> Iterator[etree._Element]:
    """Elements after `start` in document order, not counting its own descendants."""
    seen_start = False
    last_inside: etree._Element | None = None
    for el in root.iter():
        if el is start:
            seen_start = True
            descendants = list(start.iter())
            last_inside = descendants[-1]
            if last_inside is start:
                last_inside = None
            continue
        if not seen_start:
            continue
        if last_inside is not None:
            if el is last_inside:
                last_inside = None
            continue
        yield el


def precedes(root: etree._Element, a: etree._Element, b: etree._Element) -> bool:
    """True when `a` starts before `b` in document order."""
    for el in root.iter():
        if el is a:
            return True
        if el is b:
            return False
    return False


def section_links(root: etree._Element, heading: etree._Element, stops: Iterable[etree._Element]) -> list[etree._Element]:
    """The `<a href>` elements of the list under a section heading: those after the heading in
    document order, up to the next landmark in `stops`, inside the nearest ancestor of the heading
    that holds any links (the section's box)."""
    box = heading.getparent()
    while box is not None and not any(a is not heading for a in box.iter("a") if a.get("href") and not _is_inside(a, heading)):
        box = box.getparent()
    if box is None:
        return []
    stop_ids = {id(s) for s in stops if s is not None}
    links = []
    for el in iter_after(box, heading):
        if id(el) in stop_ids:
            break
        if el.tag == "a" and el.get("href") and text_of(el):
            links.append(el)
    return links


def _is_inside(el: etree._Element, ancestor: etree._Element) -> bool:
    while el is not None:
        if el is ancestor:
            return True
        el = el.getparent()
    return False


def is_link_dense(el: etree._Element, threshold: float = 0.6) -> bool:
    """True when most of an element's text is link text (menus, link lists, related items)."""
    text = text_of(el)
    if not text:
        return False
    linked = sum(len(text_of(a)) for a in el.iter("a"))
    return linked / len(text) >= threshold
