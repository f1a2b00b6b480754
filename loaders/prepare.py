"""The CPU-heavy half of a load: lines read in batches, hashed, matched against the lines loaded
before, and the rest parsed, validated and turned into rows, new paths and old URLs.

Parsing is a pure function of the lines, so worker processes do it while `load` writes the batch
before: on a 2-core machine a SQLite load takes 20-30 % less time that way (issue 6; 33,816
records 7.7 -> 5.9 s). Threads did not help: the writer releases the GIL at every row SQLite
steps through and then waited for the parsing thread's switch interval, which made a threaded
load slower than a plain one. The loading process itself hashes and matches each batch (one
query, or none once a small id map was read whole), so a no-change rerun parses nothing and
starts no worker.
"""

from __future__ import annotations

import gc
import hashlib
import json
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection as Connection_
from pathlib import Path
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Connection, Engine, select

from loaders import content, schema
from loaders.rows import (
    child_rows,
    content_hash,
    main_row,
    old_urls_column,
    provenance_columns,
    source_key,
)
from moha_migrate.errors import LoadError, RecordError
from moha_migrate.jsonl import parse_line
from moha_migrate.newurls import new_path
from moha_migrate.records import Article, Record, record_from_dict

ID_MAP = schema.IdMap.__table__
WORKER_MIN_BYTES = 8 * 1024 * 1024
"""Files smaller than this (about 2,000 records) are parsed in the loading process itself: with a
single batch or two there is nothing to overlap."""
MAX_WORKERS = 4
WHOLE_MAP_ROWS = 100_000
"""Up to this many id map rows, a load reads the whole map's lines once rather than asking for
each batch's (`LineMatcher`); about 43 MB of memory at the limit."""
FIRST_BATCH_LINES = 250
"""A load writing behind (PostgreSQL) has a first batch of at most this many lines, and next ones
twice as many as the one before, up to the batch size: nothing is written while the first batch is
parsed and planned, and there the server is the bottleneck once writing has started. The first
COPY started 0.68 s into a load of 50,733 records with batches of 2,000, and starts at 0.25 s with
these (issue 6). Other loads keep whole batches: for SQLite nothing was measured to gain, and at a
tenth of full scale the smaller batches lowered the load's peak memory (186 -> 165 MiB) while full
scale kept its own (251 MiB), which put bench/full.py's ratio over issue 7's 1.5x."""
READ_CHUNK = 4 * 1024 * 1024
GC_THRESHOLD = (50_000, 20, 100)
"""gc thresholds during a load, in the loading process and its workers (Python's defaults: 700, 10,
10): a batch is millions of small objects without cycles, see `load._fewer_collections`."""


class Ready(NamedTuple):
    """A valid record as `load` writes it: everything worked out from it but the database ids.

    Workers send these, not records: rows pickle in 60 % of the time records take, and the loading
    process, which is the busier of the two, no longer builds them (issue 6). `load` parses the
    record again from its line only when it rewrites an existing row (`--update`).
    """

    key: str
    """id_map.source_key (`rows.source_key` of the source URL)."""
    kind: str
    source_url: str
    category: str | None
    path: str
    old_urls: tuple[str, ...]
    """The record's old URLs: the loading process works out their redirect slots (`rows.url_slots`),
    which balances a 2-core load (the worker was the busier process) and sends 7 strings instead of
    7 tuples of 5 per record."""
    main: dict[str, Any] | None
    """The main table's row without its id; None when the article's category is not in the profile."""
    children: dict[str, list[dict[str, Any]]]
    """Child rows by table, their parent column left None (`content.insert_child_rows` fills it)."""
    map_columns: dict[str, Any]
    """The id_map columns that follow from the record and its line (`load._map_values` adds the rest)."""

    @property
    def hash(self) -> str:
        return self.map_columns["row_hash"]


Parsed = tuple[int, bytes, "Ready | None", "RecordError | None"]


@dataclass
class Prepared:
    """One batch read, hashed, matched against lines loaded before, and the rest parsed."""

    number: int
    lines: list[tuple[int, bytes]]
    line_hashes: dict[int, str]
    known: dict[str, tuple[int, str, str]]
    """line hash -> (id_map id, source key, status) of the lines of the batch that loaded before."""
    parsed: list[Parsed]
    """(line number, raw line, the record made ready or the error why there is none) of the lines
    not loaded before. The decoded text is not kept: it would be a third copy of every line while
    the batch waits (issue 6)."""


