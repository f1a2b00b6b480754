"""Benchmark `load` against a raw baseline that inserts the same rows, on SQLite and PostgreSQL.

    .venv/bin/python bench/load.py [--scale 24000] [--seed 1] [--workdir DIR] [--no-postgres]

The records are the replica's ground truth (`Site(seed, scale).truth_records()`; scale 24000 gives
just over 50,000 records: 24,000 articles, 4,500 documents, pages and ~22,000 media; "full" gives
33,816). For each engine it prints:
- load: records/s of `loaders.load.load_records` into an empty database (parse + validate + hash +
  new paths + every row: content, children, old URLs, redirects, id map); on PostgreSQL that is a
  first load, whose batches writer threads COPY behind the planning of the next, two in flight (`loaders.pipeline`),
  and where its CPU went (loading process, parsing workers, the rest: the server);
- raw baseline: the same rows, read back from the loaded database, inserted into an empty copy of
  the schema with the driver alone (sqlite3 `executemany` on a connection with the loader's own
  pragmas, `loaders.db.apply_sqlite_pragmas`; psycopg `COPY`, and `executemany`), i.e. what the
  database costs for the same final table contents without any of the tool's work;
- a no-change rerun of the same file, as a fraction of the first load's time.
Targets (issue 6): >= 5,000 records/s on SQLite; PostgreSQL >= 0.8x its raw baseline; rerun <= 10%.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, make_url, text  # noqa: E402

from loaders import schema  # noqa: E402
from loaders.db import apply_sqlite_pragmas, connect  # noqa: E402
from loaders.load import load_records  # noqa: E402
from moha_migrate.jsonl import write_records  # noqa: E402

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test"
TABLE_ORDER = [t.name for t in schema.Base.metadata.sorted_tables]


def write_truth(path: Path, seed: int, scale: str | int) -> tuple[int, float]:
    from replica.site import Site

    started = time.perf_counter()
    count = write_records(Site(seed=seed, scale=scale).truth_records(), path)
    return count, time.perf_counter() - started


def rows_of(db_url: str) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """Every row the load wrote, per table (bookkeeping of runs left out: the baseline has no runs)."""
    engine = create_engine(db_url)
    out = {}
    with engine.connect() as conn:
        for name in TABLE_ORDER:
            if name in ("alembic_version",):
                continue
            result = conn.execute(text(f"SELECT * FROM {name}"))
            out[name] = (list(result.keys()), [tuple(r) for r in result])
    engine.dispose()
    return out


def settle() -> None:
    """Write out what earlier steps left in the page cache before a timed step: the kernel flushing
    the SQLite files of the step before (hundreds of MB) stalled PostgreSQL's commits in the next
    one, and made the PostgreSQL figures depend on what ran before them."""
    os.sync()


def timed_load(records: Path, db_url: str, **kw: Any) -> tuple[float, Any]:
    settle()
    started = time.perf_counter()
    result = load_records(records, db_url, **kw)
    return time.perf_counter() - started, result


def cpu_seconds() -> tuple[float, float, float]:
    """CPU seconds so far of this process, of its waited-for children (the load's parsing workers)
    and of the whole machine (with psutil; 0.0 without)."""
    mine = os.times()
    try:
        import psutil

        machine = psutil.cpu_times()
        total = machine.user + machine.system + getattr(machine, "nice", 0.0)
    except ImportError:
        total = 0.0
    return mine.user + mine.system, mine.children_user + mine.children_system, total


def report_cpu(engine: str, before: tuple[float, float, float], after: tuple[float, float, float], wall: float) -> None:
    """Where a load's CPU went: on a machine of few cores the load is bounded by its total CPU
    divided by the cores, whatever overlaps (issue 6)."""
    own, workers, machine = (b - a for a, b in zip(before, after, strict=True))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    line = f"{engine}: load CPU: loading process {own:.1f} s, parsing workers {workers:.1f} s"
    if machine:
        line += (f", rest of the machine (the database server) {max(machine - own - workers, 0.0):.1f} s; "
                 f"total {machine:.1f} s over {cores} cores = {machine / cores:.1f} s at best, against {wall:.1f} s")
    print(line)


def sqlite_baseline(rows: dict[str, tuple[list[str], list[tuple[Any, ...]]]], workdir: Path) -> float:
    """sqlite3.executemany of the same rows into an empty schema (the loader's own pragmas and page
    size), one transaction per 20,000 rows of a table."""
    target = workdir / "baseline.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    connect(f"sqlite:///{target}").dispose()  # the schema, by the same migrations
    conn = sqlite3.connect(target)
    apply_sqlite_pragmas(conn)
    settle()
    started = time.perf_counter()
    for name, (columns, data) in rows.items():
        sql = f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
        step = 20_000
        for start in range(0, len(data), step):
            conn.executemany(sql, [tuple(_sqlite_value(v) for v in row) for row in data[start:start + step]])
            conn.commit()
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def _sqlite_value(value: Any) -> Any:
    return value.isoformat(sep=" ") if hasattr(value, "isoformat") and not isinstance(value, str) else value


def _pg_database(name: str) -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def _pg_drop(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_baseline(rows: dict[str, tuple[list[str], list[tuple[Any, ...]]]], method: str) -> float:
    """psycopg COPY (or executemany) of the same rows into an empty schema."""
    import psycopg

    name = f"moha_bench_raw_{os.getpid()}"
    url = _pg_database(name)
    connect(url).dispose()
    try:
        with psycopg.connect(f"host=127.0.0.1 user=postgres dbname={make_url(url).database}") as conn:
            settle()
            started = time.perf_counter()
            for table, (columns, data) in rows.items():
                cols = ", ".join(columns)
                if method == "copy":
                    with conn.cursor().copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                        for row in data:
                            copy.write_row(row)
                else:
                    with conn.cursor() as cur:
                        cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(columns))})", data)
                conn.commit()
            return time.perf_counter() - started
    finally:
        _pg_drop(name)


def report(engine: str, n: int, load_s: float, rerun_s: float, baselines: dict[str, float]) -> None:
    print(f"{engine}: load {n} records in {load_s:.1f} s = {n / load_s:,.0f} records/s")
    for label, seconds in baselines.items():
        print(f"{engine}: raw baseline ({label}) of the same rows {seconds:.1f} s = {n / seconds:,.0f} records/s; "
              f"load / baseline speed = {seconds / load_s:.2f}x")
    print(f"{engine}: no-change rerun {rerun_s:.2f} s = {rerun_s / load_s:.1%} of the first load")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="24000", help="replica scale: test, demo, full or a number of articles")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=None, help="keep the files here (default: a temporary dir)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--records", type=Path, default=None, help="use this records.jsonl instead of generating the truth")
    args = parser.parse_args()
    scale: str | int = int(args.scale) if args.scale.isdigit() else args.scale
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="moha-bench-load-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        records = args.records or workdir / "records.jsonl"
        if args.records is None:
            n, gen_s = write_truth(records, args.seed, scale)
            print(f"truth: {n} records (seed {args.seed}, scale {args.scale}) written in {gen_s:.1f} s (not counted)")
        else:
            n = sum(1 for line in records.open(encoding="utf-8") if line.strip())

        db = workdir / "portal.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        sqlite_url = f"sqlite:///{db}"
        load_s, result = timed_load(records, sqlite_url)
        assert result.inserted == n and result.failed == 0, result.summary().line()
        rerun_s, again = timed_load(records, sqlite_url)
        assert again.unchanged == n and again.inserted == again.updated == 0
        rows = rows_of(sqlite_url)
        print(f"rows written per record: {sum(len(d) for _, d in rows.values()) / n:.1f} "
              f"({', '.join(f'{k} {len(d)}' for k, (_, d) in rows.items() if d)})")
        report("sqlite", n, load_s, rerun_s, {"sqlite3 executemany": sqlite_baseline(rows, workdir)})
        del rows  # a million row tuples: not to be carried (and walked by the collector) through the next load

        if not args.no_postgres:
            name = f"moha_bench_load_{os.getpid()}"
            pg_url = _pg_database(name)
            try:
                cpu_before = cpu_seconds()
                load_s, result = timed_load(records, pg_url)
                report_cpu("postgresql", cpu_before, cpu_seconds(), load_s)
                assert result.inserted == n and result.failed == 0, result.summary().line()
                rerun_s, again = timed_load(records, pg_url)
                assert again.unchanged == n
                pg_rows = rows_of(pg_url)
            finally:
                _pg_drop(name)
            report("postgresql", n, load_s, rerun_s, {
                "psycopg COPY": pg_baseline(pg_rows, "copy"),
                "psycopg executemany": pg_baseline(pg_rows, "executemany"),
            })
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
