"""The redirect map in the database: every old URL -> exactly one new path on the portal, 301.

Each record's old URLs get a redirect ("record"), and so does the same URL on the other legacy host
("alias": records list the `www.` forms they saw; users also arrive on the ones nobody linked).
Old URLs are unique after unquoting and NFC (`rows.url_key`). When two records claim one URL, the
first record that listed it keeps it and the second gets a conflict message; a listed URL always
beats another record's alias. A request that loses is kept in `redirect_claims`; removing a record
(update, rollback) frees its URLs, and `fill_redirects` hands each to the next claimant.
Targets are paths from `moha_migrate.newurls.new_path`, so a redirect never leaves the portal.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, delete, select, update

from loaders import schema
from loaders.content import bulk_insert, chunks, matching
from loaders.rows import OldUrlKeys

REDIRECTS = schema.Redirect.__table__
CLAIMS = schema.RedirectClaim.__table__
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


def candidates(keys: Sequence[OldUrlKeys], map_id: int, new_path: str) -> list[Candidate]:
    """The redirects a record asks for (from `rows.old_url_keys`): its old URLs, then their other-host forms."""
    if not new_path.startswith("/") or new_path.startswith("//"):
        raise ValueError(f"redirect target {new_path!r} is not a path on the portal")
    out = [Candidate(k.key, k.url, new_path, "record", map_id) for k in keys]
    out.extend(Candidate(k.alias_key, k.alias, new_path, "alias", map_id) for k in keys if k.alias and k.alias_key)
    return out


def assign_redirects(conn: Connection, wanted: Sequence[Candidate]) -> tuple[int, list[Conflict]]:
    """Insert the redirects asked for, honouring precedence against the map and each other.

    A candidate that loses to another record is kept in redirect_claims. Returns how many old URLs
    got a new redirect and the conflicts (listed URLs another record holds).
    """
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
    existing: dict[str, tuple[int, str, int, str, str]] = {}
    for clause in matching(conn, REDIRECTS.c.url_key, list(chosen)):
        stmt = select(
            REDIRECTS.c.url_key, REDIRECTS.c.id, REDIRECTS.c.origin, REDIRECTS.c.map_id, REDIRECTS.c.new_path, REDIRECTS.c.old_url
        ).where(clause)
        for key, rid, origin, map_id, path, old_url in conn.execute(stmt):
            existing[key] = (rid, origin, map_id, path, old_url)
    inserts, takeovers = [], []
    for key, cand in chosen.items():
        held_db = existing.get(key)
        if held_db is None:
            inserts.append(_row(cand))
            continue
        rid, origin, map_id, path, old_url = held_db
        if map_id == cand.map_id:
            continue
        if cand.origin == "record" and origin == "alias":
            takeovers.append(dict(_row(cand), b_id=rid))
            losers.append(Candidate(key, old_url, path, origin, map_id))
        else:
            losers.append(cand)
    bulk_insert(conn, REDIRECTS, inserts)
    if takeovers:
        conn.execute(update(REDIRECTS).where(REDIRECTS.c.id == bindparam("b_id")), takeovers)
    bulk_insert(
        conn, CLAIMS, [{"url_key": c.url_key, "old_url": c.old_url, "origin": c.origin, "map_id": c.map_id} for c in losers]
    )
    holder = {key: cand.new_path for key, cand in chosen.items()}
    holder.update({key: held[3] for key, held in existing.items() if not (chosen[key].origin == "record" and held[1] == "alias")})
    conflicts = [Conflict(c.old_url, c.map_id, holder[c.url_key]) for c in losers if c.origin == "record"]
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
    """Delete the redirects and claims of these id_map rows; return the keys that became free."""
    freed: set[str] = set()
    for part in chunks(list(map_ids)):
        freed.update(key for (key,) in conn.execute(select(REDIRECTS.c.url_key).where(REDIRECTS.c.map_id.in_(part))))
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
            wanted.append(Candidate(key, old_url, path, origin, map_id))
    if not wanted:
        return 0
    for part in chunks(claim_ids):
        conn.execute(delete(CLAIMS).where(CLAIMS.c.id.in_(part)))
    wanted.sort(key=lambda c: (c.origin != "record", c.map_id))
    added, _ = assign_redirects(conn, wanted)  # the claimants that lose again are claims again
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