def iter_batches(path: Path, size: int, first: int | None = None) -> Iterator[list[tuple[int, bytes]]]:
    """The non-blank lines of `path` as bytes, numbered from 1, in batches of `size`; with `first`,
    the first batch has that many lines and each next one twice as many, up to `size` (`ramp`).

    Bytes, not text: a rerun matches most lines by the hash of their bytes and never needs them
    as text, and decoding then re-encoding every line was a fifth of a no-change rerun (issue 6).
    The hash is the one of the text line stripped: a line that can have loaded is JSON, whose
    leading and trailing whitespace is ASCII.
    """
    batch: list[tuple[int, bytes]] = []
    number = 0
    sizes = ramp(size, first)
    want = next(sizes)
    try:
        with path.open("rb") as fh:
            # read in large chunks and split them, rather than line by line: iterating a file's
            # lines was a twentieth of the loading process's time (issue 6). The numbering is the
            # same: binary files break lines at b"\n" only.
            tail = b""
            while chunk := fh.read(READ_CHUNK):
                lines = (tail + chunk).split(b"\n")
                tail = lines.pop()
                for raw in lines:
                    number += 1
                    if raw.strip():
                        batch.append((number, raw))
                        if len(batch) >= want:
                            yield batch
                            batch = []
                            want = next(sizes)
            if tail.strip():
                batch.append((number + 1, tail))
    except OSError as exc:
        raise LoadError(f"cannot read {path}: {exc.strerror}") from exc
    if batch:
        yield batch


def ramp(size: int, first: int | None) -> Iterator[int]:
    """Batch sizes: `first` (when given and smaller than `size`), doubling up to `size`, then `size`."""
    want = size if first is None else max(1, min(first, size))
    while want < size:
        yield want
        want *= 2
    while True:
        yield size


def prepare_batch(
    path: Path, number: int, batch: list[tuple[int, bytes]], matcher: LineMatcher | None, categories: Mapping[str, int]
) -> Prepared:
    """Hash, match and parse one batch; reads the database (when `matcher` is given), never writes.

    `categories`: category ids by slug, those of the site profile (an article in another one
    gets no main row, and `load` reports it).
    """
    prepared = Prepared(number, batch, *match_lines(batch, matcher), [])
    prepared.parsed = parse_lines(path, to_parse(prepared), categories)
    return prepared


def match_lines(
    batch: list[tuple[int, bytes]], matcher: LineMatcher | None
) -> tuple[dict[int, str], dict[str, tuple[int, str, str]]]:
    """The hash of each line, and the lines among them that loaded before (`LineMatcher`)."""
    line_hashes = {n: hashlib.sha256(raw.strip()).hexdigest() for n, raw in batch}
    known = matcher.known(list(line_hashes.values())) if matcher is not None else {}
    return line_hashes, known


