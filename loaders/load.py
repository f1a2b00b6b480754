"""`load`: records.jsonl into the portal database, idempotently, in batches, one transaction each.

Semantics follow Drupal Migrate. Every source_url has one id_map row (kind, destination id, row
hash, status, message, run). A record whose content hash matches its row is left alone; a changed
one is rewritten only with `update=True` (else it is marked needs_update); a bad line (bad JSON,
missing field, bad date, unknown category, duplicate source_url) becomes a message naming its line
and field while the rest load. Each batch commits on its own, so a load that dies (killed
connection, full disk, Ctrl-C) keeps what it committed and a rerun finishes the job with no
duplicates. A rerun of an unchanged file does not even parse the lines it loaded before: it matches
the sha256 of each raw line against id_map.line_hash.
"""

from __future__ import annotations

import gc
import json
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, insert, select, update

from loaders import content, schema
from loaders.db import connect, is_at_head, make_engine, masked
from loaders.filestore import FileStore, default_store_root, fill_store, referenced_digests
from loaders.pipeline import BatchWriter, ColumnTypes, CopyData, KnownKeys, WriteFailed, database_errors, has_no_id_map_rows
from loaders.prepare import FIRST_BATCH_LINES, GC_THRESHOLD, Prepared, Ready, iter_prepared, record_of, worker_count
from loaders.redirects import (
    REDIRECTS,
    ROW_COLUMNS,
    Candidate,
    assign_redirects,
    candidates,
    choose,
    fill_redirects,
    redirect_rows,
    remove_redirects,
    slot_keys,
)
from loaders.rows import source_key, url_slots
from loaders.walcheckpoint import WalCheckpointer
from moha_migrate.console import Summary, progress
from moha_migrate.errors import LoadError, RecordError
from moha_migrate.jsonl import dumps_record
from moha_migrate.profile import SiteProfile, load_profile
from moha_migrate.records import KINDS, Record

log = logging.getLogger(__name__)

ID_MAP = schema.IdMap.__table__
RUNS = schema.Run.__table__
MESSAGES = schema.Message.__table__
HISTORY = schema.History.__table__
CATEGORIES = schema.Category.__table__
assert ROW_COLUMNS[-1] == "map_id", "_plan_behind replaces the last column of redirect rows"
DEFAULT_BATCH_SIZE = 2000
"""Records per transaction. Each commit rewrites every index page the batch touched, and the
hash-keyed indexes are touched all over, so bigger batches are cheaper (issue 6); but a batch being
prepared and the one being written are in memory at once (`prepare.iter_prepared`): 2,000 keeps a
full-scale load's peak RSS near where 1,000 had it for most of the gain (with three batches alive
it was 294 MB at 2,000 and 507 MB at 5,000)."""
MAX_PROBLEMS_KEPT = 1000
"""Problems kept in memory for the summary; all of them go to the messages table."""

BatchHook = Callable[[int], None]


