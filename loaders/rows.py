"""Records to table rows and back: pure functions, no database.

`load` writes what these return and `export` rebuilds records with `record_from_rows`, so the two
directions live side by side and a round trip (load -> export) can be checked field by field.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import orjson

from moha_migrate.records import (
    Article,
    Attachment,
    Document,
    Image,
    Media,
    Page,
    Provenance,
    Record,
    record_to_dict,
)
from moha_migrate.urls import comparable

WWW = "www.moha.gov.vn"
BARE = "moha.gov.vn"


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def source_key(source_url: str) -> str:
    """The id_map key of a source URL (sha256 of the URL as written)."""
    return sha256_hex(source_url)


def url_key(url: str) -> str:
    """The redirect key of an old URL: sha256 of the URL unquoted and in NFC (records.md's comparison)."""
    if "%" not in url and url.isascii():  # nothing to unquote or normalise: skip the work
        return hashlib.sha256(url.encode("ascii")).hexdigest()
    return sha256_hex(comparable(url))


_BARE_HTTP = f"http://{BARE}/"
_WWW_HTTP = f"http://{WWW}/"


def other_host(url: str) -> str | None:
    """The same URL on the other legacy host (moha.gov.vn <-> www.moha.gov.vn), None off-site.

    Plain prefix swaps: records' old URLs all start with one of records.OLD_URL_PREFIXES.
    """
    if url.startswith(_BARE_HTTP):  # what records' old URLs all start with: checked first
        return _WWW_HTTP + url[len(_BARE_HTTP):]
    if url.startswith(_WWW_HTTP):
        return _BARE_HTTP + url[len(_WWW_HTTP):]
    for scheme in ("http://", "https://"):
        if url.startswith(scheme + BARE + "/") or url == scheme + BARE:
            return scheme + WWW + url[len(scheme + BARE):]
        if url.startswith(scheme + WWW + "/") or url == scheme + WWW:
            return scheme + BARE + url[len(scheme + WWW):]
    if "://" in url:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if host in (BARE, WWW) and not parts.port:
            return urlunsplit(parts._replace(netloc=WWW if host == BARE else BARE))
    return None


UrlSlot = tuple[str, str, str, "str | None", "str | None"]
"""One URL a record asks a redirect for: (url key, URL, origin, other-host form, its key).

Origin is "record" for a URL the record lists and "alias" for the other-host form of one it lists.
A plain tuple: a load makes one per old URL (175,000 for 50,000 records), and a named tuple's
Python-level constructor was a tenth of a load's redirect work (issue 6)."""


def url_slots(old_urls: Sequence[str]) -> list[UrlSlot]:
    """The redirects a record with these old URLs asks for, one per url key: its old URLs in their
    order, then the other-host forms it does not list itself (`redirects.assign_redirects` applies
    precedence).

    A key the record already asks for is not asked again: a listed URL's key beats an alias with
    the same key, as it would in the precedence (records list both hosts of nearly every URL, so
    most aliases are listed URLs). Each key is hashed once.
    """
    keys: dict[str, str] = {}
    listed = []
    for url in old_urls:
        key = keys.get(url)
        if key is None:
            key = keys[url] = url_key(url)
        alias = other_host(url)
        alias_key = None
        if alias is not None:
            alias_key = keys.get(alias)
            if alias_key is None:
                alias_key = keys[alias] = url_key(alias)
        listed.append((key, url, alias, alias_key))
    slots: list[UrlSlot] = []
    asked: set[str] = set()
    for key, url, alias, alias_key in listed:
        if key not in asked:
            asked.add(key)
            slots.append((key, url, "record", alias, alias_key))
    for key, url, alias, alias_key in listed:
        if alias is not None and alias_key is not None and alias_key not in asked:
            asked.add(alias_key)
            slots.append((alias_key, alias, "alias", url, key))
    return slots


def json_list(values: Sequence[str]) -> str:
    """A list column's text: JSON, non-ASCII kept as is (Vietnamese URLs stay readable and short)."""
    return orjson.dumps(list(values)).decode("utf-8")  # the bytes of json.dumps(ensure_ascii=False, compact)


def old_urls_column(record: Record) -> str:
    """id_map.old_urls of a record: its old URLs as a compact JSON list (they are ASCII)."""
    return orjson.dumps(record.old_urls).decode("ascii")


def content_hash(data: Mapping[str, Any]) -> str:
    """The hash of a record's content, from its JSON object: what `load` compares to skip unchanged
    records. Keys are sorted, so key order and spacing of the JSONL line do not matter.

    Provenance is left out on purpose: a recrawl that captured the same content again (new WARC
    file and offset) is not a change for the portal, so incremental loads touch only real edits.
    """
    plain = {k: v for k, v in data.items() if k != "provenance"}
    try:
        # orjson writes the same bytes as the json call below (checked in tests/loaders/test_rows.py)
        # three times faster: this hash was a tenth of a full load's CPU (issue 6)
        text = orjson.dumps(plain, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # what orjson does not take (integers beyond 64 bits, lone surrogates)
        text = json.dumps(plain, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8", "surrogatepass")
    return hashlib.sha256(text).hexdigest()


def row_hash(record: Record) -> str:
    """`content_hash` of a record object (as `export` would write it)."""
    return content_hash(record_to_dict(record))


def provenance_columns(record: Record) -> dict[str, Any]:
    p = record.provenance
    if p is None:
        return dict(prov_warc_file=None, prov_offset=None, prov_record_id=None, prov_payload_digest=None, prov_captured_at=None)
    return dict(
        prov_warc_file=p.warc_file,
        prov_offset=p.offset,
        prov_record_id=p.record_id,
        prov_payload_digest=p.payload_digest,
        prov_captured_at=p.captured_at.isoformat(),
    )


def provenance_from_columns(row: Mapping[str, Any]) -> Provenance | None:
    if row["prov_warc_file"] is None:
        return None
    return Provenance(
        warc_file=row["prov_warc_file"],
        offset=int(row["prov_offset"]),
        record_id=row["prov_record_id"],
        payload_digest=row["prov_payload_digest"],
        captured_at=datetime.fromisoformat(row["prov_captured_at"]),
    )


# ------------------------------------------------------------------------------ to rows


def main_row(record: Record, path: str, category_ids: Mapping[str, int]) -> dict[str, Any]:
    """The row of the record's main table (no id)."""
    base = {"path": path, "source_url": record.source_url, "title": record.title}
    if isinstance(record, Article):
        moment = record.published_at
        offset = moment.utcoffset() or timedelta(0)
        return base | {
            "item_id": record.item_id,
            "category_id": category_ids[record.category],
            "published_at": moment.astimezone(timezone.utc).replace(tzinfo=None),
            "published_utc_offset_min": int(offset.total_seconds() // 60),
            "lead": record.lead,
            "body_text": record.body_text,
            "body_html": record.body_html,
            "author": record.author,
            "source": record.source,
            "related": json_list(record.related),
        }
    if isinstance(record, Document):
        return base | {
            "doc_id": record.doc_id,
            "number": record.number,
            "doc_type": record.doc_type,
            "issuer": record.issuer,
            "signer": record.signer,
            "issued_on": record.issued_on,
            "effective_on": record.effective_on,
            "expired_on": record.expired_on,
            "status": record.status,
            "field": record.field,
            "abstract": record.abstract,
        }
    if isinstance(record, Page):
        return base | {"slug": record.slug, "body_text": record.body_text, "body_html": record.body_html}
    if isinstance(record, Media):
        return base | {
            "url": record.url,
            "sha256": record.sha256,
            "mime": record.mime,
            "size": record.size,
            "referenced_by": json_list(record.referenced_by),
        }
    raise TypeError(f"not a record: {record!r}")


def child_rows(record: Record, dest_id: int | None) -> dict[str, list[dict[str, Any]]]:
    """Rows of the child tables (by table name) of a record whose main row has id `dest_id` (None
    while it has none: `content.insert_child_rows` sets it).

    Related links and media references are JSON columns of the main row (`main_row`), not children.
    """
    out: dict[str, list[dict[str, Any]]] = {}
    if isinstance(record, Article):
        out["article_images"] = [
            {"article_id": dest_id, "position": i, "url": im.url, "caption": im.caption, "sha256": im.sha256}
            for i, im in enumerate(record.images)
        ]
        out["attachments"] = _attachment_rows(record.attachments, article_id=dest_id, document_id=None)
    elif isinstance(record, Document):
        out["attachments"] = _attachment_rows(record.attachments, article_id=None, document_id=dest_id)
    return out


def _attachment_rows(items: Sequence[Attachment], *, article_id: int | None, document_id: int | None) -> list[dict[str, Any]]:
    return [
        {
            "article_id": article_id,
            "document_id": document_id,
            "position": i,
            "url": a.url,
            "filename": a.filename,
            "sha256": a.sha256,
            "mime": a.mime,
            "size": a.size,
        }
        for i, a in enumerate(items)
    ]


# ---------------------------------------------------------------------------- from rows


def record_from_rows(
    kind: str,
    main: Mapping[str, Any],
    children: Mapping[str, Sequence[Mapping[str, Any]]],
    old_urls: Sequence[str],
    provenance: Provenance | None,
    category_slugs: Mapping[int, str],
) -> Record:
    """Rebuild a record from its main row, child rows (sorted by position) and old URLs."""
    base = dict(source_url=main["source_url"], old_urls=tuple(old_urls), title=main["title"], provenance=provenance)
    if kind == "article":
        offset = timezone(timedelta(minutes=main["published_utc_offset_min"]))
        published = main["published_at"]
        if isinstance(published, str):  # SQLite through a raw read returns text
            published = datetime.fromisoformat(published)
        published = published.replace(tzinfo=timezone.utc).astimezone(offset)
        return Article(
            **base,
            item_id=main["item_id"],
            category=category_slugs[main["category_id"]],
            published_at=published,
            lead=main["lead"],
            body_text=main["body_text"],
            body_html=main["body_html"],
            author=main["author"],
            source=main["source"],
            images=tuple(
                Image(url=r["url"], caption=r["caption"], sha256=r["sha256"]) for r in children.get("article_images", ())
            ),
            attachments=tuple(_attachment(r) for r in children.get("attachments", ())),
            related=tuple(json.loads(main["related"])),
        )
    if kind == "document":
        return Document(
            **base,
            doc_id=main["doc_id"],
            number=main["number"],
            doc_type=main["doc_type"],
            issuer=main["issuer"],
            signer=main["signer"],
            issued_on=main["issued_on"],
            effective_on=main["effective_on"],
            expired_on=main["expired_on"],
            status=main["status"],
            field=main["field"],
            abstract=main["abstract"],
            attachments=tuple(_attachment(r) for r in children.get("attachments", ())),
        )
    if kind == "page":
        return Page(**base, slug=main["slug"], body_text=main["body_text"], body_html=main["body_html"])
    if kind == "media":
        return Media(
            **base,
            url=main["url"],
            sha256=main["sha256"],
            mime=main["mime"],
            size=int(main["size"]),
            referenced_by=tuple(json.loads(main["referenced_by"])),
        )
    raise ValueError(f"unknown kind {kind!r}")


def _attachment(row: Mapping[str, Any]) -> Attachment:
    size = row["size"]
    return Attachment(
        url=row["url"], filename=row["filename"], sha256=row["sha256"], mime=row["mime"], size=None if size is None else int(size)
    )


KIND_CHILD_TABLES = {
    "article": (("article_images", "article_id"), ("attachments", "article_id")),
    "document": (("attachments", "document_id"),),
    "page": (),
    "media": (),
}
"""The child tables of each kind, with the column that points at the main row."""
