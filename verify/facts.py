"""The per-item facts of one verification, kept in a scratch SQLite database instead of in memory.

A full-scale migration has ~30,000 records, ~230,000 old URLs and the body text of ~16,000 loaded
rows. Held as Python dicts those facts made `verify` grow with the migration (about 2.8x the
memory of a run a tenth its size); in a scratch database on disk, with a small page cache, the
process stays about as large at any scale, and the checks become joins.

The store keeps the semantics of the dicts it replaces: a record that appears twice in
records.jsonl keeps the place of its first line and the facts of its last; the first capture of an
item names it; of old URLs in the redirect map that compare equal, the one that sorts last wins.
Text columns compare by code point (SQLite's BINARY collation over UTF-8), so `ORDER BY kind,
source_url` is Python's `sorted()` of the same keys and every list of faults comes out in the
order it always had.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from moha_migrate.scratch import open_scratch

SCRATCH_CACHE_KIB = 16 * 1024
"""Page cache of the scratch database. Its working set is one index path per lookup; a larger cache
only adds memory, the operating system caches the spilled file anyway."""

BATCH = 2000
"""Rows buffered before one executemany."""

SCHEMA = """
CREATE TABLE record (
    seq INTEGER PRIMARY KEY,  -- line of records.jsonl where the key first appeared
    kind TEXT NOT NULL, source_url TEXT NOT NULL,
    ident_kind TEXT NOT NULL, ident_key TEXT NOT NULL,
    digest TEXT NOT NULL, new_path TEXT NOT NULL, title TEXT NOT NULL,
    year INTEGER, category TEXT, provenance TEXT, old_urls TEXT NOT NULL,
    UNIQUE (kind, source_url)
);
CREATE INDEX record_identity ON record (ident_kind, ident_key);
CREATE TABLE old_url (
    seq INTEGER NOT NULL, pos INTEGER NOT NULL, url TEXT NOT NULL, comparable TEXT NOT NULL,
    PRIMARY KEY (seq, pos)
) WITHOUT ROWID;
CREATE INDEX old_url_comparable ON old_url (comparable);
CREATE TABLE record_file (
    seq INTEGER NOT NULL, pos INTEGER NOT NULL, url TEXT NOT NULL, comparable TEXT NOT NULL, sha TEXT NOT NULL,
    PRIMARY KEY (seq, pos)
) WITHOUT ROWID;
CREATE INDEX record_file_sha ON record_file (sha, seq, pos);
CREATE TABLE loaded (
    kind TEXT NOT NULL, source_url TEXT NOT NULL, digest TEXT NOT NULL, text TEXT,
    PRIMARY KEY (kind, source_url)
) WITHOUT ROWID;
CREATE TABLE loaded_path (path TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE redirect (old TEXT PRIMARY KEY, url TEXT NOT NULL, new_path TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE map_message (
    kind TEXT NOT NULL, source_url TEXT NOT NULL, message TEXT NOT NULL,
    PRIMARY KEY (kind, source_url)
) WITHOUT ROWID;
CREATE TABLE captured (
    kind TEXT NOT NULL, key TEXT NOT NULL, url TEXT NOT NULL,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
CREATE TABLE payload (comparable TEXT NOT NULL, sha TEXT NOT NULL, PRIMARY KEY (comparable, sha)) WITHOUT ROWID;
CREATE TABLE page_text (
    kind TEXT NOT NULL, source_url TEXT NOT NULL, score REAL NOT NULL,
    PRIMARY KEY (kind, source_url)
) WITHOUT ROWID;
"""

_INSERTS = {
    "loaded": "INSERT OR REPLACE INTO loaded (kind, source_url, digest, text) VALUES (?, ?, ?, ?)",
    "loaded_path": "INSERT OR IGNORE INTO loaded_path (path) VALUES (?)",
    "redirect": "INSERT INTO redirect (old, url, new_path) VALUES (?, ?, ?) ON CONFLICT (old) DO UPDATE"
                " SET url = excluded.url, new_path = excluded.new_path WHERE excluded.url >= redirect.url",
    "map_message": "INSERT OR REPLACE INTO map_message (kind, source_url, message) VALUES (?, ?, ?)",
    "captured": "INSERT OR IGNORE INTO captured (kind, key, url) VALUES (?, ?, ?)",
    "payload": "INSERT OR IGNORE INTO payload (comparable, sha) VALUES (?, ?)",
}
"""Buffered inserts, each with the conflict rule of the dict it replaces (last wins, or first wins)."""


@dataclass
class RecordFacts:
    """What verification keeps of one record of records.jsonl."""

    kind: str
    source_url: str
    title: str
    identity: tuple[str, str]
    digest: str
    new_path: str
    old_urls: list[str]
    comparable_old_urls: list[str]
    year: int | None
    category: str | None
    provenance: dict | None
    file_digests: list[tuple[str, str, str]] = field(default_factory=list)
    """(url, comparable url, sha256) of the files the record holds or uses."""

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.source_url)


@dataclass(frozen=True)
class TextTarget:
    """The record whose captured page a URL is, and what its loaded row holds to compare with it."""

    key: tuple[str, str]
    scored: bool
    """The record's page was already compared (under another of its old URLs)."""
    text: str | None
    """The row's body text; None when the record is not loaded or its row holds no text."""


@dataclass(frozen=True)
class ItemFacts:
    """One record with what the other sides say of it, for the item list of the report."""

    key: tuple[str, str]
    title: str
    new_path: str
    loaded: bool
    year: int | None
    category: str | None
    old_urls: list[str]
    provenance: dict[str, Any] | None
    score: float | None


class FactStore:
    """A scratch SQLite database under the temporary directory, removed on close."""

    def __init__(self) -> None:
        self.db = open_scratch(SCRATCH_CACHE_KIB)
        self.db.executescript(SCHEMA)
        self.db.execute("BEGIN")
        self._pending: dict[str, list[tuple]] = {name: [] for name in _INSERTS}

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> FactStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- writing
    def _add(self, table: str, row: tuple) -> None:
        pending = self._pending[table]
        pending.append(row)
        if len(pending) >= BATCH:
            self._flush(table)

    def _flush(self, table: str) -> None:
        pending = self._pending[table]
        if pending:
            self.db.executemany(_INSERTS[table], pending)
            pending.clear()

    def flush(self) -> None:
        """Write every buffered row and commit; call before reading what was added."""
        for table in self._pending:
            self._flush(table)
        self.db.execute("COMMIT")
        self.db.execute("BEGIN")

    def add_record(self, seq: int, facts: RecordFacts) -> None:
        """A record at line `seq`; a key seen before keeps its first place and takes these facts."""
        (stored,) = self.db.execute(
            "INSERT INTO record (seq, kind, source_url, ident_kind, ident_key, digest, new_path, title, year,"
            " category, provenance, old_urls) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (kind, source_url) DO UPDATE SET ident_kind = excluded.ident_kind,"
            " ident_key = excluded.ident_key, digest = excluded.digest, new_path = excluded.new_path,"
            " title = excluded.title, year = excluded.year, category = excluded.category,"
            " provenance = excluded.provenance, old_urls = excluded.old_urls RETURNING seq",
            (seq, facts.kind, facts.source_url, *facts.identity, facts.digest, facts.new_path, facts.title,
             facts.year, facts.category, _json(facts.provenance), json.dumps(facts.old_urls, ensure_ascii=False)),
        ).fetchall()[0]
        if stored != seq:
            self.db.execute("DELETE FROM old_url WHERE seq = ?", (stored,))
            self.db.execute("DELETE FROM record_file WHERE seq = ?", (stored,))
        self.db.executemany(
            "INSERT INTO old_url (seq, pos, url, comparable) VALUES (?, ?, ?, ?)",
            [(stored, pos, url, comp) for pos, (url, comp) in enumerate(zip(facts.old_urls, facts.comparable_old_urls))],
        )
        self.db.executemany(
            "INSERT INTO record_file (seq, pos, url, comparable, sha) VALUES (?, ?, ?, ?, ?)",
            [(stored, pos, *file) for pos, file in enumerate(facts.file_digests)],
        )

    def add_row(self, kind: str, source_url: str, digest: str, path: str, text: str | None) -> None:
        """A row read back from the portal database (the last read of a key wins)."""
        self._add("loaded", (kind, source_url, digest, text))
        self._add("loaded_path", (path,))

    def add_redirect(self, comparable_old: str, old_url: str, new_path: str) -> None:
        """An old URL of the redirect map. Of two old URLs that compare equal the greatest (in code
        point order) wins, as when the map is read in `iter_redirects` order into a dict."""
        self._add("redirect", (comparable_old, old_url, new_path))

    def add_map_message(self, kind: str, source_url: str, message: str) -> None:
        self._add("map_message", (kind, source_url, message))

    def add_captured(self, kind: str, key: str, url: str) -> None:
        """An item seen in the capture; the first URL that showed it names it."""
        self._add("captured", (kind, key, url))

    def add_payload(self, comparable_url: str, sha: str) -> None:
        self._add("payload", (comparable_url, sha))

    def add_score(self, key: tuple[str, str], score: float) -> None:
        self.db.execute("INSERT OR IGNORE INTO page_text (kind, source_url, score) VALUES (?, ?, ?)", (*key, score))

    # ---------------------------------------------------------------- reading
    def text_target(self, comparable_url: str) -> TextTarget | None:
        """The article or page record listing this old URL (the last one listing it, as a dict built
        in record order would say), or None."""
        found = self.db.execute(
            "SELECT r.kind, r.source_url, p.score IS NOT NULL, l.text FROM old_url o"
            " JOIN record r ON r.seq = o.seq"
            " LEFT JOIN loaded l ON l.kind = r.kind AND l.source_url = r.source_url"
            " LEFT JOIN page_text p ON p.kind = r.kind AND p.source_url = r.source_url"
            " WHERE o.comparable = ? AND r.kind IN ('article', 'page')"
            " ORDER BY o.seq DESC, o.pos DESC LIMIT 1",
            (comparable_url,),
        ).fetchone()
        if found is None:
            return None
        return TextTarget((found[0], found[1]), bool(found[2]), found[3])

    def count(self, table: str) -> int:
        if table not in {"record", "captured", "loaded"}:
            raise ValueError(f"no counted table {table!r}")
        return self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def counts_per_kind(self) -> dict[str, dict[str, int]]:
        """kind -> step (captured, records, loaded) -> count."""
        funnel: dict[str, dict[str, int]] = {}
        for step, table in (("captured", "captured"), ("records", "record"), ("loaded", "loaded")):
            for kind, n in self.db.execute(f"SELECT kind, count(*) FROM {table} GROUP BY kind"):
                funnel.setdefault(kind, {"captured": 0, "records": 0, "loaded": 0})[step] = n
        return funnel

    def captured_without_record(self) -> Iterator[tuple[str, str, str]]:
        """(kind, key, first URL) of captured items no record stands for, in key order."""
        return self.db.execute(
            "SELECT c.kind, c.key, c.url FROM captured c WHERE NOT EXISTS"
            " (SELECT 1 FROM record r WHERE r.ident_kind = c.kind AND r.ident_key = c.key)"
            " ORDER BY c.kind, c.key"
        )

    def records_not_loaded(self) -> Iterator[tuple[str, str, str | None]]:
        """(kind, source_url, id map message) of records with no row, in key order."""
        return self.db.execute(
            "SELECT r.kind, r.source_url, m.message FROM record r"
            " LEFT JOIN map_message m ON m.kind = r.kind AND m.source_url = r.source_url"
            " WHERE NOT EXISTS (SELECT 1 FROM loaded l WHERE l.kind = r.kind AND l.source_url = r.source_url)"
            " ORDER BY r.kind, r.source_url"
        )

    def rows_without_record(self) -> Iterator[tuple[str, str]]:
        """(kind, source_url) of rows no record stands for, in key order."""
        return self.db.execute(
            "SELECT l.kind, l.source_url FROM loaded l WHERE NOT EXISTS"
            " (SELECT 1 FROM record r WHERE r.kind = l.kind AND r.source_url = l.source_url)"
            " ORDER BY l.kind, l.source_url"
        )

    def loaded_digests(self) -> Iterator[tuple[str, str, bool]]:
        """(kind, source_url, row equals record) of loaded records, in records.jsonl order."""
        return self.db.execute(
            "SELECT r.kind, r.source_url, r.digest = l.digest FROM record r"
            " JOIN loaded l ON l.kind = r.kind AND l.source_url = r.source_url ORDER BY r.seq"
        )

    def files_of_records(self) -> Iterator[tuple[str, str, str, str, bool, bool]]:
        """(kind, source_url, url, sha, URL captured, this sha captured under it) of every file a
        record holds or uses, in records.jsonl order."""
        return self.db.execute(
            "SELECT r.kind, r.source_url, f.url, f.sha,"
            " EXISTS (SELECT 1 FROM payload p WHERE p.comparable = f.comparable),"
            " EXISTS (SELECT 1 FROM payload p WHERE p.comparable = f.comparable AND p.sha = f.sha)"
            " FROM record_file f JOIN record r ON r.seq = f.seq ORDER BY f.seq, f.pos"
        )

    def distinct_files(self) -> Iterator[tuple[str, str, str, str]]:
        """(sha, kind, source_url, url) of each distinct file, by sha, named by its first use."""
        return self.db.execute(
            "SELECT sha, kind, source_url, url FROM ("
            " SELECT f.sha, r.kind, r.source_url, f.url,"
            " row_number() OVER (PARTITION BY f.sha ORDER BY f.seq, f.pos) AS nth"
            " FROM record_file f JOIN record r ON r.seq = f.seq WHERE f.sha != ''"
            ") WHERE nth = 1 ORDER BY sha"
        )

    def redirects_of_loaded(self) -> Iterator[tuple[str, str, str, str | None, bool]]:
        """(kind, source_url, old URL, redirect target or None, target is a loaded row's path) for
        each old URL of each loaded record, in key order."""
        return self.db.execute(
            "SELECT r.kind, r.source_url, o.url, d.new_path,"
            " EXISTS (SELECT 1 FROM loaded_path p WHERE p.path = d.new_path)"
            " FROM record r JOIN loaded l ON l.kind = r.kind AND l.source_url = r.source_url"
            " JOIN old_url o ON o.seq = r.seq LEFT JOIN redirect d ON d.old = o.comparable"
            " ORDER BY r.kind, r.source_url, o.pos"
        )

    def scores_of_loaded_texts(self) -> Iterator[tuple[str, str, float | None]]:
        """(kind, source_url, similarity or None) of loaded articles and pages, in key order."""
        return self.db.execute(
            "SELECT r.kind, r.source_url, p.score FROM record r"
            " JOIN loaded l ON l.kind = r.kind AND l.source_url = r.source_url"
            " LEFT JOIN page_text p ON p.kind = r.kind AND p.source_url = r.source_url"
            " WHERE r.kind IN ('article', 'page') ORDER BY r.kind, r.source_url"
        )

    def items(self) -> Iterator[ItemFacts]:
        """Every record with its row and similarity, in key order."""
        rows = self.db.execute(
            "SELECT r.kind, r.source_url, r.title, r.new_path, l.kind IS NOT NULL, r.year, r.category,"
            " r.old_urls, r.provenance, p.score FROM record r"
            " LEFT JOIN loaded l ON l.kind = r.kind AND l.source_url = r.source_url"
            " LEFT JOIN page_text p ON p.kind = r.kind AND p.source_url = r.source_url"
            " ORDER BY r.kind, r.source_url"
        )
        for kind, url, title, path, loaded, year, category, old_urls, provenance, score in rows:
            yield ItemFacts((kind, url), title, path, bool(loaded), year, category, json.loads(old_urls),
                            None if provenance is None else json.loads(provenance), score)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)