class LineMatcher:
    """Which lines of a file loaded before, batch by batch: one query per batch (`known_lines`), or,
    on a portal of at most WHOLE_MAP_ROWS id map rows, the whole map's lines read once.

    A no-change PostgreSQL rerun of 50,733 records spent a third of its time in the per-batch
    queries (the server scans the id map for each batch's 2,000 hashes while the map is small),
    against 0.08 s for reading the whole map once; SQLite's per-batch matching was 0.26 s of a
    0.78 s rerun (issue 6: the rerun must stay under a tenth of the first load).
    Lines this load commits after the map was read are parsed instead of skipped, as lines
    committed after a batch's query always were: `load` finds them by their source keys.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._whole: dict[str, tuple[int, str, str]] | None = None
        self._asked = False

    def known(self, hashes: list[str]) -> dict[str, tuple[int, str, str]]:
        """line hash -> (id_map id, source key, status) of the lines among `hashes` that loaded before."""
        if self._whole is None:
            with self.engine.connect() as conn:
                if not self._asked:
                    self._asked = True
                    self._whole = whole_map_lines(conn)
                if self._whole is None:
                    return known_lines(conn, hashes)
        whole = self._whole
        return {h: whole[h] for h in hashes if h in whole}


def to_parse(prepared: Prepared) -> list[tuple[int, bytes, str]]:
    """(line number, raw line, line hash) of the lines of a batch that did not load before."""
    hashes, known = prepared.line_hashes, prepared.known
    return [(n, raw, hashes[n]) for n, raw in prepared.lines if hashes[n] not in known]


def parse_lines(path: Path, lines: list[tuple[int, bytes, str]], categories: Mapping[str, int]) -> list[Parsed]:
    """Parse (line number, raw line, line hash) triples into records made ready, or their errors."""
    parsed: list[Parsed] = []
    for n, raw_bytes, line_hash in lines:
        record, error, content_key = parse(path, raw_bytes, n)
        ready = make_ready(record, n, content_key, line_hash, categories) if record is not None else None
        parsed.append((n, raw_bytes, ready, error))
    return parsed


def make_ready(record: Record, line: int, content_key: str, line_hash: str, categories: Mapping[str, int]) -> Ready:
    """Everything `load` writes for a valid record, but the ids the database gives."""
    path = new_path(record)
    category = record.category if isinstance(record, Article) else None
    known_category = category is None or category in categories
    return Ready(
        key=source_key(record.source_url),
        kind=record.kind,
        source_url=record.source_url,
        category=category,
        path=path,
        old_urls=record.old_urls,
        main=main_row(record, path, categories) if known_category else None,
        children=child_rows(record, None) if known_category else {},
        map_columns={
            "source_url": record.source_url,
            "kind": record.kind,
            "dest_path": path,
            "row_hash": content_key,
            "line_hash": line_hash,
            "line": line,
            "old_urls": old_urls_column(record),
            **provenance_columns(record),
        },
    )


def record_of(path: Path, raw_bytes: bytes, number: int) -> Record:
    """The record of a line that validated before (a worker's result holds rows, not records)."""
    record, error, _ = parse(path, raw_bytes, number)
    if record is None:  # the same bytes validated a moment ago
        raise LoadError(f"{path}: line {number} no longer validates: {error}")
    return record


def parse(path: Path, raw_bytes: bytes, number: int) -> tuple[Record | None, RecordError | None, str]:
    """The line's record or the error why it is none (jsonl's own wording), and the content hash
    of its JSON object.

    orjson parses the bytes as they are (UTF-8 checked on the way), twice as fast as decoding and
    `json.loads` (issue 6). A line it refuses goes through `json` after all, which is what the
    rest of the project reads records with: what json takes and orjson does not (NaN, integers
    beyond 64 bits, escaped lone surrogates) reaches the validator as before.
    """
    try:
        data = orjson.loads(raw_bytes)
    except orjson.JSONDecodeError:
        try:
            raw = raw_bytes.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise LoadError(f"{path}: line {number} is not UTF-8 text: {exc.reason} at byte {exc.start}") from exc
        try:
            data = json.loads(raw)
        except json.JSONDecodeError:
            return None, parse_line(raw, number).error, ""  # jsonl words the error
    try:
        return record_from_dict(data, line=number), None, content_hash(data)
    except RecordError as exc:
        return None, exc, ""


def known_lines(conn: Connection, hashes: list[str]) -> dict[str, tuple[int, str, str]]:
    """The lines among `hashes` that a load wrote before: line hash -> (id_map id, source key, status).

    On PostgreSQL the rows are read through the driver's cursor: SQLAlchemy's rows were a third of
    the time a no-change rerun spent matching its lines (issue 6: the rerun must stay under a tenth
    of a first load, which writing behind made faster). Line hashes are hex, so they join with newlines.
    """
    if content.is_psycopg(conn) and hashes:
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor:
            cursor.execute(
                "SELECT line_hash, id, source_key, status FROM id_map"
                " WHERE line_hash = ANY(string_to_array(%s, E'\\n')) AND dest_id IS NOT NULL",
                ["\n".join(hashes)],
            )
            return _by_line_hash(cursor.fetchall())
    out: dict[str, tuple[int, str, str]] = {}
    for clause in content.matching(conn, ID_MAP.c.line_hash, hashes):
        stmt = select(ID_MAP.c.line_hash, ID_MAP.c.id, ID_MAP.c.source_key, ID_MAP.c.status).where(
            clause, ID_MAP.c.dest_id.is_not(None)
        )
        out.update(_by_line_hash(conn.execute(stmt)))
    return out


def _by_line_hash(rows: Iterable[Sequence[Any]]) -> dict[str, tuple[int, str, str]]:
    """(line_hash, id, source_key, status) rows of the id map as `known_lines` gives them."""
    return {line_hash: (map_id, key, status) for line_hash, map_id, key, status in rows}


def whole_map_lines(conn: Connection) -> dict[str, tuple[int, str, str]] | None:
    """Every line the id map knows (as `known_lines` gives them), or None when the map may hold
    more than WHOLE_MAP_ROWS rows (its largest id, read from the primary key's index).

    Through the driver's own cursor, on every engine: SQLAlchemy's rows were 60 % of the time a
    SQLite rerun spent matching, and the statements take no parameters, so they are the same text
    for every DB-API driver.
    """
    raw = conn.connection.driver_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        cursor.execute("SELECT max(id) FROM id_map")
        (largest,) = cursor.fetchone()
        if largest is not None and largest > WHOLE_MAP_ROWS:
            return None
        cursor.execute(
            "SELECT line_hash, id, source_key, status FROM id_map WHERE line_hash IS NOT NULL AND dest_id IS NOT NULL"
        )
        return _by_line_hash(cursor.fetchall())
    finally:
        cursor.close()


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS tells it, else all)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def worker_count(path: Path) -> int:
    """How many worker processes should parse the batches of `path` (0: the loading process does).

    One, with two or three cores: the loading process keeps a core busy writing, and a second
    worker on a 2-core machine only added memory (50,733 records: 9.4-10.1 s with one worker,
    9.9-10.4 s with two). None for small files (starting one costs more than it saves).
    """
    cores = usable_cores()
    try:
        if cores < 2 or path.stat().st_size < WORKER_MIN_BYTES:
            return 0
    except OSError:
        return 0  # iter_batches words the error
    return 1 if cores < 4 else min(cores - 2, MAX_WORKERS)


