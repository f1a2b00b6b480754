"""The records contract (shared/records.md) as typed, immutable dataclasses.

Transform writes these, the loaders read them, `export` writes them back out of the database and
the replica's ground truth is made of them: nothing else in the project defines a record shape.
`record_from_dict` validates a decoded JSON object field by field and raises `RecordError` naming
the field; `record_to_dict` is its inverse. `jsonl.py` adds the line numbers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta, timezone
from typing import Any, Literal, Union, get_args

from moha_migrate.errors import RecordError

VN_TZ = timezone(timedelta(hours=7), "ICT")
"""Vietnam time (UTC+7): every date shown by the legacy site is in it (legacy-site.md)."""

Kind = Literal["article", "document", "page", "media"]
KINDS: tuple[str, ...] = get_args(Kind)
OLD_URL_PREFIXES = ("http://moha.gov.vn/", "http://www.moha.gov.vn/")


@dataclass(frozen=True, slots=True, kw_only=True)
class Provenance:
    """Where a record came from: the WARC response record it was extracted from."""

    warc_file: str
    offset: int
    record_id: str
    payload_digest: str
    captured_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Image:
    """An image shown in an article body, with its caption (`(Ảnh: ...)`) and payload digest."""

    url: str
    caption: str
    sha256: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Attachment:
    """A file attached to an article or document; `sha256` is None only if it was not captured."""

    url: str
    filename: str
    sha256: str | None
    mime: str
    size: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Base:
    source_url: str
    old_urls: tuple[str, ...]
    title: str
    provenance: Provenance | None = None
    """None only in the replica's ground truth, which is written without provenance."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Article(_Base):
    """A news item (tin bài) of the legacy site."""

    kind: Literal["article"] = "article"
    item_id: int
    category: str
    published_at: datetime
    lead: str
    body_text: str
    body_html: str
    author: str | None
    source: str | None
    images: tuple[Image, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    related: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Document(_Base):
    """A legal document (văn bản) with its attribute table and attachments."""

    kind: Literal["document"] = "document"
    doc_id: int
    number: str
    doc_type: str
    issuer: str
    signer: str | None
    issued_on: date | None
    effective_on: date | None
    expired_on: date | None
    status: str | None
    field: str | None
    abstract: str
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Page(_Base):
    """A static page (giới thiệu, organisation chart, contact, ...)."""

    kind: Literal["page"] = "page"
    slug: str
    body_text: str
    body_html: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Media(_Base):
    """One distinct file under /Uploads/ (image or attachment); same bytes, one record."""

    kind: Literal["media"] = "media"
    url: str
    sha256: str
    mime: str
    size: int
    referenced_by: tuple[str, ...] = ()


Record = Union[Article, Document, Page, Media]
RECORD_TYPES: dict[str, type] = {"article": Article, "document": Document, "page": Page, "media": Media}
_FIELD_NAMES = {kind: frozenset(f.name for f in fields(cls)) for kind, cls in RECORD_TYPES.items()}

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_PLAIN_OLD_URL = re.compile(r"http://(?:www\.)?moha\.gov\.vn/[!\"$-~]*").fullmatch
"""A legacy URL that passes every check of `_Reader.old_url` (printable ASCII, no space or '#'),
in one C call: most URLs of a record file are plain, and only the others take the slow path that
words the error (a load validates ~12 URLs per record, issue 6)."""
_WHITESPACE = re.compile(r"\s")  # the same characters as str.isspace(), without a Python loop per character
_WS_RUN = re.compile(r"[ \t\u00a0]{2,}|\s*\n\s*\n\s*\n")
_ENTITY = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{2,6}|#x[0-9a-fA-F]{2,5});")
# Signs of undecoded legacy text. TCVN3 puts Vietnamese letters on Latin-1's symbol range
# (0xA1-0xBF, e.g. "¸" for "á"), VNI adds mark bytes that are Latin-1 letters Vietnamese never uses
# ("ä", "ï", "ø", "û", ...), UTF-8 read as cp1252 shows "Ã", "á»", and C1 controls or U+FFFD are
# bytes nobody decoded. None of these occurs in correctly written Vietnamese.
# One character class (searched first: an alternation of classes costs a branch test at every
# position, and the validator checks every text value of every record), then the two-character
# signs the class does not cover ("Ã" + a symbol, "á»"), searched only when they can occur.
_MOJIBAKE_CHARS = re.compile(
    "[\u0080-\u009f\ufffd\u00a1-\u00aa\u00ac-\u00af\u00b2-\u00b6\u00b8-\u00ba\u00bc-\u00bf"
    "\u00c4-\u00c7\u00cb\u00ce\u00cf\u00d0\u00d1\u00d6\u00d8\u00db\u00dc\u00de\u00df"
    "\u00e4-\u00e7\u00eb\u00ee\u00ef\u00f0\u00f1\u00f6\u00f8\u00fb\u00fc\u00fe\u00ff]"
)
_MOJIBAKE_PAIRS = re.compile("\u00c3[\u00a0-\u00bf]|\u00e1\u00bb")
MOJIBAKE_MARKERS = re.compile(f"{_MOJIBAKE_CHARS.pattern}|{_MOJIBAKE_PAIRS.pattern}")
"""Every sign of mojibake, to find and count them (has_mojibake only asks whether there is one)."""


def has_mojibake(text: str) -> bool:
    """True when `text` shows a sign of an undecoded legacy encoding or a replacement character.

    See MOJIBAKE_MARKERS: Vietnamese written correctly in Unicode never contains them, so a hit
    means an encoding repair missed something.
    """
    if text.isascii():
        return False
    if _MOJIBAKE_CHARS.search(text):
        return True
    return ("\u00c3" in text or "\u00e1\u00bb" in text) and bool(_MOJIBAKE_PAIRS.search(text))


def is_nfc(text: str) -> bool:
    """True when `text` is already in Unicode Normalization Form C."""
    return unicodedata.is_normalized("NFC", text)


# ---------------------------------------------------------------- to and from plain dicts


def record_to_dict(record: Record) -> dict[str, Any]:
    """The JSON-ready dict of a record: dates as ISO strings, tuples as lists, `kind` first."""
    out: dict[str, Any] = {"kind": record.kind}
    for f in fields(record):
        if f.name == "kind":
            continue
        value = getattr(record, f.name)
        if f.name == "provenance" and value is None:
            continue
        out[f.name] = _plain(value)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (Provenance, Image, Attachment)):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def record_from_dict(data: Mapping[str, Any], *, line: int | None = None) -> Record:
    """Build and validate a record from a decoded JSON object.

    Raises `RecordError` naming the line (when given) and the first field at fault.
    """
    if not isinstance(data, Mapping):
        raise RecordError(f"expected a JSON object, got {type(data).__name__}", line=line)
    kind = data.get("kind")
    if kind not in RECORD_TYPES:
        raise RecordError(f"unknown kind {kind!r} (expected one of {', '.join(KINDS)})", line=line, field="kind")
    cls = RECORD_TYPES[kind]
    extra = sorted(set(data) - _FIELD_NAMES[kind])
    if extra:
        raise RecordError(f"unknown field for a {kind} record", line=line, field=extra[0])
    reader = _Reader(data, line)
    values: dict[str, Any] = {
        "source_url": reader.old_url("source_url"),
        "old_urls": reader.old_url_list("old_urls"),
        "title": reader.text("title"),
        "provenance": reader.provenance("provenance"),
    }
    if kind == "article":
        values.update(
            item_id=reader.integer("item_id"),
            category=reader.slug("category"),
            published_at=reader.timestamp("published_at"),
            lead=reader.text("lead", allow_empty=True),
            body_text=reader.text("body_text", allow_empty=True, multiline=True),
            body_html=reader.text("body_html", allow_empty=True, multiline=True, html=True),
            author=reader.optional_text("author"),
            source=reader.optional_text("source"),
            images=reader.images("images"),
            attachments=reader.attachments("attachments"),
            related=reader.old_url_list("related", sorted_=False, allow_empty=True),
        )
    elif kind == "document":
        values.update(
            doc_id=reader.integer("doc_id"),
            number=reader.text("number"),
            doc_type=reader.text("doc_type"),
            issuer=reader.text("issuer"),
            signer=reader.optional_text("signer"),
            issued_on=reader.day("issued_on"),
            effective_on=reader.day("effective_on"),
            expired_on=reader.day("expired_on"),
            status=reader.optional_text("status"),
            field=reader.optional_text("field"),
            abstract=reader.text("abstract", allow_empty=True, multiline=True),
            attachments=reader.attachments("attachments"),
        )
    elif kind == "page":
        values.update(
            slug=reader.slug("slug"),
            body_text=reader.text("body_text", allow_empty=True, multiline=True),
            body_html=reader.text("body_html", allow_empty=True, multiline=True, html=True),
        )
    else:
        values.update(
            url=reader.old_url("url", canonical_host=False),
            sha256=reader.sha256("sha256"),
            mime=reader.text("mime"),
            size=reader.integer("size"),
            referenced_by=reader.old_url_list("referenced_by", allow_empty=True),
        )
    if values["source_url"] not in {u for u in values["old_urls"]}:
        raise RecordError("source_url is not listed in old_urls", line=line, field="old_urls")
    return cls(**values)


