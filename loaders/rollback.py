"""`rollback`: remove what a load created, as Drupal Migrate's rollback does, and put back what it changed.

Selectors: a run (`run_id`), a kind, and/or ids (source URLs, or destination ids with a kind).
Rows the selection covers are deleted with everything hanging off them: content, child rows, old
URLs, redirects (each freed URL goes to the next record that lists it) and id map rows; then files
of the store that nothing references any more are removed. Rolling back a run also restores every
record that run rewrote (`history`), so the database is as it was before the run; a record that a
later run changed again is left alone and reported.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, delete, or_, select, update

from loaders import content, schema
from loaders.db import connect, masked
from loaders.filestore import FileStore, default_store_root, referenced_digests
from loaders.load import rewrite
from loaders.redirects import assign_redirects, candidates, fill_redirects, remove_redirects
from loaders.rows import UrlSlot, old_urls_column, provenance_columns, source_key, url_slots
from moha_migrate.console import Summary
from moha_migrate.errors import LoadError, RecordError
from moha_migrate.newurls import new_path
from moha_migrate.records import KINDS, record_from_dict

log = logging.getLogger(__name__)

ID_MAP = schema.IdMap.__table__
RUNS = schema.Run.__table__
HISTORY = schema.History.__table__
MESSAGES = schema.Message.__table__


@dataclass
class RollbackResult:
    """What a rollback removed and restored."""

    db: str
    run_id: int | None
    removed: dict[str, int] = field(default_factory=dict)
    restored: int = 0
    redirects_reassigned: int = 0
    files_removed: int = 0
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> Summary:
        counts: dict[str, int | float] = {f"removed_{k}": v for k, v in sorted(self.removed.items())}
        counts.update(removed=sum(self.removed.values()), restored=self.restored, files_removed=self.files_removed)
        what = f"run {self.run_id}" if self.run_id else "selection"
        return Summary(
            "rollback",
            ok=not self.skipped,
            counts=counts,
            problems=list(self.skipped),
            outputs={"db": self.db},
            message=f"{what} rolled back in {self.db}",
        )


def rollback(
    db_url: str | None,
    *,
    run_id: int | None = None,
    last: bool = False,
    kind: str | None = None,
    ids: Sequence[str] = (),
    everything: bool = False,
    files_dir: Path | None = None,
) -> RollbackResult:
    """Roll back a run (`run_id`, or the latest with `last`), a kind, some ids, or `everything`.

    Raises LoadError for an unknown run or kind, or ids that match nothing.
    """
    if kind is not None and kind not in KINDS:
        raise LoadError(f"unknown kind {kind!r} (expected one of {', '.join(KINDS)})")
    if not (run_id or last or kind or ids or everything):
        raise LoadError("nothing selected: give --run N, --last, --kind, --ids or --all")
    engine = connect(db_url)
    try:
        with engine.begin() as conn:
            if last:
                run_id = _last_run(conn)
            if run_id is not None:
                _check_run(conn, run_id)
            result = RollbackResult(masked(engine.url), run_id)
            rows = _select(conn, run_id, kind, ids)
            if ids and not rows:
                raise LoadError(f"no loaded record matches --ids {', '.join(ids)}")
            freed = _remove(conn, rows, result)
            if run_id is not None:
                freed |= _restore(conn, run_id, kind, result)
                conn.execute(delete(MESSAGES).where(MESSAGES.c.run_id == run_id))
                if not kind and not ids:
                    conn.execute(
                        update(RUNS).where(RUNS.c.id == run_id).values(
                            status="rolled_back", message=f"rolled back at {_now().isoformat()}Z"
                        )
                    )
            result.redirects_reassigned = fill_redirects(conn, freed)
        result.files_removed = _prune_files(engine, db_url, files_dir)
        log.info("%s", result.summary().line())
        return result
    finally:
        engine.dispose()


def _last_run(conn: Connection) -> int:
    stmt = select(RUNS.c.id).where(RUNS.c.status != "rolled_back").order_by(RUNS.c.id.desc()).limit(1)
    found = conn.execute(stmt).scalar()
    if found is None:
        raise LoadError("no run to roll back: the database has no load runs")
    return int(found)


def _check_run(conn: Connection, run_id: int) -> None:
    status = conn.execute(select(RUNS.c.status).where(RUNS.c.id == run_id)).scalar()
    if status is None:
        raise LoadError(f"no run {run_id} in this database (see `moha-migrate status`)")
    if status == "rolled_back":
        raise LoadError(f"run {run_id} was already rolled back")


def _select(conn: Connection, run_id: int | None, kind: str | None, ids: Sequence[str]) -> list[Mapping[str, Any]]:
    stmt = select(ID_MAP)
    if run_id is not None:
        stmt = stmt.where(ID_MAP.c.created_run_id == run_id)
    if kind is not None:
        stmt = stmt.where(ID_MAP.c.kind == kind)
    if ids:
        urls = [i for i in ids if not i.isdigit()]
        numbers = [int(i) for i in ids if i.isdigit()]
        if numbers and kind is None:
            raise LoadError("--ids with destination ids (numbers) needs --kind")
        clauses = []
        if urls:
            clauses.append(ID_MAP.c.source_key.in_([source_key(u) for u in urls]))
        if numbers:
            clauses.append(ID_MAP.c.dest_id.in_(numbers))
        stmt = stmt.where(or_(*clauses))
    return [dict(r) for r in conn.execute(stmt.order_by(ID_MAP.c.id)).mappings()]


def _remove(conn: Connection, rows: Sequence[Mapping[str, Any]], result: RollbackResult) -> set[str]:
    """Delete the content, old URLs, redirects, history and id map rows of `rows`; return freed URL keys."""
    by_kind: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        if row["dest_id"] is not None:
            by_kind[row["kind"]].append(row["dest_id"])
        result.removed[row["kind"]] = result.removed.get(row["kind"], 0) + 1
    for kind, dest_ids in by_kind.items():
        content.delete_main_rows(conn, kind, dest_ids)
    map_ids = [row["id"] for row in rows]
    freed = remove_redirects(conn, map_ids)
    for part in content.chunks(map_ids):
        conn.execute(delete(HISTORY).where(HISTORY.c.map_id.in_(part)))
        conn.execute(delete(ID_MAP).where(ID_MAP.c.id.in_(part)))
    return freed


def _restore(conn: Connection, run_id: int, kind: str | None, result: RollbackResult) -> set[str]:
    """Put back every id map row (and record) that run `run_id` changed; return freed URL keys."""
    stmt = (
        select(HISTORY, ID_MAP.c.run_id.label("current_run"), ID_MAP.c.kind, ID_MAP.c.dest_id, ID_MAP.c.source_url)
        .join(ID_MAP, ID_MAP.c.id == HISTORY.c.map_id)
        .where(HISTORY.c.run_id == run_id)
        .order_by(HISTORY.c.id.desc())
    )
    if kind is not None:
        stmt = stmt.where(ID_MAP.c.kind == kind)
    freed: set[str] = set()
    cats = content.category_ids(conn)
    done: set[int] = set()
    restored: list[tuple[list[UrlSlot], int, str]] = []
    for h in conn.execute(stmt).mappings().all():
        if h["map_id"] in done:
            continue
        done.add(h["map_id"])
        if h["current_run"] != run_id:
            result.skipped.append(
                f"{h['source_url']}: changed again by run {h['current_run']}; not restored to its state before run {run_id}"
            )
            continue
        values: dict[str, Any] = {
            "status": h["previous_status"],
            "row_hash": h["previous_hash"],
            "line_hash": h["previous_line_hash"],
            "line": h["previous_line"],
            "run_id": h["previous_run_id"],
            "message": None,
        }
        if h["record_json"]:
            try:
                record = record_from_dict(json.loads(h["record_json"]))
            except (RecordError, ValueError) as exc:
                raise LoadError(f"history of {h['source_url']} (run {run_id}) is unreadable: {exc}") from exc
            existing = {"id": h["map_id"], "kind": h["kind"], "dest_id": h["dest_id"]}
            path = new_path(record)
            rewrite(conn, [(record, existing, path)], cats)
            freed |= remove_redirects(conn, [h["map_id"]])
            restored.append((url_slots(record.old_urls), h["map_id"], path))
            values.update(
                dest_path=path,
                dest_id=existing["dest_id"],
                kind=record.kind,
                old_urls=old_urls_column(record),
                **provenance_columns(record),
            )
            result.restored += 1
        conn.execute(update(ID_MAP).where(ID_MAP.c.id == h["map_id"]).values(**values))
        conn.execute(delete(HISTORY).where(HISTORY.c.id == h["id"]))
    # The restored records ask for their redirects again; URLs others took meanwhile stay theirs
    # only if a listed URL holds them (the usual precedence).
    assign_redirects(conn, [c for keys, map_id, path in restored for c in candidates(keys, map_id, path)])
    return freed


def _prune_files(engine: Engine, db_url: str | None, files_dir: Path | None) -> int:
    store = FileStore(default_store_root(db_url, files_dir))
    if not store.root.is_dir():
        return 0
    removed = store.prune(referenced_digests(engine))
    for sha in removed:
        log.info("removed unreferenced file %s", sha)
    return len(removed)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)