def iter_prepared(
    engine: Engine | None,
    path: Path,
    batch_size: int,
    workers: int,
    categories: Mapping[str, int],
    first_batch: int | None = None,
) -> Iterator[Prepared]:
    """Prepared batches in file order; with `workers` worker processes parsing the lines (0: here);
    with `first_batch`, batch sizes ramp up from it (`iter_batches`).

    The loading process hashes each batch and matches it against the lines loaded before itself
    (cheap, and a no-change rerun then sends a worker nothing); workers parse the rest, each one
    batch at a time, while the caller writes the batch before. Lines the caller commits meanwhile
    may be parsed instead of skipped; the writer's duplicate check treats both paths alike. The
    first batch is parsed here, while the workers start on the next ones.
    """
    batches = enumerate(iter_batches(path, batch_size, first_batch), start=1)
    matcher = LineMatcher(engine) if engine is not None else None
    if workers <= 0:
        for number, batch in batches:
            yield prepare_batch(path, number, batch, matcher, categories)
        return
    pool = _Workers(categories)
    waiting: deque[tuple[Prepared, _Worker | None]] = deque()
    idle: list[_Worker | None] = [None] * workers  # None: a worker not forked yet
    more = True

    def fill() -> None:
        """Read batches ahead while a worker is idle (lines only: at most one batch per worker,
        and one more that needed no parsing, is waiting)."""
        nonlocal more
        while more and idle and len(waiting) <= workers:
            item = next(batches, None)
            if item is None:
                more = False
                return
            number, batch = item
            prepared = Prepared(number, batch, *match_lines(batch, matcher), [])
            todo = to_parse(prepared)
            worker = None
            if todo:
                worker = idle.pop() or pool.start()
                worker.send(prepared, (path, todo))
            waiting.append((prepared, worker))

    try:
        first = next(batches, None)
        if first is None:
            return
        fill()
        # the first batch is parsed here while a worker parses the next: waiting for the worker to
        # parse it left the loading process (and on PostgreSQL the writer) idle a third of a second
        yield prepare_batch(path, *first, matcher, categories)
        del first  # its lines, else alive the whole load (8 MiB of article lines at full scale)
        while waiting:
            prepared, worker = waiting.popleft()
            if worker is not None:
                prepared.parsed = _with_lines(worker.receive(prepared), prepared.lines)
                idle.append(worker)
            fill()  # the next batch goes to the worker now, to be parsed while this one is written
            yield prepared
            del prepared  # before the next batch arrives: a batch kept alive meanwhile was 60 MiB
    finally:
        pool.close()


