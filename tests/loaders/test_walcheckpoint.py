"""loaders/walcheckpoint.py: while a SQLite load writes, its connections leave checkpoints to a thread
of their own, the WAL starts over at every batch instead of growing, the connections checkpoint on
their own again afterwards, and a load through it writes what it always wrote."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from sqlalchemy import Connection, create_engine, text

from loaders.db import make_engine
from loaders.load import load_records
from loaders.walcheckpoint import WalCheckpointer
from tests.loaders.helpers import count

ROW = "x" * 20_000  # a batch of 20 of these is ~25 pages of 16 KiB: well past what one checkpoint copies


def _write_batch(conn: Connection, number: int) -> None:
    conn.execute(text("INSERT INTO blobs (n, body) VALUES (:n, :body)"), [{"n": number * 100 + i, "body": ROW} for i in range(20)])


def _wal_bytes(db: Path) -> int:
    wal = Path(f"{db}-wal")
    return wal.stat().st_size if wal.exists() else 0


def _batches(db: Path, ask_for_checkpoints: bool, batches: int = 12) -> int:
    """Write `batches` transactions the way a load does, with a checkpointer open that is asked for
    a checkpoint after each commit, or never; return the WAL file's size before the end."""
    engine = make_engine(f"sqlite:///{db}")
    try:
        with WalCheckpointer(engine) as checkpointer:
            with engine.begin() as conn:
                conn.execute(text("CREATE TABLE blobs (n INTEGER PRIMARY KEY, body TEXT)"))
            for number in range(batches):
                with engine.begin() as conn:
                    checkpointer.before_writes()
                    _write_batch(conn, number)
                if ask_for_checkpoints:
                    checkpointer.committed()
            return _wal_bytes(db)  # before the last connection's close copies everything back
    finally:
        engine.dispose()


def test_the_wal_starts_over_at_every_batch_instead_of_growing(tmp_path: Path) -> None:
    grown = _batches(tmp_path / "grown.db", ask_for_checkpoints=False)  # no checkpoint at all: every batch stays
    kept = _batches(tmp_path / "portal.db", ask_for_checkpoints=True)
    assert grown > 10 * 20 * len(ROW)
    assert kept < grown / 4, (kept, grown)
    check = create_engine(f"sqlite:///{tmp_path / 'portal.db'}")
    with check.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM blobs")).scalar_one() == 12 * 20
    check.dispose()


def test_connections_leave_checkpoints_to_the_thread_only_while_it_is_open(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'portal.db'}")
    try:
        with engine.connect() as conn:
            before = conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one()
        with WalCheckpointer(engine):
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == 0
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == before == 1000
    finally:
        engine.dispose()


def test_the_checkpointing_connection_is_not_handed_out_again_with_its_small_cache(tmp_path: Path) -> None:
    """The thread's connection keeps a 16-page cache; after the load no connection the pool hands
    out may have it (the tool's own setting, `db.apply_sqlite_pragmas`, is 16 MiB)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'portal.db'}")
    try:
        with WalCheckpointer(engine) as checkpointer:
            for number in range(3):
                with engine.begin() as conn:
                    checkpointer.before_writes()
                    conn.execute(text("CREATE TABLE IF NOT EXISTS blobs (n INTEGER PRIMARY KEY, body TEXT)"))
                    _write_batch(conn, number)
                checkpointer.committed()
            checkpointer.before_writes()  # the thread has checkpointed on its connection
        pooled = [engine.connect() for _ in range(engine.pool.checkedin() + 1)]
        try:
            assert [c.exec_driver_sql("PRAGMA cache_size").scalar_one() for c in pooled] == [-16384] * len(pooled)
        finally:
            for conn in pooled:
                conn.close()
    finally:
        engine.dispose()


def test_only_a_sqlite_file_that_is_written_gets_one(tmp_path: Path, postgres_url: str) -> None:
    assert WalCheckpointer.wanted(make_engine(f"sqlite:///{tmp_path / 'p.db'}"), dry_run=False)
    assert not WalCheckpointer.wanted(make_engine(f"sqlite:///{tmp_path / 'p.db'}"), dry_run=True)
    assert not WalCheckpointer.wanted(make_engine("sqlite://"), dry_run=False)
    assert not WalCheckpointer.wanted(make_engine(postgres_url), dry_run=False)


def test_a_sqlite_load_checkpoints_behind_its_batches_and_loads_everything(sqlite_url: str, corpus_file: Path) -> None:
    seen: list[tuple[int, str]] = []

    def hook(number: int) -> None:  # inside each batch's transaction, on the loading thread
        seen.append((number, threading.current_thread().name))
        threads = {t.name for t in threading.enumerate()}
        assert number == 1 or "moha-load-wal-checkpoint" in threads  # started by the first commit

    result = load_records(corpus_file, sqlite_url, batch_size=7, hook=hook)
    lines = sum(1 for _ in corpus_file.open(encoding="utf-8"))
    assert result.inserted == lines and result.failed == 0
    assert len(seen) == -(-lines // 7)
    assert "moha-load-wal-checkpoint" not in {t.name for t in threading.enumerate()}  # joined at the end
    assert count(sqlite_url, "id_map") == lines
    db = Path(sqlite_url.removeprefix("sqlite:///"))
    assert not Path(f"{db}-wal").exists() or os.path.getsize(f"{db}-wal") == 0  # the last close copied it all back