@dataclass(slots=True)
class _Reader:
    """Typed accessors over one JSON object; each raises RecordError naming its field."""

    data: Mapping[str, Any]
    line: int | None
    _missing: object = field(default_factory=object)

    def _get(self, name: str, *, required: bool = True) -> Any:
        if name not in self.data:
            if required:
                raise RecordError("missing", line=self.line, field=name)
            return None
        return self.data[name]

    def fail(self, name: str, why: str) -> RecordError:
        return RecordError(why, line=self.line, field=name)

    def text(self, name: str, *, allow_empty: bool = False, multiline: bool = False, html: bool = False) -> str:
        value = self._get(name)
        if not isinstance(value, str):
            raise self.fail(name, f"expected a string, got {type(value).__name__}")
        self._check_text(name, value, allow_empty=allow_empty, multiline=multiline, html=html)
        return value

    def _check_text(self, name: str, value: str, *, allow_empty: bool, multiline: bool, html: bool) -> None:
        if not value:
            if not allow_empty:
                raise self.fail(name, "empty")
            return
        ascii_ = value.isascii()  # ASCII text is NFC and shows no mojibake: two scans saved
        if not ascii_ and not unicodedata.is_normalized("NFC", value):
            raise self.fail(name, "not Unicode NFC")
        if value != value.strip():
            raise self.fail(name, "leading or trailing whitespace")
        if not multiline and ("\n" in value or "  " in value):
            raise self.fail(name, "runs of whitespace or line breaks")
        if not html and "&" in value and _ENTITY.search(value):
            raise self.fail(name, f"HTML entity {_ENTITY.search(value).group(0)!r} left in text")
        if not ascii_ and has_mojibake(value):
            raise self.fail(name, f"mojibake: {MOJIBAKE_MARKERS.search(value).group(0)!r}")

    def optional_text(self, name: str) -> str | None:
        value = self._get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(name, f"expected a string or null, got {type(value).__name__}")
        self._check_text(name, value, allow_empty=False, multiline=False, html=False)
        return value

    def integer(self, name: str) -> int:
        value = self._get(name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(name, f"expected an integer, got {value!r}")
        if value < 0:
            raise self.fail(name, f"negative: {value}")
        return value

    def slug(self, name: str) -> str:
        value = self.text(name)
        if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", value):
            raise self.fail(name, f"not a slug: {value!r}")
        return value

    def sha256(self, name: str, value: Any = None, *, nullable: bool = False) -> str | None:
        value = self._get(name) if value is None and name in self.data else value
        if value is None and nullable:
            return None
        if not isinstance(value, str) or not _SHA256.match(value):
            raise self.fail(name, f"expected 64 lowercase hex digits, got {value!r}")
        return value

    def timestamp(self, name: str, value: Any = None) -> datetime:
        value = self._get(name) if value is None else value
        try:
            moment = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            raise self.fail(name, f"not an ISO 8601 timestamp: {value!r}") from None
        if moment.tzinfo is None:
            raise self.fail(name, f"timestamp without a UTC offset: {value!r}")
        return moment

    def day(self, name: str) -> date | None:
        value = self._get(name)
        if value is None:
            return None
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise self.fail(name, f"expected an ISO date YYYY-MM-DD or null, got {value!r}")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise self.fail(name, f"not a calendar date: {value!r}") from None

    def old_url(self, name: str, value: Any = None, *, canonical_host: bool = False) -> str:
        value = self._get(name) if value is None else value
        if type(value) is str and _PLAIN_OLD_URL(value) is not None:
            return value
        if not isinstance(value, str) or not value.startswith(OLD_URL_PREFIXES):
            raise self.fail(name, f"expected an absolute http://moha.gov.vn/ URL, got {value!r}")
        if "#" in value or not value.isascii() or _WHITESPACE.search(value):
            raise self.fail(name, f"URL with a fragment, whitespace or raw non-ASCII: {value!r}")
        return value

    def old_url_list(self, name: str, *, sorted_: bool = True, allow_empty: bool = False) -> tuple[str, ...]:
        value = self._get(name)
        if not isinstance(value, list):
            raise self.fail(name, f"expected a list of URLs, got {type(value).__name__}")
        if not value and not allow_empty:
            raise self.fail(name, "empty list")
        plain = _PLAIN_OLD_URL
        for v in value:
            if type(v) is not str or plain(v) is None:
                self.old_url(name, v)  # words the error, or accepts what the fast check could not
        urls = tuple(value)
        if sorted_ and value != sorted(set(urls)):
            raise self.fail(name, "not sorted or has duplicates")
        return urls

    def provenance(self, name: str) -> Provenance | None:
        value = self._get(name, required=False)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise self.fail(name, "expected an object")
        try:
            return Provenance(
                warc_file=str(value["warc_file"]),
                offset=int(value["offset"]),
                record_id=str(value["record_id"]),
                payload_digest=str(value["payload_digest"]),
                captured_at=self.timestamp(f"{name}.captured_at", value["captured_at"]),
            )
        except KeyError as exc:
            raise self.fail(f"{name}.{exc.args[0]}", "missing") from None
        except (TypeError, ValueError) as exc:
            raise self.fail(name, str(exc)) from None

    def images(self, name: str) -> tuple[Image, ...]:
        items = self._get(name)
        if not isinstance(items, list):
            raise self.fail(name, "expected a list")
        out = []
        for i, item in enumerate(items):
            where = f"{name}[{i}]"
            if not isinstance(item, Mapping) or set(item) != {"url", "caption", "sha256"}:
                raise self.fail(where, "expected {url, caption, sha256}")
            if not isinstance(item["caption"], str):
                raise self.fail(f"{where}.caption", "expected a string")
            out.append(
                Image(
                    url=self.old_url(f"{where}.url", item["url"]),
                    caption=item["caption"],
                    sha256=self.sha256(f"{where}.sha256", item["sha256"], nullable=True),
                )
            )
        return tuple(out)

    def attachments(self, name: str) -> tuple[Attachment, ...]:
        items = self._get(name)
        if not isinstance(items, list):
            raise self.fail(name, "expected a list")
        out = []
        for i, item in enumerate(items):
            where = f"{name}[{i}]"
            if not isinstance(item, Mapping) or set(item) != {"url", "filename", "sha256", "mime", "size"}:
                raise self.fail(where, "expected {url, filename, sha256, mime, size}")
            if not isinstance(item["filename"], str) or not item["filename"] or not is_nfc(item["filename"]):
                raise self.fail(f"{where}.filename", "expected a non-empty NFC string")
            size = item["size"]
            if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
                raise self.fail(f"{where}.size", f"expected a byte count or null, got {size!r}")
            out.append(
                Attachment(
                    url=self.old_url(f"{where}.url", item["url"]),
                    filename=item["filename"],
                    sha256=self.sha256(f"{where}.sha256", item["sha256"], nullable=True),
                    mime=str(item["mime"]),
                    size=size,
                )
            )
        return tuple(out)


def record_key(record: Record) -> tuple[str, str]:
    """The identity of a record across stages: (kind, source_url)."""
    return (record.kind, record.source_url)
