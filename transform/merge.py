"""Fold every page of one item (canonical, aliases, print view, www. form, redirect chains) into one
record with all its old URLs, fill in media digests, map related links, and rewrite body links.

Memory stays flat whatever the capture: each extraction is spooled to a temporary JSONL file as
soon as it is made, and the keys (item key -> pages and spool offsets, URL -> item, media digests,
redirect hops) go to a temporary SQLite store with a bounded page cache. Python dicts of the same
keys took about 0.8 KB a response, most of the growth from 1x to 10x the input (bench/transform.py).
Once every page has been seen, `iter_records` reads each item's best extraction back (the lowest
rank: the canonical page before aliases and print views), completes it and yields it, streaming.
Links in body HTML are rewritten with `moha_migrate.newurls.new_path`, the function the loaders'
redirect map uses, so a rewritten link and a redirect always agree.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import groupby
from typing import IO
from urllib.parse import urljoin, urlsplit

from moha_migrate.errors import ConfigError, RecordError
from moha_migrate.newurls import media_path, new_path
from moha_migrate.profile import SiteProfile
from moha_migrate.records import (
    Article,
    Attachment,
    Document,
    Image,
    Media,
    Page,
    Provenance,
    Record,
    record_from_dict,
    record_to_dict,
)
from moha_migrate.scratch import open_scratch
from moha_migrate.slugs import slugify
from moha_migrate.urls import comparable, normalize_url
from transform.classify import UrlRules, classify_url
from transform.item import ExtractedItem, ItemKey
from transform.media import file_name
from transform.sanitize import sanitize_html

log = logging.getLogger(__name__)

__all__ = ["ItemSet", "MergeProblem"]

_CANONICAL_SLUG = re.compile(r"^/tin-tuc-su-kien/[a-z0-9-]+/(.+)-\d+\.html$", re.IGNORECASE)
_KIND_ORDER = {"article": 0, "document": 1, "page": 2, "media": 3}
MAX_REDIRECT_HOPS = 20


@dataclass(frozen=True, slots=True)
class MergeProblem:
    """An item that could not be completed (goes to errors.jsonl)."""

    warc_file: str
    offset: int
    url: str
    reason: str


_SCHEMA = """
CREATE TABLE entry (
    id INTEGER PRIMARY KEY,       -- insertion order: ties in the ranking keep it, as a stable sort
    kind TEXT NOT NULL,
    ident TEXT NOT NULL,
    incomplete INTEGER NOT NULL,  -- the page cannot show some fields (`missing` not empty)
    fallback INTEGER NOT NULL,
    rank INTEGER NOT NULL,
    url TEXT NOT NULL,
    missing TEXT NOT NULL,        -- the field names, comma-separated
    spool_offset INTEGER NOT NULL,
    canonical_url TEXT,
    new_path TEXT NOT NULL,
    source_url TEXT NOT NULL,     -- the item's source_url as this page alone shows it
    prov_file TEXT,               -- provenance, set on a page whose bytes were already extracted
    prov_offset INTEGER,          -- under another URL (its own capture)
    prov_record_id TEXT,
    prov_digest TEXT,
    prov_at TEXT
);
CREATE INDEX entry_rank ON entry (kind, ident, incomplete, fallback, rank, url);
CREATE TABLE extracted (sha TEXT, kind TEXT, ident TEXT, entry INTEGER NOT NULL, PRIMARY KEY (sha, kind, ident)) WITHOUT ROWID;
CREATE TABLE url_item (ukey TEXT PRIMARY KEY, kind TEXT NOT NULL, ident TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE media (
    seq INTEGER PRIMARY KEY, sha TEXT NOT NULL UNIQUE, size INTEGER NOT NULL, mime TEXT NOT NULL,
    source TEXT NOT NULL,         -- the least of its URLs on the bare host: its source_url
    prov_file TEXT, prov_offset INTEGER, prov_record_id TEXT, prov_digest TEXT, prov_at TEXT
);
CREATE INDEX media_order ON media (source, seq);  -- output order, read without a sort
CREATE TABLE media_url (sha TEXT, url TEXT, PRIMARY KEY (sha, url)) WITHOUT ROWID;
CREATE TABLE media_key (ukey TEXT PRIMARY KEY, sha TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE uses (mkey TEXT, kind TEXT, ident TEXT, PRIMARY KEY (mkey, kind, ident)) WITHOUT ROWID;
CREATE TABLE redirect (ukey TEXT PRIMARY KEY, url TEXT NOT NULL, target TEXT NOT NULL, tkey TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX redirect_target ON redirect (tkey);
CREATE TABLE chain_start (kind TEXT, ident TEXT, url TEXT);
CREATE INDEX chain_start_item ON chain_start (kind, ident);
CREATE TABLE item (
    kind TEXT, ident TEXT, kind_order INTEGER NOT NULL, num_len INTEGER NOT NULL, num TEXT NOT NULL,
    entry INTEGER NOT NULL,       -- the primary page: the best source of the item's content
    path TEXT NOT NULL, source TEXT NOT NULL, PRIMARY KEY (kind, ident)
) WITHOUT ROWID;
CREATE INDEX item_order ON item (kind_order, num_len, num, ident);  -- output order, read without a sort
"""
_STORE_CACHE_KIB = 1024
"""SQLite page cache of the key store: what it may hold in memory before pages go to its file."""

_ENTRY_COLUMNS = "id, kind, ident, missing, fallback, rank, url, spool_offset, canonical_url, new_path, source_url, prov_file, prov_offset, prov_record_id, prov_digest, prov_at"


@dataclass(frozen=True, slots=True)
class _Entry:
    """One page of an item, as a row of the key store (the primary page is read back as one)."""

    id: int
    key: ItemKey
    missing: tuple[str, ...]
    fallback: bool
    rank: int
    url: str
    spool_offset: int
    canonical_url: str | None
    new_path: str
    source_url: str
    provenance: Provenance | None
    """Set on a page whose bytes were already extracted under another URL (its own capture)."""

    @classmethod
    def from_row(cls, row: tuple) -> _Entry:
        missing = tuple(row[3].split(",")) if row[3] else ()
        return cls(row[0], (row[1], row[2]), missing, bool(row[4]), row[5], row[6], row[7], row[8], row[9], row[10], _provenance(row[11:16]))


def _provenance_columns(prov: Provenance | None) -> tuple:
    if prov is None:
        return (None, None, None, None, None)
    return (prov.warc_file, prov.offset, prov.record_id, prov.payload_digest, prov.captured_at.isoformat())


def _provenance(columns: tuple) -> Provenance | None:
    if columns[0] is None:
        return None
    return Provenance(warc_file=columns[0], offset=columns[1], record_id=columns[2], payload_digest=columns[3], captured_at=datetime.fromisoformat(columns[4]))


def _open_store() -> sqlite3.Connection:
    """A private temporary SQLite database for the keys: SQLite keeps its pages in memory up to
    the cache size and spills the rest to an unnamed file in its temporary directory
    (SQLITE_TMPDIR or TMPDIR, else /var/tmp or /tmp; about 0.7 KB a response, deleted when
    the connection closes), so memory stays the same whether the capture has 2,000 responses or
    200,000. One transaction for the whole run: nothing needs to survive it."""
    db = open_scratch(_STORE_CACHE_KIB)
    db.executescript(_SCHEMA)
    db.execute("BEGIN")
    return db


def _bare(url: str) -> str:
    return url.replace("http://www.moha.gov.vn/", "http://moha.gov.vn/", 1)


class ItemSet:
    """Every item seen in a capture, held as keys in a temporary SQLite store (the extractions
    themselves are spooled): memory does not grow with the number of pages, items or media."""

    def __init__(self, spool: IO[bytes], rules: UrlRules, profile: SiteProfile) -> None:
        self._spool = spool
        self._rules = rules
        self._profile = profile
        self._db = _open_store()
        self.problems: list[MergeProblem] = []

    def close(self) -> None:
        """Drop the key store (its file goes with it)."""
        self._db.close()

    def __enter__(self) -> ItemSet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- collecting

    def add_item(self, extracted: ExtractedItem) -> None:
        """Remember one page's extraction (spooled) under its item key."""
        record = extracted.record
        url = record.old_urls[0]
        # spooled records are read back through the validator, which wants source_url in old_urls
        spooled = replace(record, old_urls=tuple(sorted({url, record.source_url})))
        line = json.dumps(record_to_dict(spooled), ensure_ascii=False).encode("utf-8") + b"\n"
        self._spool.seek(0, 2)
        offset = self._spool.tell()
        self._spool.write(line)
        kind, ident = extracted.key
        db = self._db
        entry = db.execute(
            "INSERT INTO entry (kind, ident, incomplete, fallback, rank, url, missing, spool_offset, canonical_url, new_path, source_url)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (kind, ident, bool(extracted.missing), extracted.fallback, extracted.rank, url, ",".join(extracted.missing), offset,
             extracted.canonical_url, new_path(record), extracted.canonical_url or _built_source(record)),
        ).lastrowid
        if extracted.payload_sha256:
            db.execute("INSERT OR REPLACE INTO extracted VALUES (?, ?, ?, ?)", (extracted.payload_sha256, kind, ident, entry))
        db.execute("INSERT OR REPLACE INTO url_item VALUES (?, ?, ?)", (_key(url), kind, ident))
        if extracted.canonical_url:
            db.execute("INSERT OR IGNORE INTO url_item VALUES (?, ?, ?)", (_key(extracted.canonical_url), kind, ident))
        db.executemany("INSERT OR IGNORE INTO uses VALUES (?, ?, ?)", ((_key(m), kind, ident) for m in extracted.media_urls))

    def add_duplicate(self, url: str, key: ItemKey, rank: int, payload_sha256: str, provenance: Provenance) -> bool:
        """Add `url` to an item whose page with these very bytes was already extracted (a www.
        form, an alias or a revisit serving the same payload): extraction is pure, so its result
        is reused. Return False when no such page was extracted (the caller extracts)."""
        db = self._db
        first = db.execute("SELECT entry FROM extracted WHERE sha = ? AND kind = ? AND ident = ?", (payload_sha256, *key)).fetchone()
        if first is None:
            return False
        url = normalize_url(url)
        db.execute(
            "INSERT INTO entry (kind, ident, incomplete, fallback, rank, url, missing, spool_offset, canonical_url, new_path, source_url,"
            " prov_file, prov_offset, prov_record_id, prov_digest, prov_at)"
            " SELECT kind, ident, incomplete, fallback, ?, ?, missing, spool_offset, canonical_url, new_path, source_url, ?, ?, ?, ?, ?"
            " FROM entry WHERE id = ?",
            (rank, url, *_provenance_columns(provenance), first[0]),
        )
        db.execute("INSERT OR REPLACE INTO url_item VALUES (?, ?, ?)", (_key(url), *key))
        return True

    def add_media(self, url: str, sha256: str, size: int, mime: str, provenance: Provenance) -> None:
        """Remember one captured /Uploads/ file; the same bytes under another URL join its record."""
        url = normalize_url(url)
        db = self._db
        db.execute("INSERT OR IGNORE INTO media (sha, size, mime, source, prov_file, prov_offset, prov_record_id, prov_digest, prov_at)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (sha256, size, mime, _bare(url), *_provenance_columns(provenance)))
        db.execute("UPDATE media SET source = ?1 WHERE sha = ?2 AND source > ?1", (_bare(url), sha256))
        db.execute("INSERT OR IGNORE INTO media_url VALUES (?, ?)", (sha256, url))
        db.execute("INSERT OR REPLACE INTO media_key VALUES (?, ?)", (_key(url), sha256))

    def add_redirect(self, url: str, location: str) -> None:
        """Remember one redirect hop (the response's URL and its absolute Location)."""
        target = normalize_url(location)
        self._db.execute("INSERT OR REPLACE INTO redirect VALUES (?, ?, ?, ?)", (_key(url), normalize_url(url), target, _key(target)))

    @property
    def item_count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM (SELECT DISTINCT kind, ident FROM entry)").fetchone()[0]

    @property
    def fallback_urls(self) -> list[str]:
        # SQLite compares TEXT as UTF-8 bytes, which orders as Python orders str (by code point)
        return [url for (url,) in self._db.execute("SELECT url FROM entry WHERE fallback ORDER BY url")]

    # ---------------------------------------------------------------- resolving

    def _find_chain_starts(self) -> None:
        """Fill `chain_start`: the first URLs of the redirect chains that end on an item."""
        db = self._db
        for key, url, target in db.execute("SELECT ukey, url, target FROM redirect ORDER BY ukey"):
            if db.execute("SELECT 1 FROM redirect WHERE tkey = ?", (key,)).fetchone():
                continue  # a middle hop: only the first URL of a chain is listed
            seen = {key}
            current = target
            for _ in range(MAX_REDIRECT_HOPS):
                ckey = _key(current)
                if ckey in seen:
                    log.info("redirect loop from %s; not an item", url)
                    break
                seen.add(ckey)
                hop = db.execute("SELECT target FROM redirect WHERE ukey = ?", (ckey,)).fetchone()
                if hop is not None:
                    current = hop[0]
                    continue
                item = self._item_of(current)
                if item is not None:
                    db.execute("INSERT INTO chain_start VALUES (?, ?, ?)", (*item, url))
                break

    def _item_of(self, url: str) -> ItemKey | None:
        row = self._db.execute("SELECT kind, ident FROM url_item WHERE ukey = ?", (_key(url),)).fetchone()
        if row is not None:
            return row
        cls = classify_url(url, self._rules)
        candidate: ItemKey | None = None
        if cls.verdict == "article" and cls.item is not None:
            candidate = ("article", str(cls.item))
        elif cls.verdict == "document" and cls.doc is not None:
            candidate = ("document", str(cls.doc))
        elif cls.verdict == "page" and cls.slug:
            candidate = ("page", cls.slug)
        if candidate is None or self._db.execute("SELECT 1 FROM entry WHERE kind = ? AND ident = ? LIMIT 1", candidate).fetchone() is None:
            return None
        return candidate

    def _rank_items(self) -> None:
        """Fill `item`: each item's primary page (the lowest (missing, fallback, rank, url), the
        first captured on a tie), its new path and its source_url (the best page that names a
        canonical URL, else what the primary page shows)."""
        db = self._db
        rows = db.execute(
            "SELECT kind, ident, id, new_path, canonical_url, source_url FROM entry"
            " ORDER BY kind, ident, incomplete, fallback, rank, url, id"
        )
        insert = "INSERT INTO item VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        for (kind, ident), group in groupby(rows, key=lambda r: (r[0], r[1])):
            primary = next(group)
            canonical = primary[4] or next((r[4] for r in group if r[4]), None)
            num = str(int(ident)) if ident.isdigit() else "0"
            db.execute(insert, (kind, ident, _KIND_ORDER[kind], len(num), num, primary[2], primary[3], canonical or primary[5]))

    def _source(self, key: ItemKey) -> str:
        return self._db.execute("SELECT source FROM item WHERE kind = ? AND ident = ?", key).fetchone()[0]

    def _entry(self, entry_id: int) -> _Entry:
        return _Entry.from_row(self._db.execute(f"SELECT {_ENTRY_COLUMNS} FROM entry WHERE id = ?", (entry_id,)).fetchone())

    def _on_every_host(self, urls: set[str]) -> set[str]:
        """Each URL on every host of the profile: the site answered the same paths on all."""
        hosts = self._profile.raw.get("transform", {}).get("aliases", {}).get("hosts", ["moha.gov.vn"])
        return {normalize_url(f"http://{host}{_path_query(u)}") for u in urls for host in hosts} | urls

    def _aliases(self, record: Record, source: str) -> set[str]:
        """Every URL form the CMS answered for the item, on every host (profile [transform.aliases])."""
        section = self._profile.raw.get("transform", {}).get("aliases", {})
        hosts = section.get("hosts", ["moha.gov.vn"])
        values: dict[str, object] = {"docs_tabid": self._profile.documents_tabid}
        if isinstance(record, Article):
            category = self._profile.category_by_slug(record.category)
            if category is None:
                return set()
            m = _CANONICAL_SLUG.match(urlsplit(source).path)
            slug = m.group(1) if m else slugify(record.title)
            values.update(category=record.category, tabid=category.tabid, catid=category.catid, slug=slug, item_id=record.item_id)
            templates = section.get("article", [])
        elif isinstance(record, Document):
            values.update(doc_id=record.doc_id)
            templates = section.get("document", [])
        elif isinstance(record, Page):
            values.update(slug=record.slug)
            templates = section.get("page", [])
        else:
            return set()
        out = set()
        for template in templates:
            try:
                path = template.format(**values)
            except (KeyError, IndexError, ValueError) as exc:
                raise ConfigError(f"profile {self._profile.source}: [transform.aliases] {template!r}: {exc}") from exc
            out.update(normalize_url(f"http://{host}{path}") for host in hosts)
        return out

    def _problem(self, entry: _Entry, reason: str) -> MergeProblem:
        try:
            prov = self._read(entry).provenance
        except RecordError:
            prov = None
        return MergeProblem(prov.warc_file if prov else "", prov.offset if prov else -1, entry.url, reason)

    def _read(self, entry: _Entry) -> Record:
        self._spool.seek(entry.spool_offset)
        return record_from_dict(json.loads(self._spool.readline()))

    # ---------------------------------------------------------------- output

    def iter_records(self) -> Iterator[Record]:
        """Yield every merged record (articles, documents, pages, then media), completed and
        validated; an item that fails validation is added to `problems` instead."""
        db = self._db
        self._find_chain_starts()
        self._rank_items()

        def rewriter(base: str) -> Callable[[str, str], str | None]:
            def rewrite(tag: str, raw: str) -> str | None:
                raw = raw.strip()
                if raw.startswith("mailto:"):
                    return raw
                absolute = urljoin(base, raw)
                if not absolute.startswith(("http://", "https://")):
                    return None
                target = absolute.split("#", 1)[0]
                media = db.execute("SELECT k.sha, m.source FROM media_key k JOIN media m USING (sha) WHERE k.ukey = ?", (_key(target),)).fetchone()
                if media is not None:
                    return media_path(*media)
                item = self._item_of(target)
                if item is not None:
                    # the new page has no legacy anchors: the fragment goes
                    return db.execute("SELECT path FROM item WHERE kind = ? AND ident = ?", item).fetchone()[0]
                return normalize_url(absolute)

            return rewrite

        # item order: kind, then the numeric identity (as int(ident) would order it), then the text
        items = db.execute("SELECT kind, ident, entry, source FROM item ORDER BY kind_order, num_len, num, ident")
        for kind, ident, entry_id, source in items:
            primary = self._entry(entry_id)
            if primary.missing:
                self.problems.append(self._problem(primary, f"only pages that do not show its {', '.join(primary.missing)} were captured (e.g. the print view)"))
                continue
            try:
                record = self._read(primary)
                if primary.provenance is not None:
                    record = replace(record, provenance=primary.provenance)
                pages = {url for (url,) in db.execute("SELECT url FROM entry WHERE kind = ? AND ident = ?", (kind, ident))}
                starts = {url for (url,) in db.execute("SELECT url FROM chain_start WHERE kind = ? AND ident = ?", (kind, ident))}
                urls = self._on_every_host(pages | starts | {source}) | self._aliases(record, source)
                record = self._complete(record, source, sorted(urls), rewriter(source))
                record = record_from_dict(record_to_dict(record))
            except RecordError as exc:
                self.problems.append(self._problem(primary, f"record invalid: {exc}"))
                continue
            yield record
        for media in self._media_records():
            try:
                yield record_from_dict(record_to_dict(self._with_users(media)))
            except RecordError as exc:
                prov = media.provenance
                self.problems.append(MergeProblem(prov.warc_file if prov else "", prov.offset if prov else -1, media.url, f"record invalid: {exc}"))

    def _media_records(self) -> Iterator[Media]:
        hosts = self._profile.raw.get("transform", {}).get("aliases", {}).get("hosts", ["moha.gov.vn"])
        rows = self._db.execute("SELECT sha, size, mime, source, prov_file, prov_offset, prov_record_id, prov_digest, prov_at FROM media ORDER BY source, seq")
        for sha, size, mime, source, *prov in rows:
            captured = [url for (url,) in self._db.execute("SELECT url FROM media_url WHERE sha = ?", (sha,))]
            bare = {_bare(u) for u in captured}
            urls = {normalize_url(f"http://{host}{_path_query(u)}") for u in bare for host in hosts}
            yield Media(
                source_url=source,
                old_urls=tuple(sorted(urls | set(captured) | {source})),
                title=file_name(source),
                provenance=_provenance(tuple(prov)),
                url=source,
                sha256=sha,
                mime=mime,
                size=size,
                referenced_by=(),
            )

    def _with_users(self, media: Media) -> Media:
        users = {
            source
            for url in media.old_urls
            for (source,) in self._db.execute(
                "SELECT i.source FROM uses u JOIN item i ON i.kind = u.kind AND i.ident = u.ident WHERE u.mkey = ?", (_key(url),)
            )
        }
        return replace(media, referenced_by=tuple(sorted(users)))

    def _complete(self, record: Record, source: str, urls: list[str], rewrite: Callable[[str, str], str | None]) -> Record:
        changes: dict[str, object] = {"source_url": source, "old_urls": tuple(urls)}
        if isinstance(record, (Article, Page)):
            changes["body_html"] = sanitize_html(record.body_html, rewrite)
        if isinstance(record, Article):
            changes["images"] = tuple(self._image(i) for i in record.images)
            changes["attachments"] = tuple(self._attachment(a) for a in record.attachments)
            changes["related"] = tuple(dict.fromkeys(self._related(u) for u in record.related))
        if isinstance(record, Document):
            changes["attachments"] = tuple(self._attachment(a) for a in record.attachments)
        return replace(record, **changes)  # type: ignore[arg-type]

    def _image(self, image: Image) -> Image:
        row = self._db.execute("SELECT sha FROM media_key WHERE ukey = ?", (_key(image.url),)).fetchone()
        return replace(image, sha256=row[0] if row else None)

    def _attachment(self, attachment: Attachment) -> Attachment:
        row = self._db.execute(
            "SELECT k.sha, m.mime, m.size FROM media_key k JOIN media m USING (sha) WHERE k.ukey = ?", (_key(attachment.url),)
        ).fetchone()
        if row is None:
            return replace(attachment, sha256=None, size=None)
        return replace(attachment, sha256=row[0], mime=row[1], size=row[2])

    def _related(self, url: str) -> str:
        item = self._item_of(url)
        return self._source(item) if item is not None else _bare(url)


def _key(url: str) -> str:
    """Lookup key of a site URL: unquoted, NFC, bare host (www. serves the same site)."""
    return comparable(_bare(url))


def _path_query(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _built_source(record: Record) -> str:
    """The source_url of a record when no page names its canonical URL."""
    if isinstance(record, Article):
        return f"http://moha.gov.vn/tin-tuc-su-kien/{record.category}/{slugify(record.title)}-{record.item_id}.html"
    return _bare(record.source_url)
