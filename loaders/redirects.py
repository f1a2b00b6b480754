"""The redirect map in the database: every old URL -> exactly one new path on the portal, 301.

Each record's old URLs get a redirect ("record"), and so does the same URL on the other legacy host
("alias": records list the `www.` forms they saw; users also arrive on the ones nobody linked).
Old URLs are unique after unquoting and NFC (`rows.url_key`). When two records claim one URL, the
first record that listed it keeps it and the second gets a conflict message; a listed URL always
beats another record's alias. A request that loses is kept in `redirect_claims`; removing a record
(update, rollback) frees its URLs, and `fill_redirects` hands each to the next claimant.
Targets are paths from `moha_migrate.newurls.new_path`, so a redirect never leaves the portal.

Precedence is decided per URL ("slot": one host's form of an old URL), but a row of `redirects`
answers for a URL on both hosts when one record holds both (`other_origin`): that is nearly every
URL, so the map has one row per old path. Only when two records split the hosts of a path does each
host get its own row.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import Connection, bindparam, delete, select, update

from loaders import schema
from loaders.content import bulk_insert, chunks, insert_rows, matching
from loaders.rows import UrlSlot, other_host, url_key
from moha_migrate.scratch import open_scratch

REDIRECTS = schema.Redirect.__table__
CLAIMS = schema.RedirectClaim.__table__
ID_MAP = schema.IdMap.__table__
ROW_COLUMNS = ("old_url", "url_key", "new_path", "status_code", "origin", "other_origin", "map_id")


class Candidate(NamedTuple):
    """A redirect a record asks for: one host's form of an old URL (a named tuple: a load makes
    one per old URL, 175,000 for 50,000 records)."""

    url_key: str
    old_url: str
    new_path: str
    origin: str  # "record" | "alias"
    map_id: int
    partner_url: str | None = None
    """The same URL on the other legacy host (None off the legacy hosts), and its key."""
    partner_key: str | None = None


@dataclass(frozen=True, slots=True)
class Conflict:
    """An old URL listed by two records: `map_id` lost it to the record that listed it first."""

    old_url: str
    map_id: int
    kept_path: str


@dataclass(frozen=True, slots=True)
class RedirectRow:
    """One old URL of the map, as the nginx/Apache/CSV writers read it."""

    old_url: str
    new_path: str
    status_code: int
    origin: str
    kind: str
    source_url: str


@dataclass(frozen=True, slots=True)
class _Held:
    """A slot already answered by a row of the map: the row's primary URL or its other-host form."""

    row_id: int
    primary: bool
    old_url: str
    origin: str
    map_id: int
    new_path: str


def candidates(slots: Sequence[UrlSlot], map_id: int, new_path: str) -> list[Candidate]:
    """The redirects a record asks for (its `rows.url_slots`), for its id_map row and new path."""
    if not new_path.startswith("/") or new_path.startswith("//"):
        raise ValueError(f"redirect target {new_path!r} is not a path on the portal")
    make = tuple.__new__  # Candidate's own constructor is Python code; this is one C call per slot
    return [make(Candidate, (key, url, new_path, origin, map_id, purl, pkey)) for key, url, origin, purl, pkey in slots]


def _candidate(key: str, old_url: str, new_path: str, origin: str, map_id: int) -> Candidate:
    """A candidate for a URL read back from the database (its other-host form computed again)."""
    alias = other_host(old_url)
    return Candidate(key, old_url, new_path, origin, map_id, alias, url_key(alias) if alias else None)


def _held_slots(conn: Connection, keys: Sequence[str]) -> dict[str, _Held]:
    """The rows of the map that answer for any of `keys`, by slot key (both slots of a two-host row)."""
    held: dict[str, _Held] = {}
    columns = (
        REDIRECTS.c.id, REDIRECTS.c.url_key, REDIRECTS.c.old_url, REDIRECTS.c.origin, REDIRECTS.c.other_origin,
        REDIRECTS.c.map_id, REDIRECTS.c.new_path,
    )
    for clause in matching(conn, REDIRECTS.c.url_key, keys):
        for rid, key, old_url, origin, other_origin, map_id, path in conn.execute(select(*columns).where(clause)):
            held[key] = _Held(rid, True, old_url, origin, map_id, path)
            if other_origin is not None:
                other = other_host(old_url)
                assert other is not None, f"redirect {rid} answers for a second host of {old_url}"
                held[url_key(other)] = _Held(rid, False, other, other_origin, map_id, path)
    return held


