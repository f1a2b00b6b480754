"""run: the whole migration of the test replica; a rerun changes nothing; an interrupted run
(kill -9, Ctrl-C) continued with `run` ends exactly like an uninterrupted one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from loaders.db import connect
from loaders.export import iter_exported
from moha_migrate.jsonl import iter_records
from moha_migrate.records import record_to_dict

pytestmark = pytest.mark.xdist_group("runner")


def run_cmd(workdir: Path) -> list[str]:
    return [sys.executable, "-m", "moha_migrate.cli", "run", "--workdir", str(workdir), "--scale", "test",
            "--ignore-crawl-delay", "--json"]


def run(workdir: Path) -> tuple[int, dict, float]:
    started = time.monotonic()
    done = subprocess.run(run_cmd(workdir), capture_output=True, text=True, timeout=300, check=False)
    elapsed = time.monotonic() - started
    assert done.stdout.strip(), done.stderr[-3000:]
    return done.returncode, json.loads(done.stdout.strip().splitlines()[-1]), elapsed


def content(workdir: Path) -> tuple[list[dict], list[dict]]:
    """Records and database rows without provenance (WARC names and offsets differ between crawls)."""
    def strip(record) -> dict:
        data = record_to_dict(record)
        data.pop("provenance", None)
        return data

    records = sorted((strip(r) for r in iter_records(workdir / "records.jsonl")), key=lambda d: (d["kind"], d["source_url"]))
    engine = connect(f"sqlite:///{workdir / 'portal.db'}", upgrade=False)
    try:
        rows = sorted((strip(r) for r in iter_exported(engine)), key=lambda d: (d["kind"], d["source_url"]))
    finally:
        engine.dispose()
    return records, rows


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, float]:
    workdir = tmp_path_factory.mktemp("run") / "work"
    code, summary, elapsed = run(workdir)
    assert code == 0, summary
    return workdir, summary, elapsed


def test_run_lays_out_the_work_directory_and_is_green(uninterrupted) -> None:
    workdir, summary, _ = uninterrupted
    assert summary["ok"] is True and summary["command"] == "run"
    for name in ("crawl/crawl.log", "index.cdxj", "records.jsonl", "errors.jsonl", "portal.db", "report.html",
                 "report.json", "redirects/nginx-map.conf", "redirects/apache-rewritemap.txt", "redirects/redirects.csv"):
        assert (workdir / name).exists(), name
    assert list((workdir / "crawl" / "warc").glob("*.warc.gz"))
    report = json.loads((workdir / "report.json").read_text("utf-8"))
    assert report["ok"] is True and all(c["ok"] for c in report["checks"])
    assert summary["counts"]["articles"] == report["funnel"]["article"]["loaded"] > 0


def test_rerun_changes_nothing_and_is_fast(uninterrupted) -> None:
    workdir, _, first_s = uninterrupted
    before = content(workdir)
    code, summary, elapsed = run(workdir)
    assert code == 0, summary
    assert summary["counts"]["inserted"] == 0 and summary["counts"]["updated"] == 0
    assert "already done: crawl, index, transform" in summary["message"]
    assert content(workdir) == before
    assert elapsed < first_s


def test_interrupted_run_continued_ends_like_an_uninterrupted_one(uninterrupted, tmp_path: Path) -> None:
    workdir = tmp_path / "work"
    for sig, after_s in ((signal.SIGKILL, 3.0), (signal.SIGINT, 2.0)):
        proc = subprocess.Popen(run_cmd(workdir), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        time.sleep(after_s)
        if proc.poll() is None:
            os.kill(proc.pid, sig)
        proc.wait(timeout=60)
    code, summary, _ = run(workdir)
    assert code == 0, summary
    assert content(workdir) == content(uninterrupted[0])
    assert json.loads((workdir / "report.json").read_text("utf-8"))["ok"] is True
