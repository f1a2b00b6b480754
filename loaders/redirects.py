"""The redirect map in the database: every old URL -> exactly one new path on the portal, 301.

Each record's old URLs get a redirect ("record"), and so does the same URL on the other legacy host
("alias": records list the `www.` forms they saw; users also arrive on the ones nobody linked).
Old URLs are unique after unquoting and NFC (`rows.url_key`). When two records claim one URL, the
first record that listed it keeps it and the second gets a conflict message; a listed URL always
beats another record's alias. Removing a record (update, rollback) frees its URLs, and
`fill_redirects` hands each freed URL to the next record that lists it (or has it as an alias).
Targets are paths from `moha_migrate.newurls.new_path`, so a redirect never leaves the portal.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from loaders import schema
from loaders.content import chunks
from loaders.rows import other_host, url_key
from moha_migrate.records import Record

REDIRECTS = schema.Redirect.__table__
OLD_URLS = schema.OldUrl.__table__
ID_MAP = schema.IdMap.__table__


@dataclass(frozen=True, slots=True)
class Candidate:
    """A redirect a record asks for."""

    url_key: str
    old_url: str
    new_path: str
    origin: str  # "record" | "alias"
    map_id: int


@dataclass(frozen=True, slots=True)
class Conflict:
    """An old URL listed by two records: `map_id` lost it to the record that listed it first."""

    old_url: str
    map_id: int
    kept_path: str


@dataclass(frozen=True, slots=True)
class RedirectRow:
    """One row of the map, as the nginx/Apache/CSV writers read it."""

    old_url: str
    new_path: str
    status_code: int
    origin: str
    kind: str
    source_url: str


def candidates(record: Record, map_id: int, new_path: str) -> list[Candidate]:
    """The redirects a record asks for: its old URLs first, then their other-host forms."""
    if not new_path.startswith("/") or new_path.startswith("//"):
        raise ValueError(f"redirect target {new_path!r} of {record.source_url} is not a path on the portal")
    out = [Candidate(url_key(url), url, new_path, "record", map_id) for url in record.old_urls]
    for url in record.old_urls:
        alias = other_host(url)
        if alias is not None:
            out.append(Candidate(url_key(alias), alias, new_path, "alias", map_id))
    return out


def assign_redirects(conn: Connection, wanted: Sequence[Candidate]) -> tuple[int, list[Conflict]]:
    """Insert the redirects asked for, honouring precedence against the map and each other.

    Returns how many old URLs got a new redirect and the conflicts (URLs another record holds).
    """
    chosen: dict[str, Candidate] = {}
    conflicts: list[Conflict] = []
    for cand in wanted:
        held = chosen.get(cand.url_key)
        if held is None:
            chosen[cand.url_key] = cand
        elif held.map_id == cand.map_id:
            continue
        elif cand.origin == "record" and held.origin == "alias":
            chosen[cand.url_key] = cand
        elif cand.origin == "record":
            conflicts.append(Conflict(cand.old_url, cand.map_id, held.new_path))
    existing: dict[str, tuple[int, str, int, str]] = {}
    keys = list(chosen)
    for part in chunks(keys):
        stmt = select(REDIRECTS.c.url_key, REDIRECTS.c.id, REDIRECTS.c.origin, REDIRECTS.c.map_id, REDIRECTS.c.new_path)
        for key, rid, origin, map_id, path in conn.execute(stmt.where(REDIRECTS.c.url_key.in_(part))):
            existing[key] = (rid, origin, map_id, path)
    inserts, takeovers = [], []
    for key, cand in chosen.items():
        held_db = existing.get(key)
        if held_db is None:
            inserts.append(_row(cand))
            continue
        rid, origin, map_id, path = held_db
        if map_id == cand.map_id:
            continue
        if cand.origin == "record" and origin == "alias":
            takeovers.append(dict(_row(cand), b_id=rid))
        elif cand.origin == "record":
            conflicts.append(Conflict(cand.old_url, cand.map_id, path))
    if inserts:
        conn.execute(insert(REDIRECTS), inserts)
    if takeovers:
        conn.execute(update(REDIRECTS).where(REDIRECTS.c.id == bindparam("b_id")), takeovers)
    return len(inserts), conflicts


def _row(cand: Candidate) -> dict[str, object]:
    return {
        "old_url": cand.old_url,
        "url_key": cand.url_key,
        "new_path": cand.new_path,
        "status_code": 301,
        "origin": cand.origin,
        "map_id": cand.map_id,
    }


def remove_redirects(conn: Connection, map_ids: Sequence[int]) -> set[str]:
    """Delete the redirects of these id_map rows; return the keys that became free."""
    freed: set[str] = set()
    for part in chunks(list(map_ids)):
        freed.update(key for (key,) in conn.execute(select(REDIRECTS.c.url_key).where(REDIRECTS.c.map_id.in_(part))))
        conn.execute(delete(REDIRECTS).where(REDIRECTS.c.map_id.in_(part)))
    return freed


def fill_redirects(conn: Connection, freed: set[str]) -> int:
    """Give each freed old URL to the first loaded record that lists it, else that has it as alias."""
    if not freed:
        return 0
    wanted: list[Candidate] = []
    keys = sorted(freed)
    for column, origin in ((OLD_URLS.c.url_key, "record"), (OLD_URLS.c.alias_key, "alias")):
        for part in chunks(keys):
            stmt = (
                select(column, OLD_URLS.c.url, OLD_URLS.c.map_id, ID_MAP.c.dest_path)
                .join(ID_MAP, ID_MAP.c.id == OLD_URLS.c.map_id)
                .where(column.in_(part), ID_MAP.c.dest_path.is_not(None))
                .order_by(OLD_URLS.c.map_id, OLD_URLS.c.position)
            )
            for key, url, map_id, path in conn.execute(stmt):
                old_url = url if origin == "record" else (other_host(url) or url)
                wanted.append(Candidate(key, old_url, path, origin, map_id))
    added, _ = assign_redirects(conn, wanted)
    return added


def iter_redirects(conn: Connection) -> Iterator[RedirectRow]:
    """Every redirect of the map, ordered by old URL."""
    stmt = (
        select(
            REDIRECTS.c.old_url,
            REDIRECTS.c.new_path,
            REDIRECTS.c.status_code,
            REDIRECTS.c.origin,
            ID_MAP.c.kind,
            ID_MAP.c.source_url,
        )
        .join(ID_MAP, ID_MAP.c.id == REDIRECTS.c.map_id)
        .order_by(REDIRECTS.c.old_url)
    )
    for row in conn.execute(stmt):
        yield RedirectRow(*row)