def choose(wanted: Sequence[Candidate]) -> tuple[dict[str, Candidate], list[Candidate]]:
    """Precedence among the candidates themselves, before the map is asked: the one candidate kept
    per url key (a listed URL beats an alias, else the first), and the candidates that lost."""
    chosen: dict[str, Candidate] = {}
    losers: list[Candidate] = []
    for cand in wanted:
        held = chosen.get(cand.url_key)
        if held is None:
            chosen[cand.url_key] = cand
        elif held.map_id == cand.map_id:
            continue
        elif cand.origin == "record" and held.origin == "alias":
            chosen[cand.url_key] = cand
            losers.append(held)
        else:
            losers.append(cand)
    return chosen, losers


def slot_keys(chosen: dict[str, Candidate]) -> set[str]:
    """Every slot key the chosen candidates could meet in the map: theirs and their other-host forms'."""
    keys = set(chosen)
    keys.update(c.partner_key for c in chosen.values() if c.partner_key)
    return keys


def assign_redirects(conn: Connection, wanted: Sequence[Candidate]) -> tuple[int, list[Conflict]]:
    """Insert the redirects asked for, honouring precedence against the map and each other.

    A candidate that loses to another record is kept in redirect_claims. Returns how many old URLs
    got a new redirect and the conflicts (listed URLs another record holds).
    """
    chosen, losers = choose(wanted)
    existing = _held_slots(conn, sorted(slot_keys(chosen)))
    won: dict[str, Candidate] = {}
    taken: dict[int, set[bool]] = {}  # row id -> which of its slots (primary?) another record takes over
    holder: dict[str, str] = {}
    for key, cand in chosen.items():
        held_db = existing.get(key)
        if held_db is None:
            won[key] = cand
        elif held_db.map_id == cand.map_id:
            continue
        elif cand.origin == "record" and held_db.origin == "alias":
            won[key] = cand
            taken.setdefault(held_db.row_id, set()).add(held_db.primary)
            losers.append(_candidate(key, held_db.old_url, held_db.new_path, held_db.origin, held_db.map_id))
        else:
            losers.append(cand)
            holder[key] = held_db.new_path
    _give_up_slots(conn, taken, existing)
    insert_rows(conn, REDIRECTS, ROW_COLUMNS, redirect_rows(won))
    bulk_insert(
        conn, CLAIMS, [{"url_key": c.url_key, "old_url": c.old_url, "origin": c.origin, "map_id": c.map_id} for c in losers]
    )
    conflicts = [
        Conflict(c.old_url, c.map_id, holder.get(c.url_key) or chosen[c.url_key].new_path)
        for c in losers
        if c.origin == "record"
    ]
    return len(won) - sum(len(slots) for slots in taken.values()), conflicts


def _give_up_slots(conn: Connection, taken: dict[int, set[bool]], existing: dict[str, _Held]) -> None:
    """Make rows stop answering for the slots other records took over: a row keeps the slot it has
    left (moved to it when that is the other host's form) or goes when it has none."""
    if not taken:
        return
    secondary = {h.row_id: h for h in existing.values() if not h.primary}
    gone, narrowed, moved = [], [], []
    for row_id, slots in taken.items():
        other = secondary.get(row_id)
        keeps_other = other is not None and False not in slots
        if True not in slots:
            narrowed.append({"b_id": row_id})
        elif keeps_other:
            assert other is not None
            moved.append({"b_id": row_id, "n_key": url_key(other.old_url), "n_url": other.old_url, "n_origin": other.origin})
        else:
            gone.append(row_id)
    for part in chunks(gone):
        conn.execute(delete(REDIRECTS).where(REDIRECTS.c.id.in_(part)))
    if narrowed:
        conn.execute(update(REDIRECTS).where(REDIRECTS.c.id == bindparam("b_id")).values(other_origin=None), narrowed)
    if moved:
        stmt = update(REDIRECTS).where(REDIRECTS.c.id == bindparam("b_id")).values(
            url_key=bindparam("n_key"), old_url=bindparam("n_url"), origin=bindparam("n_origin"), other_origin=None
        )
        conn.execute(stmt, moved)


def redirect_rows(won: dict[str, Candidate]) -> list[tuple[object, ...]]:
    """Rows (ROW_COLUMNS) for the won slots: the two host forms of a URL that one record won share
    a row, keyed by the form the record listed."""
    rows = []
    merged: set[str] = set()
    for key, cand in won.items():
        if key in merged:
            continue
        partner = won.get(cand.partner_key) if cand.partner_key else None
        if partner is not None and (
            partner.map_id != cand.map_id or partner.url_key in merged or partner.old_url != cand.partner_url
        ):
            partner = None  # another record's, or spelt differently: the row stores it as written
        if partner is not None and cand.origin == "alias" and partner.origin == "record":
            cand, partner = partner, cand
        merged.add(cand.url_key)
        if partner is not None:
            merged.add(partner.url_key)
        other_origin = partner.origin if partner is not None else None
        rows.append((cand.old_url, cand.url_key, cand.new_path, 301, cand.origin, other_origin, cand.map_id))
    return rows


