"""loaders.prepare: batches parsed by worker processes load exactly as batches parsed in place."""

from __future__ import annotations

import hashlib
import itertools
import multiprocessing
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from loaders import prepare
from loaders.export import export_records
from loaders.load import load_records
from moha_migrate.errors import LoadError
from tests.loaders.helpers import count, snapshot
from tests.loaders.test_load import _bad_file


def test_workers_load_what_the_loading_process_alone_loads(engine_url: str, corpus_file: Path, tmp_path: Path) -> None:
    result = load_records(corpus_file, engine_url, batch_size=7, workers=2)
    assert result.ok and result.inserted == len(corpus_file.read_text("utf-8").splitlines())
    out = tmp_path / "export.jsonl"
    export_records(engine_url, out)
    assert out.read_text("utf-8") == corpus_file.read_text("utf-8")
    again = load_records(corpus_file, engine_url, batch_size=7, workers=2)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, result.inserted)


def test_bad_lines_found_by_workers_name_their_line_and_field(sqlite_url: str, corpus: list, tmp_path: Path) -> None:
    """A worker's RecordError crosses the process boundary with its line and field intact."""
    path, _ = _bad_file(tmp_path, corpus)
    alone = load_records(path, f"sqlite:///{tmp_path / 'alone.db'}", batch_size=4, workers=0)
    workers = load_records(path, sqlite_url, batch_size=4, workers=1)
    assert workers.problems == alone.problems
    assert "line 4, field 'title': missing" in "\n".join(workers.problems)
    assert snapshot(sqlite_url) == snapshot(f"sqlite:///{tmp_path / 'alone.db'}")


def test_a_worker_killed_mid_load_is_a_load_error_and_a_rerun_finishes(sqlite_url: str, corpus_file: Path) -> None:
    total = len(corpus_file.read_text("utf-8").splitlines())

    def kill_the_worker(batch: int) -> None:
        if batch == 2:
            for child in multiprocessing.active_children():
                os.kill(child.pid, signal.SIGKILL)

    with pytest.raises(LoadError, match=r"worker process parsing lines \d+-\d+ died.*rerun the same command"):
        load_records(corpus_file, sqlite_url, batch_size=5, workers=1, hook=kill_the_worker)
    committed = count(sqlite_url, "id_map")
    assert 0 < committed < total
    rerun = load_records(corpus_file, sqlite_url, batch_size=5, workers=1)
    assert rerun.ok and rerun.inserted == total - committed and rerun.unchanged == committed
    assert count(sqlite_url, "id_map") == total


def test_worker_count_leaves_small_files_to_the_loading_process(tmp_path: Path) -> None:
    small = tmp_path / "small.jsonl"
    small.write_text("{}\n", "utf-8")
    assert prepare.worker_count(small) == 0
    big = tmp_path / "big.jsonl"
    with big.open("wb") as fh:
        fh.truncate(prepare.WORKER_MIN_BYTES)
    cores = len(os.sched_getaffinity(0))
    assert prepare.worker_count(big) == (0 if cores < 2 else 1 if cores < 4 else min(cores - 2, prepare.MAX_WORKERS))
    assert prepare.worker_count(tmp_path / "missing.jsonl") == 0


def test_a_no_change_rerun_starts_no_worker(sqlite_url: str, corpus_file: Path) -> None:
    """The loading process matches lines against the database itself: a rerun of loaded lines has
    nothing to parse, so it neither starts a worker nor sends one a line."""
    first = load_records(corpus_file, sqlite_url, batch_size=7, workers=1)
    children: list[int] = []
    again = load_records(
        corpus_file, sqlite_url, batch_size=7, workers=1, hook=lambda _: children.extend(multiprocessing.active_children())
    )
    assert again.unchanged == first.inserted and children == []


