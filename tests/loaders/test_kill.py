"""A load whose database connection is killed mid-batch: a clear error, committed batches kept, and a
rerun that finishes with exact counts and no duplicates (PostgreSQL: pg_terminate_backend; MariaDB:
KILL CONNECTION; both issued from a second connection, inside the third batch's transaction); and
Ctrl-C, after which the run says interrupted with the counts of what committed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import make_url

import loaders.load
from loaders.export import export_records
from loaders.load import load_records
from loaders.status import read_status
from moha_migrate.errors import LoadError
from tests.loaders.helpers import count, redirect_count

BATCH = 10
KILL_AT = 3


def _terminate_postgres(db_url: str) -> int:
    import psycopg

    name = make_url(db_url).database
    with psycopg.connect(f"host=127.0.0.1 user=postgres dbname={name}", autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchall()
    return sum(1 for (ok,) in rows if ok)


def _kill_mariadb(db_url: str) -> int:
    import pymysql

    name = make_url(db_url).database
    admin = pymysql.connect(host="127.0.0.1", user="root", password="", autocommit=True)
    killed = 0
    try:
        with admin.cursor() as cur:
            cur.execute("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = %s AND ID <> CONNECTION_ID()", (name,))
            for (pid,) in cur.fetchall():
                cur.execute(f"KILL CONNECTION {int(pid)}")
                killed += 1
    finally:
        admin.close()
    return killed


@pytest.mark.parametrize("workers", [0, 1], ids=["in-process", "worker"])
@pytest.mark.parametrize("engine", ["postgresql", "mariadb"])
def test_killed_connection_then_rerun_finishes_with_exact_counts(
    engine: str, workers: int, request: pytest.FixtureRequest, corpus_file: Path, corpus: list, tmp_path: Path
) -> None:
    db_url = request.getfixturevalue("postgres_url" if engine == "postgresql" else "mariadb_url")
    killer = _terminate_postgres if engine == "postgresql" else _kill_mariadb
    killed: list[int] = []

    def hook(batch_number: int) -> None:
        if batch_number == KILL_AT:
            killed.append(killer(db_url))

    with pytest.raises(LoadError) as info:
        load_records(corpus_file, db_url, batch_size=BATCH, hook=hook, workers=workers)
    assert killed and killed[0] >= 1, "the test did not kill the loader's connection"
    message = str(info.value)
    assert f"batch {KILL_AT} (lines {BATCH * (KILL_AT - 1) + 1}-{BATCH * KILL_AT} of" in message
    assert "rerun the same command to finish" in message
    assert count(db_url, "id_map") == BATCH * (KILL_AT - 1), "committed batches must stay, the killed one must not"

    rerun = load_records(corpus_file, db_url, batch_size=BATCH, workers=workers)
    assert (rerun.inserted, rerun.unchanged, rerun.failed) == (len(corpus) - BATCH * (KILL_AT - 1), BATCH * (KILL_AT - 1), 0)
    assert count(db_url, "id_map") == len(corpus)
    per_kind = {k: sum(r.kind == k for r in corpus) for k in ("article", "document", "page", "media")}
    for kind, table in (("article", "articles"), ("document", "documents"), ("page", "pages"), ("media", "media")):
        assert count(db_url, table) == per_kind[kind], table
    assert redirect_count(db_url) == len({u for r in corpus for u in r.old_urls} | {
        u.replace("http://moha.gov.vn/", "http://www.moha.gov.vn/") for r in corpus for u in r.old_urls
    } | {u.replace("http://www.moha.gov.vn/", "http://moha.gov.vn/") for r in corpus for u in r.old_urls})
    out = tmp_path / "export.jsonl"
    export_records(db_url, out)
    assert out.read_text("utf-8") == corpus_file.read_text("utf-8")
    runs = read_status(db_url).runs
    assert [r["status"] for r in runs] == ["completed", "failed"]


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_ctrl_c_records_the_run_as_interrupted_with_what_committed(
    engine: str, request: pytest.FixtureRequest, corpus_file: Path, corpus: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C (KeyboardInterrupt in the loading thread) during the third batch: the run says
    interrupted at once, with the counts of the two batches that committed, not "running" until
    the next load; the rerun finishes the job. SQLite is interrupted inside the batch's own
    transaction (the hook); PostgreSQL while it plans the batch, with the two before it written
    behind (they commit: the writers finish what they were given)."""
    db_url = request.getfixturevalue("sqlite_url" if engine == "sqlite" else "postgres_url")
    hook = None
    if engine == "sqlite":
        def hook(batch_number: int) -> None:
            if batch_number == KILL_AT:
                raise KeyboardInterrupt
    else:
        plan = loaders.load._plan_behind

        def planning(pipeline: Any, prepared: Any, ctx: Any) -> Any:
            if prepared.number == KILL_AT:
                raise KeyboardInterrupt
            return plan(pipeline, prepared, ctx)

        monkeypatch.setattr(loaders.load, "_plan_behind", planning)
    with pytest.raises(KeyboardInterrupt):
        load_records(corpus_file, db_url, batch_size=BATCH, hook=hook)
    committed = BATCH * (KILL_AT - 1)
    assert count(db_url, "id_map") == committed
    run = read_status(db_url).runs[0]
    assert (run["status"], run["inserted"], run["failed"]) == ("interrupted", committed, 0)
    assert f"interrupted after {committed} line(s)" in run["message"]

    monkeypatch.undo()
    rerun = load_records(corpus_file, db_url, batch_size=BATCH)
    assert (rerun.inserted, rerun.unchanged) == (len(corpus) - committed, committed)
    assert [r["status"] for r in read_status(db_url).runs] == ["completed", "interrupted"]
