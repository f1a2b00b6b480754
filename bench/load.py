"""Benchmark `load` against a raw baseline that inserts the same rows, on SQLite and PostgreSQL.

    .venv/bin/python bench/load.py [--scale 24000] [--seed 1] [--workdir DIR] [--no-postgres] [--rounds 3]

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

Each engine runs `--rounds` rounds (3): a load, its rerun, then its baselines, so that every ratio
compares figures measured side by side. The machines of this project drift in speed by up to 45 %
within minutes (the same load took 7.7 s and 10.6 s in one half hour), which made the one load
and one baseline of a single round disagree by more than the targets' margins from one run to the
next. Every round is printed; the targets are judged on the medians over the rounds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, make_url, text  # noqa: E402

from loaders import schema  # noqa: E402
from loaders.db import apply_sqlite_pragmas, connect  # noqa: E402
from loaders.load import load_records  # noqa: E402
from loaders.prepare import usable_cores  # noqa: E402
from moha_migrate.jsonl import write_records  # noqa: E402

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test"
TABLE_ORDER = [t.name for t in schema.Base.metadata.sorted_tables]
TARGET_RECORDS = 50_000
"""The issue's targets are for a load of at least this many records (the full-scale truth)."""


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
    cores = usable_cores()
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


@dataclass
class Round:
    """One load with its no-change rerun, and the raw baselines measured right after it."""

    load_s: float
    rerun_s: float
    baselines: dict[str, float]
    row_counts: dict[str, int]
    """Rows the load wrote, per table."""


def sqlite_round(records: Path, workdir: Path, n: int) -> Round:
    """Load into a new SQLite file, rerun, then the sqlite3 baseline of the rows the load wrote."""
    db = workdir / "portal.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{db}"
    load_s, result = timed_load(records, url)
    assert result.inserted == n and result.failed == 0, result.summary().line()
    rerun_s, again = timed_load(records, url)
    assert again.unchanged == n and again.inserted == again.updated == 0
    rows = rows_of(url)
    return Round(load_s, rerun_s, {"sqlite3 executemany": sqlite_baseline(rows, workdir)}, _row_counts(rows))


def pg_round(records: Path, n: int) -> Round:
    """Load into a new PostgreSQL database (its CPU reported), rerun, then the two psycopg
    baselines of the rows the load wrote. The rows are read in each round and dropped before the
    next load: a million row tuples carried through a load are walked by its collector."""
    name = f"moha_bench_load_{os.getpid()}"
    url = _pg_database(name)
    try:
        cpu_before = cpu_seconds()
        load_s, result = timed_load(records, url)
        report_cpu("postgresql", cpu_before, cpu_seconds(), load_s)
        assert result.inserted == n and result.failed == 0, result.summary().line()
        rerun_s, again = timed_load(records, url)
        assert again.unchanged == n
        rows = rows_of(url)
    finally:
        _pg_drop(name)
    return Round(load_s, rerun_s, {
        "psycopg COPY": pg_baseline(rows, "copy"),
        "psycopg executemany": pg_baseline(rows, "executemany"),
    }, _row_counts(rows))


def _row_counts(rows: dict[str, tuple[list[str], list[tuple[Any, ...]]]]) -> dict[str, int]:
    return {name: len(data) for name, (_, data) in rows.items()}


def report_round(engine: str, number: int, n: int, r: Round) -> None:
    print(f"{engine} round {number}: load {n} records in {r.load_s:.1f} s = {n / r.load_s:,.0f} records/s; "
          f"no-change rerun {r.rerun_s:.2f} s = {r.rerun_s / r.load_s:.1%} of the load")
    for label, seconds in r.baselines.items():
        print(f"{engine} round {number}: raw baseline ({label}) of the same rows {seconds:.1f} s = "
              f"{n / seconds:,.0f} records/s; load / baseline speed = {seconds / r.load_s:.2f}x")


def report_medians(engine: str, n: int, rounds: list[Round], min_records_s: float | None, min_ratio: float | None) -> None:
    """The figures the targets are judged on: medians over the rounds, each ratio taken within its
    own round (a load against the baseline measured right after it)."""
    def verdict(ok: bool) -> str:
        if n < TARGET_RECORDS:
            return f"judged from {TARGET_RECORDS:,} records"
        return "met" if ok else "NOT met"

    speed = median(n / r.load_s for r in rounds)
    rerun = median(r.rerun_s / r.load_s for r in rounds)
    line = f"{engine}: median of {len(rounds)} rounds: load {speed:,.0f} records/s"
    if min_records_s is not None:
        line += f" (target >= {min_records_s:,.0f}: {verdict(speed >= min_records_s)})"
    print(line + f"; no-change rerun {rerun:.1%} of the load (target <= 10%: {verdict(rerun <= 0.10)})")
    for label in rounds[0].baselines:
        ratio = median(r.baselines[label] / r.load_s for r in rounds)
        line = f"{engine}: median of {len(rounds)} rounds: load / {label} = {ratio:.2f}x"
        if min_ratio is not None:
            line += f" (target >= {min_ratio}x: {verdict(ratio >= min_ratio)})"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="24000", help="replica scale: test, demo, full or a number of articles")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=None, help="keep the files here (default: a temporary dir)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--records", type=Path, default=None, help="use this records.jsonl instead of generating the truth")
    parser.add_argument("--rounds", type=int, default=3, help="loads per engine, each beside its own baselines (default 3)")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
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

        rounds = []
        for number in range(1, args.rounds + 1):
            rounds.append(sqlite_round(records, workdir, n))
            if number == 1:
                counts = rounds[-1].row_counts
                print(f"rows written per record: {sum(counts.values()) / n:.1f} "
                      f"({', '.join(f'{k} {c}' for k, c in counts.items() if c)})")
            report_round("sqlite", number, n, rounds[-1])
        report_medians("sqlite", n, rounds, min_records_s=5_000, min_ratio=None)

        if not args.no_postgres:
            rounds = []
            for number in range(1, args.rounds + 1):
                rounds.append(pg_round(records, n))
                report_round("postgresql", number, n, rounds[-1])
            report_medians("postgresql", n, rounds, min_records_s=None, min_ratio=0.8)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