def remove_redirects(conn: Connection, map_ids: Sequence[int]) -> set[str]:
    """Delete the redirects and claims of these id_map rows; return the keys that became free."""
    freed: set[str] = set()
    for part in chunks(list(map_ids)):
        stmt = select(REDIRECTS.c.url_key, REDIRECTS.c.old_url, REDIRECTS.c.other_origin).where(REDIRECTS.c.map_id.in_(part))
        for key, old_url, other_origin in conn.execute(stmt):
            freed.add(key)
            other = other_host(old_url) if other_origin is not None else None
            if other is not None:
                freed.add(url_key(other))
        conn.execute(delete(REDIRECTS).where(REDIRECTS.c.map_id.in_(part)))
        conn.execute(delete(CLAIMS).where(CLAIMS.c.map_id.in_(part)))
    return freed


def fill_redirects(conn: Connection, freed: set[str]) -> int:
    """Give each freed old URL to its next claimant: a record listing it before one having it as alias,
    earlier loaded records first. Returns how many URLs found a new holder."""
    if not freed:
        return 0
    wanted: list[Candidate] = []
    claim_ids: list[int] = []
    for part in chunks(sorted(freed)):
        stmt = (
            select(CLAIMS.c.id, CLAIMS.c.url_key, CLAIMS.c.old_url, CLAIMS.c.origin, CLAIMS.c.map_id, ID_MAP.c.dest_path)
            .join(ID_MAP, ID_MAP.c.id == CLAIMS.c.map_id)
            .where(CLAIMS.c.url_key.in_(part), ID_MAP.c.dest_path.is_not(None))
        )
        for claim_id, key, old_url, origin, map_id, path in conn.execute(stmt):
            claim_ids.append(claim_id)
            wanted.append(_candidate(key, old_url, path, origin, map_id))
    if not wanted:
        return 0
    for part in chunks(claim_ids):
        conn.execute(delete(CLAIMS).where(CLAIMS.c.id.in_(part)))
    wanted.sort(key=lambda c: (c.origin != "record", c.map_id))
    added, _ = assign_redirects(conn, wanted)  # the claimants that lose again are claims again
    return added


class SortedRedirects:
    """The redirect map, one row per old URL on each host it answers on, in old-URL order.

    Re-iterable, in code-point order (the same on every engine), with `len()` and counts per
    origin. The rows are sorted in a scratch SQLite file, not in a list: at full scale the map is
    ~220,000 URLs, and sorting them in memory made writing the map the largest process of a whole
    migration. SQLite's BINARY collation over UTF-8 is code-point order.
    """

    def __init__(self, conn: Connection) -> None:
        self._db = open_scratch(4096)
        self._db.execute("CREATE TABLE map (n INTEGER PRIMARY KEY, old_url TEXT, new_path TEXT, status_code INTEGER,"
                         " origin TEXT, kind TEXT, source_url TEXT)")
        stmt = select(
            REDIRECTS.c.old_url,
            REDIRECTS.c.new_path,
            REDIRECTS.c.status_code,
            REDIRECTS.c.origin,
            REDIRECTS.c.other_origin,
            ID_MAP.c.kind,
            ID_MAP.c.source_url,
        ).join(ID_MAP, ID_MAP.c.id == REDIRECTS.c.map_id)

        def rows() -> Iterator[tuple[str, str, int, str, str, str]]:
            for old_url, path, code, origin, other_origin, kind, source_url in conn.execute(
                    stmt.execution_options(yield_per=5000)):
                yield old_url, path, code, origin, kind, source_url
                if other_origin is not None:
                    yield other_host(old_url) or old_url, path, code, other_origin, kind, source_url

        self._db.execute("BEGIN")
        self._db.executemany("INSERT INTO map (old_url, new_path, status_code, origin, kind, source_url)"
                             " VALUES (?, ?, ?, ?, ?, ?)", rows())
        self._db.execute("CREATE INDEX map_order ON map (old_url, n)")
        self._db.execute("COMMIT")

    def __iter__(self) -> Iterator[RedirectRow]:
        query = "SELECT old_url, new_path, status_code, origin, kind, source_url FROM map ORDER BY old_url, n"
        for row in self._db.execute(query):
            yield RedirectRow(*row)

    def __len__(self) -> int:
        return self._db.execute("SELECT count(*) FROM map").fetchone()[0]

    def by_origin(self) -> dict[str, int]:
        return dict(self._db.execute("SELECT origin, count(*) FROM map GROUP BY origin ORDER BY origin"))

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> SortedRedirects:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def iter_redirects(conn: Connection) -> Iterator[RedirectRow]:
    """Every redirect of the map, one per old URL on each host it answers on, ordered by old URL
    (code point order, the same on every engine)."""
    with SortedRedirects(conn) as redirects:
        yield from redirects