@pytest.mark.parametrize("chunk", [1, 3, 4096])
def test_batches_number_lines_as_the_file_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    """Lines are read in chunks: their numbers (which messages cite) must still be the file's own,
    blank lines counted and skipped, the last line with or without its line break."""
    monkeypatch.setattr(prepare, "READ_CHUNK", chunk)
    for data in (b"", b"a", b"a\n", b"a\n\n  \nb", b"\n\nx\ny\n", b"a\r\nb\n", b"x" * 10 + b"\n" + b"y"):
        path = tmp_path / "lines.jsonl"
        path.write_bytes(data)
        got = [(n, raw.strip()) for batch in prepare.iter_batches(path, 2) for n, raw in batch]
        with path.open("rb") as fh:
            assert got == [(n, raw.strip()) for n, raw in enumerate(fh, start=1) if raw.strip()], data


def test_batches_start_small_and_double_up_to_the_batch_size(tmp_path: Path) -> None:
    """The first batch is small so that writing starts early; the sizes double up to the batch size
    and every line is in exactly one batch, in order."""
    path = tmp_path / "lines.jsonl"
    path.write_bytes(b"".join(b"%d\n" % i for i in range(1, 1001)))
    batches = list(prepare.iter_batches(path, 300, first=40))
    assert [len(b) for b in batches] == [40, 80, 160, 300, 300, 120]
    assert [n for b in batches for n, _ in b] == list(range(1, 1001))
    assert [len(b) for b in prepare.iter_batches(path, 10, first=250)] == [10] * 100  # never above the batch size
    assert list(itertools.islice(prepare.ramp(2000, 250), 6)) == [250, 500, 1000, 2000, 2000, 2000]


def test_lines_loaded_before_are_found_alike_from_the_whole_map_or_batch_by_batch(
    engine_url: str, corpus_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A small map is read whole at the first batch (later batches ask the database nothing); a
    large one is asked batch by batch; both find the same lines, on every engine."""
    load_records(corpus_file, engine_url)
    hashes = [hashlib.sha256(raw.strip()).hexdigest() for batch in prepare.iter_batches(corpus_file, 100) for _, raw in batch]
    never_loaded = hashlib.sha256(b'{"kind": "page"}').hexdigest()
    engine = create_engine(engine_url)
    try:
        whole = prepare.LineMatcher(engine)
        first = whole.known(hashes[:7] + [never_loaded])
        monkeypatch.setattr(prepare, "WHOLE_MAP_ROWS", 0)
        by_batch = prepare.LineMatcher(engine)
        assert by_batch.known(hashes[:7] + [never_loaded]) == first and len(first) == 7
        assert by_batch.known(hashes[7:]) == whole.known(hashes[7:])
        assert len(first | whole.known(hashes[7:])) == len(hashes)
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM id_map"))  # the whole map was read at the first batch: not asked again
        assert len(whole.known(hashes[7:])) == len(hashes) - 7
        assert by_batch.known(hashes[7:]) == {}
    finally:
        engine.dispose()


def test_workers_end_with_a_loading_process_killed_by_sigkill(sqlite_url: str, corpus_file: Path, tmp_path: Path) -> None:
    """kill -9 of a load leaves no parsing process behind: each worker holds only its own end of
    its pipe, so it reads the end of its input when the loading process is gone."""
    psutil = pytest.importorskip("psutil")
    script = tmp_path / "load_then_hang.py"
    script.write_text(
        "import sys, time\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})\n"
        "from pathlib import Path\n"
        "from loaders.load import load_records\n"
        "def hang(batch):\n"
        "    if batch == 2:\n"
        "        print('hanging', flush=True)\n"
        "        time.sleep(60)\n"
        f"load_records(Path({str(corpus_file)!r}), {sqlite_url!r}, batch_size=4, workers=2, hook=hang)\n",
        "utf-8",
    )
    loader = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert loader.stdout is not None and loader.stdout.readline().strip() == "hanging"
        workers = psutil.Process(loader.pid).children()
        assert len(workers) == 2, workers
        loader.kill()
        loader.wait(timeout=10)
        gone, alive = psutil.wait_procs(workers, timeout=10)
        assert not alive, f"workers outlived the loading process: {alive}"
    finally:
        if loader.poll() is None:
            loader.kill()
