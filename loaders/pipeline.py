"""PostgreSQL loads: batches of new records planned from memory and written behind, by threads.

A PostgreSQL load spent most of its time waiting for the server, one step after the other: for
each COPY to end (5.4 s of a 14-18 s load of 50,733 records), for the key lookups (1.2 s) and
for the statistics they need (0.6 s), while the raw baseline of bench/load.py, COPY of the same
rows, is that server time alone (issue 6). What a batch of new records looks up (source keys, new
paths, old-URL keys) is either in the database when the load meets its first new record, or was
written by the load since. The loading process keeps both in memory as hashes (`KnownKeys`: a
snapshot of the database's keys, taken then, plus what each batch writes; load's `seen` holds the
load's own source keys). A batch of new records that meets none of them, and has no failed line
and no conflict inside it, is planned without asking the database: ids from the tables' sequences
(on a connection of its own: sequences are not transactional), rows formatted into COPY data
(`CopyData`), handed to `BatchWriter`, whose threads write it in a transaction of its own while the
next batch is planned (two batches in flight, committed in order). Any other batch waits until the
writers have committed every batch before it, then loads the usual way, with the database's answers.

Threads, not processes: a writer spends its time in libpq waiting for the server, with the GIL
released, and gets each table's rows as one formatted buffer, so it needs the GIL only between
blocks of data. (The GIL convoy noted in `prepare` came from a thread that formatted row after
row while another one parsed.)
"""

from __future__ import annotations

import io
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, Select, Table, exists, select
from sqlalchemy.exc import SQLAlchemyError

from loaders import content, schema
from loaders.rows import other_host, url_key
from moha_migrate.errors import LoadError

ID_MAP = schema.IdMap.__table__
REDIRECTS = schema.Redirect.__table__
CLAIMS = schema.RedirectClaim.__table__
SNAPSHOT_ROWS = 20_000
"""Rows fetched at a time while reading the keys a database holds (a server-side cursor: a portal's
redirect map can be millions of rows, which a plain fetch would hold in memory at once)."""


def database_errors(engine: Engine) -> tuple[type[BaseException], ...]:
    """What a database operation of `engine` raises: SQLAlchemy's errors, and the driver's own, which
    COPY through the driver's connection raises unwrapped."""
    return (SQLAlchemyError, engine.dialect.loaded_dbapi.Error)


def has_no_id_map_rows(conn: Connection) -> bool:
    """True before the first load: there are no lines loaded before to match a file's lines against."""
    return not conn.execute(select(exists().select_from(ID_MAP))).scalar()


@dataclass
class KnownKeys:
    """Every key a batch of new records could meet in the database: source keys, new paths and
    old-URL keys (both host forms of a two-host redirect row), as their hash() only.

    Ints, not the keys' 64-character strings: a full-scale portal has 175,000 old-URL rows. A
    false match only sends a batch the usual way, which asks the database.
    """

    keys: set[int] = field(default_factory=set)
    paths: set[int] = field(default_factory=set)
    url_keys: set[int] = field(default_factory=set)

    @classmethod
    def in_database(cls, conn: Connection) -> KnownKeys:
        """The keys the PostgreSQL database of `conn` holds now (read when nothing of this load is
        in flight), streamed."""
        known = cls()
        for key, path in _streamed(conn, select(ID_MAP.c.source_key, ID_MAP.c.dest_path)):
            known.keys.add(hash(key))
            if path is not None:
                known.paths.add(hash(path))
        for key, old_url, other_origin in _streamed(
            conn, select(REDIRECTS.c.url_key, REDIRECTS.c.old_url, REDIRECTS.c.other_origin)
        ):
            known.url_keys.add(hash(key))
            other = other_host(old_url) if other_origin is not None else None
            if other is not None:  # the row answers for the other host's form too
                known.url_keys.add(hash(url_key(other)))
        known.url_keys.update(hash(key) for (key,) in _streamed(conn, select(CLAIMS.c.url_key)))
        return known

    def meets(self, keys: Iterable[str], paths: Iterable[str], url_keys: Iterable[str]) -> bool:
        """Whether any of these source keys, new paths or old-URL keys is known."""
        return not (
            self.keys.isdisjoint(map(hash, keys)) and self.paths.isdisjoint(map(hash, paths))
            and self.url_keys.isdisjoint(map(hash, url_keys))
        )

    def note(self, keys: Iterable[str] = (), paths: Iterable[str] = (), url_keys: Iterable[str] = ()) -> None:
        """Remember what a batch wrote (or may have written: more is safe, it only costs lookups)."""
        self.keys.update(map(hash, keys))
        self.paths.update(map(hash, paths))
        self.url_keys.update(map(hash, url_keys))


def _streamed(conn: Connection, query: Select[Any]) -> Iterator[tuple[Any, ...]]:
    """The rows of `query`, SNAPSHOT_ROWS at a time, through a psycopg server-side cursor (in a
    transaction of its own: `conn` may be in autocommit, where such a cursor cannot live)."""
    raw = conn.connection.driver_connection
    assert raw is not None
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
    with raw.transaction(), raw.cursor(name="moha_known_keys") as cursor:
        cursor.itersize = SNAPSHOT_ROWS
        cursor.execute(str(compiled))
        yield from cursor