@dataclass
class LoadResult:
    """What a load did (or, with dry_run, would do)."""

    source: str
    db: str
    run_id: int | None = None
    dry_run: bool = False
    update: bool = False
    lines: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    changed: int = 0
    """Changed records left as they were (no --update): marked needs_update."""
    failed: int = 0
    redirects_added: int = 0
    conflicts: int = 0
    files_stored: int = 0
    files_missing: int = 0
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0
    elapsed_s: float = 0.0
    files_dir: str | None = None

    def problem(self, text: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(text)

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.conflicts == 0 and self.files_missing == 0

    def summary(self) -> Summary:
        counts: dict[str, int | float] = {
            "lines": self.lines,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "changed": self.changed,
            "failed": self.failed,
            "redirects_added": self.redirects_added,
            "conflicts": self.conflicts,
        }
        if self.files_dir is not None:
            counts.update(files_stored=self.files_stored, files_missing=self.files_missing)
        counts["records_per_s"] = round(self.lines / self.elapsed_s, 1) if self.elapsed_s else 0.0
        message = f"dry run, nothing written to {self.db}" if self.dry_run else f"run {self.run_id} into {self.db}"
        if self.changed and not self.update:
            message += f"; {self.changed} changed record(s) kept as they were: rerun with --update"
        problems = list(self.problems)
        if self.problem_count > len(problems):
            problems.append(f"... {self.problem_count - len(problems)} more in `moha-migrate status --messages`")
        outputs = {"db": self.db}
        if self.files_dir:
            outputs["files"] = self.files_dir
        return Summary("load", ok=self.ok, counts=counts, problems=problems, outputs=outputs, message=message)


@dataclass
class _Pending:
    """A valid record of the current batch on its way into the database."""

    ready: Ready
    line: int
    raw: bytes
    source: Path
    existing: Mapping[str, Any] | None = None
    map_id: int | None = None
    dest_id: int | None = None
    _record: Record | None = None

    @property
    def key(self) -> str:
        return self.ready.key

    @property
    def kind(self) -> str:
        return self.ready.kind

    @property
    def path(self) -> str:
        return self.ready.path

    @property
    def line_hash(self) -> str:
        return self.ready.map_columns["line_hash"]

    @property
    def record(self) -> Record:
        """The record itself, parsed again from its line: only a rewrite of an existing row needs it."""
        if self._record is None:
            self._record = record_of(self.source, self.raw, self.line)
        return self._record


@dataclass
class _Failure:
    line: int
    field: str | None
    reason: str
    source_url: str | None
    kind: str | None


@dataclass
class _Context:
    run_id: int
    update: bool
    dry_run: bool
    schema_ready: bool
    categories: dict[str, int]
    profile: SiteProfile
    result: LoadResult
    source: Path
    seen: dict[str, int] = field(default_factory=dict)
    checkpoints: WalCheckpointer | None = None
    """SQLite: the thread that checkpoints the WAL behind the batches (`loaders.walcheckpoint`)."""


def load_records(
    records_path: Path,
    db_url: str | None = None,
    *,
    update: bool = False,
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    files_from: Sequence[Path] | None = None,
    files_dir: Path | None = None,
    profile: SiteProfile | None = None,
    hook: BatchHook | None = None,
    show_progress: bool = False,
    workers: int | None = None,
) -> LoadResult:
    """Load a records.jsonl file into the portal database at `db_url` (default: SQLite portal.db).

    `files_from`: WARC files/dirs (or plain files/dirs) to copy media bytes from into the file
    store (`files_dir`, default files/ next to a SQLite file or in the current directory).
    `hook(batch_number)` runs inside each batch's transaction after its writes, before its commit.
    `workers`: processes that parse the next batches while this one writes (`prepare.worker_count`
    decides when None; 0 parses here).
    Raises LoadError when the input cannot be read or the database cannot be reached or written;
    whatever batches committed before stay committed.
    """
    records_path = Path(records_path)
    if not records_path.is_file():
        raise LoadError(f"cannot read {records_path}: no such file")
    if batch_size < 1:
        raise LoadError(f"batch size must be at least 1, got {batch_size}")
    started = time.perf_counter()
    profile = profile or load_profile()
    engine = make_engine(db_url) if dry_run else connect(db_url)
    result = LoadResult(source=str(records_path), db=masked(engine.url), dry_run=dry_run, update=update)
    try:
        schema_ready = _prepare(engine, profile, dry_run)
        categories = _category_ids(engine, profile, schema_ready)
        run_id = 0 if dry_run else _start_run(engine, records_path, update)
        result.run_id = run_id or None
        ctx = _Context(run_id, update, dry_run, schema_ready, categories, profile, result, records_path)
        if WalCheckpointer.wanted(engine, dry_run):
            ctx.checkpoints = WalCheckpointer(engine)
        try:
            with _fewer_collections(), ctx.checkpoints or nullcontext():
                _run_batches(engine, records_path, ctx, batch_size, hook, show_progress, workers)
        except KeyboardInterrupt:
            _interrupted(engine, ctx)
            raise
        if files_from and not dry_run:
            _copy_files(engine, db_url, files_dir, files_from, result)
        result.elapsed_s = time.perf_counter() - started
        if not dry_run:
            _finish_run(engine, run_id, "completed", result)
        log.info("%s", result.summary().line())
        return result
    finally:
        engine.dispose()


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often while batches load, then as before.

    A batch makes millions of small objects (records, rows, keys) that all live until its commit
    and hold no cycles; with the default thresholds the collector keeps walking them, 15-20 % of a
    full load's CPU time (issue 6). Reference counting still frees everything at once.
    """
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], GC_THRESHOLD[0]), max(before[1], GC_THRESHOLD[1]), max(before[2], GC_THRESHOLD[2]))
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _prepare(engine: Engine, profile: SiteProfile, dry_run: bool) -> bool:
    """Seed categories from the profile (writes only when not a dry run); True if the schema exists."""
    if dry_run:
        return is_at_head(engine)
    with engine.begin() as conn:
        have = {slug: (cid, name, tabid, catid) for cid, slug, name, tabid, catid in conn.execute(
            select(CATEGORIES.c.id, CATEGORIES.c.slug, CATEGORIES.c.name, CATEGORIES.c.tabid, CATEGORIES.c.catid)
        )}
        for cat in profile.categories:
            row = {"slug": cat.slug, "name": cat.name, "tabid": cat.tabid, "catid": cat.catid}
            if cat.slug not in have:
                conn.execute(insert(CATEGORIES), [row])
            elif have[cat.slug][1:] != (cat.name, cat.tabid, cat.catid):
                conn.execute(update(CATEGORIES).where(CATEGORIES.c.slug == cat.slug).values(**row))
        # A run that never finished (killed process) is not running any more.
        conn.execute(
            update(RUNS).where(RUNS.c.status == "running").values(status="interrupted", finished_at=_now())
        )
    return True


def _category_ids(engine: Engine, profile: SiteProfile, schema_ready: bool) -> dict[str, int]:
    if schema_ready:
        with engine.connect() as conn:
            ids = content.category_ids(conn)
    else:  # dry run on an empty database: pretend the profile's categories exist
        ids = {cat.slug: i for i, cat in enumerate(profile.categories, start=1)}
    allowed = {cat.slug for cat in profile.categories}
    return {slug: cid for slug, cid in ids.items() if slug in allowed}


def _start_run(engine: Engine, records_path: Path, update_changed: bool) -> int:
    with _writing(engine, "start a run"):
        with engine.begin() as conn:
            return int(
                conn.execute(
                    insert(RUNS).returning(RUNS.c.id),
                    [{"started_at": _now(), "status": "running", "source": str(records_path), "update_changed": update_changed}],
                ).scalar_one()
            )


def _finish_run(engine: Engine, run_id: int, status: str, result: LoadResult, message: str | None = None) -> None:
    values = dict(
        status=status,
        finished_at=_now(),
        inserted=result.inserted,
        updated=result.updated,
        unchanged=result.unchanged,
        changed=result.changed,
        failed=result.failed,
        message=message,
    )
    with _writing(engine, f"finish run {run_id}"):
        with engine.begin() as conn:
            conn.execute(update(RUNS).where(RUNS.c.id == run_id).values(**values))


def _interrupted(engine: Engine, ctx: _Context) -> None:
    """Ctrl-C: record the run as interrupted, with the counts of what committed, if we still can
    (else the next load marks it so, as after kill -9)."""
    result = ctx.result
    message = f"interrupted after {result.lines} line(s) of {result.source}, all committed; rerun the same command to finish"
    _end_run_if_possible(engine, ctx, "interrupted", message)


def _end_run_if_possible(engine: Engine, ctx: _Context, status: str, message: str) -> None:
    """Record how a run that stops early ended (not for a dry run); a database that cannot take it
    any more (the error that stopped the load) only gets a warning in the log."""
    if ctx.dry_run:
        return
    try:
        _finish_run(engine, ctx.run_id, status, ctx.result, message=message)
    except LoadError as exc:
        log.warning("could not mark run %s as %s: %s", ctx.run_id, status, exc)


class _writing:
    """Turn driver errors into a LoadError naming what was being done and the database."""

    def __init__(self, engine: Engine, doing: str) -> None:
        self.engine = engine
        self.doing = doing

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> bool:
        if isinstance(exc, database_errors(self.engine)):
            detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise LoadError(f"{masked(self.engine.url)}: could not {self.doing}: {detail}") from exc
        return False


def _run_batches(
    engine: Engine,
    path: Path,
    ctx: _Context,
    batch_size: int,
    hook: BatchHook | None,
    show_progress: bool,
    workers: int | None,
) -> None:
    result = ctx.result
    workers = worker_count(path) if workers is None else workers
    with _write_behind(engine, ctx, hook) as pipeline:
        # a first load asks the database nothing about lines loaded before: there are none
        first_load = pipeline is not None and pipeline.first_load
        reads = engine if ctx.schema_ready and not first_load else None  # a dry run on an empty database never connects
        written_at_refresh = 0  # rows inserted + updated when statistics were last refreshed
        first_batch = FIRST_BATCH_LINES if pipeline is not None else None  # writers behind wait for the first
        # closing: a failed batch shuts the workers down at once, not when the generator is collected
        with progress("load", total=None, enabled=show_progress) as bar, closing(
            iter_prepared(reads, path, batch_size, workers, ctx.categories, first_batch)
        ) as batches:
            for prepared in batches:
                before = _Before.of(prepared, result)
                submitted = False
                try:
                    planned = _plan_behind(pipeline, prepared, ctx) if pipeline is not None else None
                    if planned is not None:
                        pipeline.writer.submit(before.number, before, planned.write)  # type: ignore[union-attr]
                        submitted = True  # it commits even if Ctrl-C comes now: the writers finish what they have
                    else:
                        _wait_for_writer(engine, ctx, pipeline)  # the usual way asks the database: all before it committed
                        written_at_refresh = _load_batch_in_place(engine, prepared, ctx, hook, pipeline, written_at_refresh)
                except WriteFailed as failed:
                    _batch_failed(engine, ctx, failed.tag, failed.error)
                except database_errors(engine) as exc:
                    _wait_for_writer(engine, ctx, pipeline)  # an earlier batch's failure (a killed connection) comes first
                    _batch_failed(engine, ctx, before, exc)
                except KeyboardInterrupt:
                    if submitted:
                        result.lines = before.lines + len(prepared.lines)
                    else:  # rolled back, or never written: its lines are not loaded
                        before.restore(result)
                    raise
                result.lines += len(prepared.lines)
                bar.advance(len(prepared.lines), status=f"+{result.inserted} ~{result.updated} ={result.unchanged} !{result.failed}")
                # let the batch go before the next one is parsed or received, not after: two batches
                # alive at the peak of a full-scale load were 30-40 MiB (issue 7's memory ratio)
                del prepared
        if pipeline is not None:
            _wait_for_writer(engine, ctx, pipeline)
            if result.inserted + result.updated > written_at_refresh:
                # the next load's lookups plan with these (the batches planned from memory needed none)
                with _writing(engine, "refresh statistics"), engine.begin() as conn:
                    content.refresh_statistics(conn)


def _wait_for_writer(engine: Engine, ctx: _Context, pipeline: _Pipeline | None) -> None:
    """Wait until every batch written behind has committed; a batch that did not fails the load."""
    if pipeline is None:
        return
    try:
        pipeline.writer.wait()
    except WriteFailed as failed:
        _batch_failed(engine, ctx, failed.tag, failed.error)


def _load_batch_in_place(
    engine: Engine,
    prepared: Prepared,
    ctx: _Context,
    hook: BatchHook | None,
    pipeline: _Pipeline | None,
    written_at_refresh: int,
) -> int:
    """Load a batch the usual way, asking the database, in a transaction of this thread's; return
    the rows written when statistics were last refreshed."""
    result, number = ctx.result, prepared.number
    if ctx.dry_run and not ctx.schema_ready:
        _load_batch(None, prepared, ctx)  # nothing to compare with: never touch (or create) the database
    elif ctx.dry_run:
        with engine.connect() as conn:
            _load_batch(conn, prepared, ctx)
    else:
        with engine.begin() as conn:
            written = result.inserted + result.updated
            if number & (number - 1) == 0 and written > written_at_refresh:
                # batches 2, 4, 8, ... after writes: the tables may have doubled (a
                # no-change rerun writes nothing and has nothing to re-analyze)
                if ctx.checkpoints is not None:
                    ctx.checkpoints.before_writes()
                content.refresh_statistics(conn)
                written_at_refresh = written
            failures = _load_batch(conn, prepared, ctx)
            if pipeline is not None:
                pipeline.note_in_place(prepared, failures)
            if hook is not None:
                hook(number)
        if ctx.checkpoints is not None:
            ctx.checkpoints.committed()
    return written_at_refresh


@dataclass(frozen=True)
class _Before:
    """A batch's place in the file and the counts before it: what a rollback of it restores."""

    number: int
    first_line: int
    last_line: int
    lines: int
    counts: tuple[int, int, int, int, int, int]

    @classmethod
    def of(cls, prepared: Prepared, result: LoadResult) -> _Before:
        counts = (result.inserted, result.updated, result.unchanged, result.changed, result.failed, result.redirects_added)
        return cls(prepared.number, prepared.lines[0][0], prepared.lines[-1][0], result.lines, counts)

    def restore(self, result: LoadResult) -> None:
        """Put the counts back as they were before this batch (and any batch planned after it)."""
        result.inserted, result.updated, result.unchanged, result.changed, result.failed, result.redirects_added = self.counts
        result.lines = self.lines


def _batch_failed(engine: Engine, ctx: _Context, before: _Before, exc: BaseException) -> None:
    """The batch rolled back: undo its counts (and those of any batch planned after it), record the
    run as failed if we still can, raise."""
    result = ctx.result
    before.restore(result)
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    where = f"batch {before.number} (lines {before.first_line}-{before.last_line} of {result.source})"
    text = (
        f"{result.db}: {where} failed and was rolled back: {detail}; the {result.lines} line(s) before it are "
        f"committed; rerun the same command to finish"
    )
    _end_run_if_possible(engine, ctx, "failed", text)
    raise LoadError(text) from exc


# -------------------------------------------------------------------------------- writing behind


@dataclass
class _Pipeline:
    """A PostgreSQL load writing behind (`loaders.pipeline`): the connection that hands out ids and
    formats COPY data, the writer threads, and the keys known to be in the database (taken when
    the first batch of new records comes, then kept up to date)."""

    reads: Connection
    writer: BatchWriter
    first_load: bool
    """No id map rows when the load started: no lines loaded before to match."""
    column_types: ColumnTypes
    known: KnownKeys | None = None

    def note_in_place(self, prepared: Prepared, failures: list[_Failure]) -> None:
        """Remember what a batch loaded the usual way may have written (every source key, path and
        old-URL key of its lines)."""
        if self.known is None:  # not taken yet: it will be read from the database, this batch included
            return
        readies = [ready for _, _, ready, _ in prepared.parsed if ready is not None]
        self.known.note(
            keys=[r.key for r in readies] + [source_key(f.source_url) for f in failures if f.source_url],
            paths=[r.path for r in readies],
            url_keys=[k for r in readies for key, _, _, _, partner in url_slots(r.old_urls) for k in (key, partner) if k],
        )


def _writes_behind(engine: Engine, ctx: _Context) -> bool:
    """Whether this load writes batches behind: PostgreSQL through psycopg, for real."""
    return not ctx.dry_run and ctx.schema_ready and engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg"


@contextmanager
def _write_behind(engine: Engine, ctx: _Context, hook: BatchHook | None) -> Iterator[_Pipeline | None]:
    """A `_Pipeline` when this load writes batches behind (`_writes_behind`), else None."""
    if not _writes_behind(engine, ctx):
        yield None
        return
    with _writing(engine, "read the id map"), engine.connect() as probe:
        first_load = has_no_id_map_rows(probe)
    with _writing(engine, "open a connection"):
        reads = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        with BatchWriter(engine, hook) as writer:
            yield _Pipeline(reads, writer, first_load, ColumnTypes(reads))
    finally:
        reads.close()


def _plan_behind(pipeline: _Pipeline, prepared: Prepared, ctx: _Context) -> CopyData | None:
    """The COPY data of a batch of new records that meets no key the database holds; None when
    the batch needs the database's answers (a line loaded before, a failed or duplicate line, a
    source key, path or old URL known, or met twice in the batch), which `_load_batch` then gets."""
    if prepared.known or not prepared.parsed:  # lines loaded before (a rerun): sorted once, there
        return None
    classified = _classify(prepared, ctx)
    pending = classified.pending
    if classified.failures or classified.unchanged or classified.status_fixes or not pending:
        return None
    if pipeline.known is None:  # the first batch of new records: nothing of this load is in flight
        pipeline.known = KnownKeys.in_database(pipeline.reads)
    paths = [p.path for p in pending]
    if len(set(paths)) < len(paths):
        return None
    slots = [url_slots(p.ready.old_urls) for p in pending]
    # precedence among the batch's own old URLs; map ids stand in as positions until ids are taken
    chosen, losers = choose([c for i, (p, s) in enumerate(zip(pending, slots)) for c in candidates(s, i, p.path)])
    url_keys = slot_keys(chosen)
    if losers or pipeline.known.meets((p.key for p in pending), paths, url_keys):
        return None
    planned = _copy_data(pipeline, pending, chosen, ctx.run_id)
    pipeline.known.note(paths=paths, url_keys=url_keys)  # their source keys are in `seen`
    ctx.result.inserted += len(pending)
    ctx.result.redirects_added += len(chosen)
    return planned


def _copy_data(pipeline: _Pipeline, pending: list[_Pending], chosen: dict[str, Candidate], run_id: int) -> CopyData:
    """Ids for a batch of new records (main rows, id map) and every row it writes, as COPY data.

    `chosen`: the redirects the batch asks for, nobody else holding them, keyed by url key, with
    the records' positions in `pending` standing in for their map ids.
    """
    reads = pipeline.reads
    planned = CopyData(reads, pipeline.column_types)
    by_kind: dict[str, list[_Pending]] = defaultdict(list)
    for item in pending:
        by_kind[item.kind].append(item)
    tables = {kind: schema.CONTENT_TABLES[kind] for kind in by_kind}
    ids_of = content.next_ids_of(reads, {ID_MAP: len(pending), **{tables[k]: len(g) for k, g in by_kind.items()}})
    for kind, group in by_kind.items():
        ids = ids_of[tables[kind]]
        planned.add(tables[kind], *content.row_tuples([p.ready.main for p in group], ids))  # type: ignore[misc]
        for item, dest_id in zip(group, ids, strict=True):
            item.dest_id = dest_id
    map_ids = ids_of[ID_MAP]
    map_rows = [dict(_map_values(p, run_id), created_run_id=run_id) for p in pending]
    planned.add(ID_MAP, *content.row_tuples(map_rows, map_ids))
    for item, map_id in zip(pending, map_ids, strict=True):
        item.map_id = map_id
    for name, rows in content.child_rows_by_table([(p.kind, p.ready.children, p.dest_id) for p in pending]).items():  # type: ignore[misc]
        if rows:
            planned.add(content.TABLES[name], *content.row_tuples(rows))
    # nothing held them before and nothing in the batch took them from each other: all chosen are
    # won; their rows end with the stand-in map id (ROW_COLUMNS), replaced by the real one
    rows = redirect_rows(chosen)
    planned.add(REDIRECTS, ROW_COLUMNS, [(*row[:-1], map_ids[row[-1]]) for row in rows])  # type: ignore[index]
    return planned


# -------------------------------------------------------------------------------- one batch


@dataclass
class _Classified:
    """A batch's lines sorted: loaded before and unchanged, failed, or on their way in."""

    unchanged: int
    status_fixes: list[int]
    """id_map ids of unchanged lines whose row was marked needs_update: imported again."""
    pending: list[_Pending]
    failures: list[_Failure]


def _classify(prepared: Prepared, ctx: _Context) -> _Classified:
    """Sort a batch's lines; marks each valid record's source key as seen (at its own line, so
    classifying a batch again gives the same answer)."""
    failures: list[_Failure] = []
    line_hashes, known = prepared.line_hashes, prepared.known
    unchanged = 0
    status_fixes: list[int] = []
    for number, raw in prepared.lines:
        hit = known.get(line_hashes[number])
        if hit is None:
            continue
        map_id, key, status = hit
        first = ctx.seen.setdefault(key, number)
        if first != number:
            failures.append(_duplicate(number, first, raw))
            continue
        unchanged += 1
        if status == "needs_update":
            status_fixes.append(map_id)

    pending: list[_Pending] = []
    for number, raw, ready, error in prepared.parsed:
        if error is not None:
            failures.append(_failure_from(error, raw))
            continue
        assert ready is not None
        if ready.main is None:
            reason = f"unknown category {ready.category!r} (not in the site profile {ctx.profile.source})"
            failures.append(_Failure(number, "category", reason, ready.source_url, ready.kind))
            continue
        first = ctx.seen.setdefault(ready.key, number)
        if first != number:
            failures.append(_duplicate(number, first, raw))
            continue
        pending.append(_Pending(ready, number, raw, ctx.source))
    return _Classified(unchanged, status_fixes, pending, failures)


def _load_batch(conn: Connection | None, prepared: Prepared, ctx: _Context) -> list[_Failure]:
    """Load one batch asking the database (`conn`; None: a dry run on an empty database); return its
    failed lines."""
    result = ctx.result
    classified = _classify(prepared, ctx)
    failures, status_fixes, pending = classified.failures, classified.status_fixes, classified.pending
    result.unchanged += classified.unchanged

    existing = _existing(conn, [p.key for p in pending]) if ctx.schema_ready else {}
    new: list[_Pending] = []
    changed: list[_Pending] = []
    hash_refresh: list[_Pending] = []
    needs_update: list[_Pending] = []
    for item in pending:
        item.existing = existing.get(item.key)
        ex = item.existing
        if ex is None or ex["dest_id"] is None:
            new.append(item)
        elif ex["row_hash"] == item.ready.hash and ex["kind"] == item.kind:
            result.unchanged += 1
            hash_refresh.append(item)
        elif ctx.update:
            changed.append(item)
        else:
            result.changed += 1
            if ex["status"] != "needs_update":
                needs_update.append(item)

    taken = _paths_taken(conn, [p for p in new + changed], ctx) if ctx.schema_ready else {}
    for item in list(new) + list(changed):
        holder = taken.get(item.path)
        if holder is not None and (item.existing is None or holder[0] != item.existing["id"]):
            failures.append(
                _Failure(item.line, "title", f"new path {item.path} is already used by {holder[1]}", item.ready.source_url, item.kind)
            )
            (new if item in new else changed).remove(item)
        else:
            taken[item.path] = (item.existing["id"] if item.existing else -1, item.ready.source_url)

    result.inserted += len(new)
    result.updated += len(changed)
    result.failed += len(failures)
    for f in failures:
        where = f"line {f.line}" + (f", field {f.field!r}" if f.field else "")
        result.problem(f"{where}: {f.reason}" + (f" ({f.source_url})" if f.source_url else ""))
    if ctx.dry_run:
        return failures
    assert conn is not None
    if ctx.checkpoints is not None:
        ctx.checkpoints.before_writes()  # the WAL starts over at this batch's first write
    if status_fixes:
        _save_history_status(conn, ctx.run_id, status_fixes)
        conn.execute(update(ID_MAP).where(ID_MAP.c.id.in_(status_fixes)).values(status="imported", run_id=ctx.run_id))
    if needs_update:
        _save_history_status(conn, ctx.run_id, [p.existing["id"] for p in needs_update])  # type: ignore[index]
        conn.execute(
            update(ID_MAP).where(ID_MAP.c.id == bindparam("b_id")),
            [{"b_id": p.existing["id"], "status": "needs_update", "run_id": ctx.run_id} for p in needs_update],  # type: ignore[index]
        )
    if hash_refresh:
        stale = [p for p in hash_refresh if p.existing["line_hash"] != p.line_hash or p.existing["status"] != "imported"]  # type: ignore[index]
        if stale:
            revived = [p.existing["id"] for p in stale if p.existing["status"] == "needs_update"]  # type: ignore[index]
            if revived:
                _save_history_status(conn, ctx.run_id, revived)
            conn.execute(
                update(ID_MAP).where(ID_MAP.c.id == bindparam("b_id")),
                [{"b_id": p.existing["id"], "line_hash": p.line_hash, "status": "imported"} for p in stale],  # type: ignore[index]
            )
    freed = _update_changed(conn, changed, ctx) if changed else set()
    _insert_new(conn, new, ctx)
    added, conflicts = assign_redirects(
        conn, [c for p in new + changed for c in candidates(url_slots(p.ready.old_urls), p.map_id, p.path)]  # type: ignore[arg-type]
    )
    result.redirects_added += added
    _note_conflicts(conn, conflicts, new + changed, ctx)
    if freed:
        result.redirects_added += fill_redirects(conn, freed)
    _record_failures(conn, failures, ctx)
    return failures


def _existing(conn: Connection, keys: list[str]) -> dict[str, Mapping[str, Any]]:
    out: dict[str, Mapping[str, Any]] = {}
    for clause in content.matching(conn, ID_MAP.c.source_key, keys):
        for row in conn.execute(select(ID_MAP).where(clause)).mappings():
            out[row["source_key"]] = dict(row)
    return out


def _paths_taken(conn: Connection, items: list[_Pending], ctx: _Context) -> dict[str, tuple[int, str]]:
    out: dict[str, tuple[int, str]] = {}
    paths = sorted({p.path for p in items})
    for clause in content.matching(conn, ID_MAP.c.dest_path, paths):
        stmt = select(ID_MAP.c.dest_path, ID_MAP.c.id, ID_MAP.c.source_url).where(clause)
        for path, map_id, url in conn.execute(stmt):
            out[path] = (map_id, url)
    return out


def _map_values(item: _Pending, run_id: int) -> dict[str, Any]:
    return {
        **item.ready.map_columns,
        "source_key": item.key,
        "dest_id": item.dest_id,
        "status": "imported",
        "message": None,
        "run_id": run_id,
    }


def _insert_new(conn: Connection, items: list[_Pending], ctx: _Context) -> None:
    if not items:
        return
    by_kind: dict[str, list[_Pending]] = defaultdict(list)
    for item in items:
        by_kind[item.kind].append(item)
    for kind, group in by_kind.items():
        rows = [p.ready.main for p in group]
        for item, dest_id in zip(group, content.insert_main_rows(conn, kind, rows), strict=True):  # type: ignore[arg-type]
            item.dest_id = dest_id
    fresh = [p for p in items if p.existing is None]
    reused = [p for p in items if p.existing is not None]
    if fresh:
        rows = [dict(_map_values(p, ctx.run_id), created_run_id=ctx.run_id) for p in fresh]
        ids = content.insert_with_ids(conn, ID_MAP, "source_key", rows)
        for item, map_id in zip(fresh, ids, strict=True):
            item.map_id = map_id
    if reused:  # failed on an earlier run, loads now: the row becomes this run's creation
        rows = [dict(_map_values(p, ctx.run_id), created_run_id=ctx.run_id, b_id=p.existing["id"]) for p in reused]  # type: ignore[index]
        conn.execute(update(ID_MAP).where(ID_MAP.c.id == bindparam("b_id")), rows)
        for item in reused:
            item.map_id = item.existing["id"]  # type: ignore[index]
    content.insert_child_rows(conn, [(p.kind, p.ready.children, p.dest_id) for p in items])  # type: ignore[misc]


def _update_changed(conn: Connection, items: list[_Pending], ctx: _Context) -> set[str]:
    """Rewrite changed records in place, keeping what they were in `history`; return freed URL keys."""
    olds = content.read_records(conn, [p.existing for p in items])  # type: ignore[misc]
    conn.execute(
        insert(HISTORY),
        [
            {
                "run_id": ctx.run_id,
                "map_id": p.existing["id"],  # type: ignore[index]
                "previous_status": p.existing["status"],  # type: ignore[index]
                "previous_hash": p.existing["row_hash"],  # type: ignore[index]
                "previous_line_hash": p.existing["line_hash"],  # type: ignore[index]
                "previous_line": p.existing["line"],  # type: ignore[index]
                "previous_run_id": p.existing["run_id"],  # type: ignore[index]
                "record_json": dumps_record(olds[p.existing["id"]]),  # type: ignore[index]
            }
            for p in items
        ],
    )
    rewrite(conn, [(p.record, p.existing, p.path) for p in items], ctx.categories)  # type: ignore[misc]
    for item in items:
        item.map_id = item.existing["id"]  # type: ignore[index]
        item.dest_id = item.existing["dest_id"]  # type: ignore[index]
    freed = remove_redirects(conn, [p.map_id for p in items])  # type: ignore[misc]
    conn.execute(
        update(ID_MAP).where(ID_MAP.c.id == bindparam("b_id")),
        [
            dict(
                {k: v for k, v in _map_values(p, ctx.run_id).items() if k != "source_key"},
                b_id=p.map_id,
                dest_id=p.existing["dest_id"],  # type: ignore[index]
            )
            for p in items
        ],
    )
    return freed


def rewrite(
    conn: Connection, items: Sequence[tuple[Record, Mapping[str, Any], str]], categories: Mapping[str, int]
) -> None:
    """Replace the content of existing id_map rows with new records (same kind: in place, keeping ids).

    Updates each item's id_map row `dest_id` in `existing` when the kind changed (new main row).
    """
    same: dict[str, list[tuple[Record, Mapping[str, Any], str]]] = defaultdict(list)
    moved: list[tuple[Record, Mapping[str, Any], str]] = []
    for record, ex, path in items:
        (same[record.kind] if ex["kind"] == record.kind else moved).append((record, ex, path))
    for kind, group in same.items():
        ids = [ex["dest_id"] for _, ex, _ in group]
        content.update_main_rows(conn, kind, content.build_main_rows([(r, p) for r, _, p in group], categories), ids)
        content.delete_children(conn, kind, ids)
        content.insert_children(conn, [(r, ex["dest_id"]) for r, ex, _ in group])
    for record, ex, path in moved:
        content.delete_main_rows(conn, ex["kind"], [ex["dest_id"]])
        (dest_id,) = content.insert_main_rows(conn, record.kind, content.build_main_rows([(record, path)], categories))
        content.insert_children(conn, [(record, dest_id)])
        conn.execute(update(ID_MAP).where(ID_MAP.c.id == ex["id"]).values(dest_id=dest_id, kind=record.kind))
        if isinstance(ex, dict):
            ex["dest_id"] = dest_id


def _save_history_status(conn: Connection, run_id: int, map_ids: Sequence[int]) -> None:
    rows = []
    for part in content.chunks(list(map_ids)):
        stmt = select(
            ID_MAP.c.id, ID_MAP.c.status, ID_MAP.c.row_hash, ID_MAP.c.line_hash, ID_MAP.c.line, ID_MAP.c.run_id
        ).where(ID_MAP.c.id.in_(part))
        for map_id, status, hash_, line_hash, line, prev_run in conn.execute(stmt):
            rows.append(
                {
                    "run_id": run_id,
                    "map_id": map_id,
                    "previous_status": status,
                    "previous_hash": hash_,
                    "previous_line_hash": line_hash,
                    "previous_line": line,
                    "previous_run_id": prev_run,
                    "record_json": "",
                }
            )
    if rows:
        conn.execute(insert(HISTORY), rows)


def _note_conflicts(conn: Connection, conflicts: list[Any], items: list[_Pending], ctx: _Context) -> None:
    if not conflicts:
        return
    by_map = {p.map_id: p for p in items}
    messages = []
    for c in conflicts:
        item = by_map.get(c.map_id)
        text = f"old URL {c.old_url} already redirects to {c.kept_path} (another record lists it)"
        ctx.result.conflicts += 1
        ctx.result.problem(f"line {item.line if item else '?'}: {text}")
        messages.append(
            {
                "run_id": ctx.run_id,
                "level": "warning",
                "line": item.line if item else None,
                "field": "old_urls",
                "source_url": item.ready.source_url if item else None,
                "message": text,
            }
        )
    conn.execute(insert(MESSAGES), messages)
    conn.execute(
        update(ID_MAP).where(ID_MAP.c.id == bindparam("b_id")),
        [{"b_id": m, "message": "old URL conflict: see messages"} for m in {c.map_id for c in conflicts}],
    )


def _record_failures(conn: Connection, failures: list[_Failure], ctx: _Context) -> None:
    if not failures:
        return
    conn.execute(
        insert(MESSAGES),
        [
            {"run_id": ctx.run_id, "level": "error", "line": f.line, "field": f.field, "source_url": f.source_url, "message": f.reason}
            for f in failures
        ],
    )
    known = [f for f in failures if f.source_url and f.kind in KINDS]
    existing = _existing(conn, [source_key(f.source_url) for f in known])  # type: ignore[arg-type]
    fresh: dict[str, _Failure] = {}
    for f in known:
        key = source_key(f.source_url)  # type: ignore[arg-type]
        ex = existing.get(key)
        if ex is None:
            fresh.setdefault(key, f)
        elif ex["dest_id"] is None:
            conn.execute(update(ID_MAP).where(ID_MAP.c.id == ex["id"]).values(message=f.reason, line=f.line))
    if fresh:
        conn.execute(
            insert(ID_MAP),
            [
                {
                    "source_key": key,
                    "source_url": f.source_url,
                    "kind": f.kind,
                    "status": "failed",
                    "message": f"line {f.line}" + (f", field {f.field!r}" if f.field else "") + f": {f.reason}",
                    "line": f.line,
                    "run_id": ctx.run_id,
                    "created_run_id": ctx.run_id,
                }
                for key, f in fresh.items()
            ],
        )


def _failure_from(error: RecordError, raw: str | bytes) -> _Failure:
    source_url, kind = _guess_identity(raw)
    return _Failure(error.line or 0, error.field, error.reason, source_url, kind)


def _duplicate(number: int, first: int, raw: str | bytes) -> _Failure:
    source_url, kind = _guess_identity(raw)
    return _Failure(number, "source_url", f"duplicate of line {first} (same source_url); skipped", source_url, kind)


def _guess_identity(raw: str | bytes) -> tuple[str | None, str | None]:
    """source_url and kind of a line that failed validation, when its JSON is readable."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    url, kind = data.get("source_url"), data.get("kind")
    return (url if isinstance(url, str) and len(url) <= schema.URL_LEN else None, kind if isinstance(kind, str) else None)


def _copy_files(engine: Engine, db_url: str | None, files_dir: Path | None, sources: Sequence[Path], result: LoadResult) -> None:
    store = FileStore(default_store_root(db_url, files_dir))
    result.files_dir = str(store.root)
    report = fill_store(store, referenced_digests(engine), sources)
    result.files_stored = report.stored
    result.files_missing = len(report.missing)
    for sha in report.missing[:50]:
        result.problem(f"file sha256 {sha}: not found in --files-from {', '.join(map(str, sources))}")
    if len(report.missing) > 50:
        result.problem(f"... and {len(report.missing) - 50} more files not found")
    for text in report.rejected:
        result.problem(f"file not stored: {text}")


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)
