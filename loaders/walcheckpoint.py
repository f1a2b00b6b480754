"""Checkpoint a SQLite database's write-ahead log on a thread of its own while a load writes.

SQLite copies the WAL back into the database file in the connection whose commit takes the WAL
past `wal_autocheckpoint` pages, and with `synchronous=NORMAL` that copy ends in two fsyncs: at
50,733 records the loading thread spent 1.7-2.4 s of an 8-10 s load waiting in its commits
(issue 6). While a `WalCheckpointer` is open, the engine's connections do not checkpoint; after
each batch commits, its thread runs a PASSIVE checkpoint on a connection of its own, while the
loading thread receives and classifies the next batch.

The next batch waits for that checkpoint before its first write (`before_writes`): a write
transaction starts the WAL over from its beginning only when everything in it was copied back,
so the WAL stays about one batch long. Left to grow (no checkpoint until the end), it made the
same load 30 % slower: every page read searches a longer wal-index.

A checkpoint that fails costs nothing committed (the WAL keeps it, and the last connection to
close checkpoints): it is logged, and the connections checkpoint on their own again.
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType

from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)


class WalCheckpointer:
    """A thread that checkpoints the WAL of `engine`'s SQLite database when asked (`committed`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._changed = threading.Condition()
        self._asked = 0  # checkpoints asked for so far
        self._done = 0  # the number of the last one asked for when the latest checkpoint began
        self._closing = False
        self._behind = False  # checkpoints are this thread's: the connections do none
        self._autocheckpoint = 1000  # SQLite's default; replaced by the database's own setting
        self._thread = threading.Thread(target=self._run, name="moha-load-wal-checkpoint", daemon=True)

    @classmethod
    def wanted(cls, engine: Engine, dry_run: bool) -> bool:
        """Whether a load into `engine` writes a WAL worth checkpointing behind: a SQLite file
        database (WAL is set on every connection, `db.apply_sqlite_pragmas`), not a dry run."""
        database = engine.url.database or ""
        return (
            not dry_run
            and engine.dialect.name == "sqlite"
            and database not in ("", ":memory:")
            and "mode=memory" not in database
        )

    def __enter__(self) -> WalCheckpointer:
        try:
            with self.engine.connect() as conn:
                mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
                self._autocheckpoint = int(conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() or 1000)
        except DBAPIError:
            return self  # the load's own first statement words the error
        if str(mode).lower() != "wal":
            return self  # no WAL: nothing to checkpoint, stay out of the way
        self._behind = True
        event.listen(self.engine, "checkout", self._on_checkout)
        event.listen(self.engine, "checkin", self._on_checkin)
        return self  # the thread starts with the first commit (a load that fails before it needs none)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        if self._thread.ident is not None:
            self._thread.join()
        if event.contains(self.engine, "checkout", self._on_checkout):
            event.remove(self.engine, "checkout", self._on_checkout)
            event.remove(self.engine, "checkin", self._on_checkin)

    def committed(self) -> None:
        """A batch committed: checkpoint what the WAL holds."""
        with self._changed:
            if not self._behind:
                return  # the connections checkpoint on their own
            self._asked += 1
            self._changed.notify_all()
        if self._thread.ident is None:
            self._thread.start()

    def before_writes(self) -> None:
        """Wait until the checkpoint last asked for has run (so that the WAL starts over)."""
        with self._changed:
            while self._done < self._asked and self._behind and self._thread.ident is not None:
                self._changed.wait()

    def _on_checkout(self, dbapi_conn, _record, _proxy) -> None:  # type: ignore[no-untyped-def]
        # the loading connections leave checkpoints to the thread (while it works)
        value = 0 if self._behind else self._autocheckpoint
        dbapi_conn.execute(f"PRAGMA wal_autocheckpoint={value}")

    def _on_checkin(self, dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        if dbapi_conn is not None:
            dbapi_conn.execute(f"PRAGMA wal_autocheckpoint={self._autocheckpoint}")

    def _run(self) -> None:
        try:
            with self.engine.connect() as conn:
                raw = conn.connection.driver_connection
                assert raw is not None
                # closed at the end, not pooled: the pool would hand its 16-page cache to a reader
                conn.detach()
                # a checkpoint copies frames without the page cache: the 16 MiB every connection of
                # the tool may cache (`db.apply_sqlite_pragmas`) would be memory for nothing here (a
                # full-scale load peaked at 225-230 MiB with it, 212-224 without; 209-215 before)
                raw.execute("PRAGMA cache_size=16")
                while True:
                    with self._changed:
                        while self._done == self._asked and not self._closing:
                            self._changed.wait()
                        if self._done == self._asked:  # closing, and nothing left to do
                            return
                        number = self._asked
                    raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    with self._changed:
                        self._done = number
                        self._changed.notify_all()
        except Exception as exc:  # noqa: BLE001 - nothing committed is lost: say so, and step aside
            log.warning(
                "checkpointing the WAL of %s behind the load failed (%s: %s); its connections checkpoint "
                "on their own from now on, and nothing committed is lost",
                self.engine.url.database, type(exc).__name__, exc,
            )
        finally:
            with self._changed:
                self._behind = False
                self._changed.notify_all()