class ColumnTypes:
    """The type oids of tables' columns in the database of a connection, read once per table: binary
    COPY needs them (PostgreSQL casts nothing in binary COPY data)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._oids: dict[str, dict[str, int]] = {}

    def of(self, table: Table, columns: Sequence[str]) -> list[int]:
        oids = self._oids.get(table.name)
        if oids is None:
            rows = self._conn.exec_driver_sql(
                "SELECT attname, atttypid::int FROM pg_attribute"
                " WHERE attrelid = to_regclass(%(table)s) AND attnum > 0 AND NOT attisdropped",
                {"table": self._conn.dialect.identifier_preparer.quote(table.name)},
            ).all()
            oids = self._oids[table.name] = dict(rows)  # type: ignore[arg-type]
        try:
            return [oids[c] for c in columns]
        except KeyError as exc:
            raise LoadError(f"table {table.name} of the portal database has no column {exc.args[0]!r}: "
                            "is its schema at the tool's version? (moha-migrate load upgrades it)") from exc


class CopyData:
    """The COPY data of one batch, formatted ahead on the loading thread, written later by another
    connection (`write`).

    Binary COPY, formatted by psycopg itself (`psycopg.copy.FileWriter`, the connection's adapters,
    the columns' types from `ColumnTypes`): formatting took half the time the text format took
    (50,733 records: 0.33 s against 0.75 s), and the server reads it no slower (issue 6).
    """

    def __init__(self, reads: Connection, types: ColumnTypes) -> None:
        self._conn = reads
        self._types = types
        self.parts: list[tuple[str, bytes]] = []

    def add(self, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Format `rows` (tuples of `columns`) as the data of a COPY into `table`."""
        if not rows:
            return
        # imported here: psycopg and its libpq cost a SQLite load 19 MiB (issue 7's memory ratio)
        from psycopg.copy import Copy, FileWriter

        raw = self._conn.connection.driver_connection
        assert raw is not None
        types = self._types.of(table, columns)
        buffer = io.BytesIO()
        with raw.cursor() as cursor, Copy(cursor, binary=True, writer=FileWriter(buffer)) as copy:  # formats only: no I/O
            copy.set_types(types)
            write = copy.write_row
            for row in rows:
                write(row)
        self.parts.append((content.copy_statement(self._conn, table, columns) + " (FORMAT BINARY)", buffer.getvalue()))

    def write(self, conn: Connection) -> None:
        """COPY every part, in the order added, inside `conn`'s transaction."""
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor:
            for statement, data in self.parts:
                with cursor.copy(statement) as copy:
                    copy.write(data)


class WriteFailed(Exception):
    """A batch a writer thread wrote did not commit; `tag` is what it was submitted with."""

    def __init__(self, tag: Any, error: BaseException) -> None:
        super().__init__(str(error))
        self.tag = tag
        self.error = error


class BatchWriter:
    """Threads writing planned batches, each in a transaction of its own, committing in order.

    Two batches are in flight: while one waits for the server to finish its COPY, the next one's
    data already goes to a second connection, so that the server works on two cores when one is
    free (the server was busy 91-97 % of a PostgreSQL load, on one backend; 50,733 records, 7
    alternating pairs: median 8.08 -> 7.57 s; issue 6). Commits stay in order: a batch commits only
    after the one before it has, and rolls back if that one failed, so a failed batch stops the
    load with nothing after it written, as a load without the threads does. `submit` waits for
    the oldest batch when two are in flight (and raises WriteFailed if it did not commit).

    `hook(number)` runs in the batch's transaction after its writes and after every batch before
    it has committed, just before its own commit (as `load_records` documents it): what a hook
    sees, or breaks, is the same as in a load writing one batch after the other.
    """

    IN_FLIGHT = 2

    def __init__(self, engine: Engine, hook: Callable[[int], None] | None = None) -> None:
        self.engine = engine
        self.hook = hook
        self._pool = ThreadPoolExecutor(self.IN_FLIGHT, thread_name_prefix="moha-load-writer")
        self._pending: deque[tuple[Future[None], Any]] = deque()

    def submit(self, number: int, tag: Any, write: Callable[[Connection], None]) -> None:
        while len(self._pending) >= self.IN_FLIGHT:
            self._wait_oldest()
        before = self._pending[-1][0] if self._pending else None
        self._pending.append((self._pool.submit(self._run, number, write, before), tag))

    def _run(self, number: int, write: Callable[[Connection], None], before: Future[None] | None) -> None:
        with self.engine.begin() as conn:
            write(conn)
            if before is not None:
                before.result()  # the batch before failed: this one rolls back with it
            if self.hook is not None:
                self.hook(number)

    def _wait_oldest(self) -> None:
        future, tag = self._pending.popleft()
        try:
            future.result()
        except database_errors(self.engine) as exc:
            raise WriteFailed(tag, exc) from exc

    def wait(self) -> None:
        """Wait until every batch in flight has committed; WriteFailed for the first that has not."""
        while self._pending:
            self._wait_oldest()

    def close(self) -> None:
        """Let the batches in flight finish (each commits, or rolls back), then end the threads."""
        self._pool.shutdown(wait=True)

    def __enter__(self) -> BatchWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