def _with_lines(parsed: list[Parsed], lines: list[tuple[int, bytes]]) -> list[Parsed]:
    """A worker's parsed lines with the raw lines put back in (they are not sent back)."""
    raw_of = dict(lines)
    return [(n, raw_of[n], ready, error) for n, _, ready, error in parsed]


class _Worker:
    """One parsing process and the pipe to it: one batch out, its parsed lines back."""

    def __init__(self, process: multiprocessing.process.BaseProcess, conn: Connection_) -> None:
        self.process = process
        self.conn = conn

    def send(self, prepared: Prepared, task: tuple[Path, list[tuple[int, bytes, str]]]) -> None:
        try:
            self.conn.send(task)
        except (OSError, ValueError) as exc:
            raise _worker_died(prepared, exc) from exc

    def receive(self, prepared: Prepared) -> list[Parsed]:
        try:
            status, payload = self.conn.recv()
        except (EOFError, OSError) as exc:
            raise _worker_died(prepared, exc) from exc
        if status == "error":
            raise payload
        return payload


class _Workers:
    """Forked parsing processes, each fed one batch at a time over a pipe of its own.

    Not a ProcessPoolExecutor: its results arrive through a thread of its own, whose malloc arena
    then held the strings of a whole batch more while the writer worked (a full-scale load peaked
    at 296 MiB against 226 MiB parsing in place). Read by the loading thread itself, a result
    stays in the worker, blocked on the pipe, until the writer is ready for it.

    fork, not spawn or forkserver: those run the caller's main module again in each worker, and a
    script calling load_records without an `if __name__ == "__main__":` guard would start a second
    load there. A forked worker only parses: it never touches what it inherited (the caller's
    database connections, the locks of its other threads), and closes the parent's ends of the
    pipes so that it sees the end of its input when the loading process dies.
    """

    def __init__(self, categories: Mapping[str, int]) -> None:
        self.categories = dict(categories)
        self.workers: list[_Worker] = []

    def start(self) -> _Worker:
        """Fork one more worker (started only when a batch needs parsing: a rerun forks none)."""
        context = multiprocessing.get_context("fork")
        ours, theirs = context.Pipe()
        parent_ends = [w.conn for w in self.workers] + [ours]
        process = context.Process(
            target=_worker_main,
            args=(theirs, parent_ends, self.categories),
            name=f"moha-load-parser-{len(self.workers)}",
            daemon=True,
        )
        process.start()
        theirs.close()
        worker = _Worker(process, ours)
        self.workers.append(worker)
        return worker

    def close(self) -> None:
        """Stop the workers: end their input, then wait for them a moment, then terminate them."""
        for worker in self.workers:
            worker.conn.close()
        for worker in self.workers:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.terminate()
                worker.process.join(timeout=5)


def _worker_died(prepared: Prepared, exc: BaseException) -> LoadError:
    lines = prepared.lines
    return LoadError(
        f"the worker process parsing lines {lines[0][0]}-{lines[-1][0]} died ({type(exc).__name__}: {exc}); "
        "what loaded before is committed: rerun the same command to finish"
    )


def _worker_main(conn: Connection_, parent_ends: list[Connection_], categories: dict[str, int]) -> None:
    """A worker's loop: parse the batches it is sent until its input ends."""
    for end in parent_ends:
        end.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the loading process's to handle
    # what the worker inherited stays out of its collections: walking it would touch, and so copy,
    # every page of the parent's heap (a load called from a process holding much was 25 % slower)
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
    while True:
        try:
            path, lines = conn.recv()
        except (EOFError, OSError):
            return
        try:
            # the raw lines are left out of what goes back: the loading process has them
            reply: tuple[str, Any] = ("ok", [(n, b"", ready, error) for n, _, ready, error in parse_lines(path, lines, categories)])
        except Exception as exc:  # noqa: BLE001 - the loading process raises it
            reply = ("error", exc if isinstance(exc, LoadError) else LoadError(f"parsing {path} failed: {type(exc).__name__}: {exc}"))
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return
