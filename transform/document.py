"""Extract a legal document (văn bản) from its attribute page.

The page is read by its labels, not its markup: for each label of the vbpl.vn-style attribute
table (`Số/Ký hiệu`, `Ngày ban hành`, ...; legacy-site.md) the value is the text of the next cell
after the label (a `<td>`/`<th>` pair, a `<dt>`/`<dd>` pair, or `Label: value` in one element).
A document's title is `<Loại văn bản> <Số/Ký hiệu>` (records.md).
"""

from __future__ import annotations

import logging
from datetime import date
from urllib.parse import parse_qsl, urlsplit

from lxml import etree

from archive.reader import CapturedResponse
from moha_migrate.errors import TransformError
from moha_migrate.records import Attachment, Document
from moha_migrate.urls import normalize_url
from transform.article import provenance_of
from transform.body import file_links
from transform.boilerplate import fold, folded_texts
from transform.classify import Classification
from transform.dates import parse_vn_date
from transform.item import ExtractedItem, NotAnItem
from transform.media import file_name, sniff_mime
from transform.tree import BLOCK_TAGS, INVISIBLE_TAGS, ParsedPage, clean_text, text_of

log = logging.getLogger(__name__)

__all__ = ["LABELS", "extract_document", "read_attributes"]

LABELS: dict[str, str] = {
    "Số/Ký hiệu": "number",
    "Số ký hiệu": "number",
    "Ngày ban hành": "issued_on",
    "Ngày hiệu lực": "effective_on",
    "Loại văn bản": "doc_type",
    "Cơ quan ban hành": "issuer",
    "Người ký": "signer",
    "Lĩnh vực": "field",
    "Tình trạng hiệu lực": "status",
    "Ngày hết hiệu lực": "expired_on",
    "Trích yếu": "abstract",
    "File đính kèm": "attachments",
}
_FOLDED = {fold(label): name for label, name in LABELS.items()}
_BLANKS = {"", "-", "--", "...", "N/A", "Đang cập nhật", "Không có", "Không xác định"}


def _value_element(label_el: etree._Element) -> etree._Element | None:
    """The element holding the value of a label: the next sibling cell, or the next element."""
    sibling = label_el.getnext()
    while sibling is not None and (not isinstance(sibling.tag, str) or sibling.tag in INVISIBLE_TAGS):
        sibling = sibling.getnext()
    if sibling is not None:
        shown = fold(text_of(sibling))
        if any(shown.startswith(label) for label in _FOLDED):
            return None  # the next label: this one's value is blank
        return sibling
    parent = label_el.getparent()
    if parent is not None and parent.tag not in ("tr", "dl", "body") and not clean_text(parent.text or ""):
        return _value_element(parent)
    return None


def read_attributes(root: etree._Element) -> dict[str, etree._Element | str]:
    """Field name -> the value element (or the text after `Label:` in one text), by label."""
    found: dict[str, etree._Element | str] = {}
    for key, text, owner in folded_texts(root):
        name = _FOLDED.get(key)
        if name is not None:
            if name in found:
                continue
            label_el = owner
            # the label may sit in an inline wrapper (<b>Số/Ký hiệu:</b>) of the cell
            while label_el.tag not in BLOCK_TAGS and label_el.getparent() is not None and fold(text_of(label_el.getparent())) == key:
                label_el = label_el.getparent()
            inline_value = clean_text(label_el.tail or "") or (
                label_el.getnext() is not None and label_el.getnext().tag not in BLOCK_TAGS
            )
            parent = label_el.getparent()
            if inline_value and parent is not None:
                # "<b>Label:</b> value" in one block: the value is the rest of that block
                if name == "attachments":
                    found[name] = parent
                else:
                    shown = text_of(parent)
                    found[name] = clean_text(shown[shown.find(text_of(label_el)) + len(text_of(label_el)) :])
                continue
            value = _value_element(label_el)
            if value is not None:
                found[name] = value
            continue
        head, sep, rest = text.partition(":")
        if sep and fold(head) in _FOLDED and _FOLDED[fold(head)] not in found and clean_text(rest):
            found[_FOLDED[fold(head)]] = clean_text(rest)
    return found


def _text(value: etree._Element | str | None) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else text_of(value)
    text = clean_text(text)
    return None if text in _BLANKS else text


def _date(value: etree._Element | str | None, label: str) -> date | None:
    text = _text(value)
    if text is None:
        return None
    try:
        return parse_vn_date(text)
    except TransformError as exc:
        raise TransformError(f"{label}: {exc}") from exc


def canonical_document_url(url: str, doc_id: int) -> str:
    """`http://moha.gov.vn/van-ban/Default.aspx?tabid=<tabid>&DocID=<id>`: bare host, the tabid
    of the captured URL first (the order the site's own listings link with)."""
    query = {k.lower(): v for k, v in parse_qsl(urlsplit(url).query)}
    tabid = query.get("tabid")
    params = f"tabid={tabid}&DocID={doc_id}" if tabid else f"DocID={doc_id}"
    return f"http://moha.gov.vn/van-ban/Default.aspx?{params}"


def extract_document(page: ParsedPage, cls: Classification, resp: CapturedResponse, soft_404: tuple[str, ...]) -> ExtractedItem | NotAnItem:
    """The document a page shows, or NotAnItem for a soft 404; TransformError names a missing label."""
    attrs = read_attributes(page.root)
    if "number" not in attrs:
        body_text = text_of(page.root)
        for phrase in soft_404:
            if phrase.lower() in body_text.lower():
                return NotAnItem(f"soft 404 ({phrase!r})")
        raise TransformError("no attribute table: label 'Số/Ký hiệu' not found")
    if cls.doc is None:
        raise TransformError("document URL without a DocID")
    number = _text(attrs.get("number"))
    doc_type = _text(attrs.get("doc_type"))
    issuer = _text(attrs.get("issuer"))
    if not number or not doc_type or not issuer:
        missing = [n for n, v in (("Số/Ký hiệu", number), ("Loại văn bản", doc_type), ("Cơ quan ban hành", issuer)) if not v]
        raise TransformError(f"empty attribute(s): {', '.join(missing)}")
    files: list[Attachment] = []
    holder = attrs.get("attachments")
    if isinstance(holder, etree._Element):
        seen: set[str] = set()
        for url, label in file_links(holder, page.url):
            url = url.replace("http://www.moha.gov.vn/", "http://moha.gov.vn/", 1)
            if url in seen:
                continue
            seen.add(url)
            files.append(Attachment(url=url, filename=label or file_name(url), sha256=None, mime=sniff_mime(b"", url), size=None))
    source_url = canonical_document_url(page.url, cls.doc)
    record = Document(
        source_url=source_url,
        old_urls=(normalize_url(page.url),),
        title=f"{doc_type} {number}",
        provenance=provenance_of(resp),
        doc_id=cls.doc,
        number=number,
        doc_type=doc_type,
        issuer=issuer,
        signer=_text(attrs.get("signer")),
        issued_on=_date(attrs.get("issued_on"), "Ngày ban hành"),
        effective_on=_date(attrs.get("effective_on"), "Ngày hiệu lực"),
        expired_on=_date(attrs.get("expired_on"), "Ngày hết hiệu lực"),
        status=_text(attrs.get("status")),
        field=_text(attrs.get("field")),
        abstract=_text(attrs.get("abstract")) or "",
        attachments=tuple(files),
    )
    return ExtractedItem(
        record=record,
        key=("document", str(cls.doc)),
        rank=0,
        canonical_url=None,
        media_urls=tuple(f.url for f in files),
    )
