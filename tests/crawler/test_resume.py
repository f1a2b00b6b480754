"""kill -9 three times at random moments, `--resume` each time: same coverage, nothing twice, valid WARCs."""

from __future__ import annotations

import gzip
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from crawler.rules import load_rules
from crawler.state import prepare_resume
from crawler.traps import frontier_key
from moha_migrate.profile import load_profile
from replica.server import ReplicaServer
from replica.site import Site
from tests.crawler.helpers import log_entries, warc_records

RULES = load_rules(load_profile())
CLI = [sys.executable, "-c", "from moha_migrate.cli import main; main()"]


def fetch_key(entry: dict) -> str:
    """What is fetched once: the frontier key (robots.txt per host name, as robots rules are)."""
    if entry["method"] == "POST" or entry["url"].endswith("/robots.txt"):
        return entry["key"] if entry["method"] == "POST" else entry["url"]
    return frontier_key(entry["url"], RULES)


def final_keys(crawl_dir: Path) -> set[str]:
    return {fetch_key(e) for e in log_entries(crawl_dir, "fetch") if e["final"]}


def fetch_count(log: Path) -> int:
    return log.read_bytes().count(b'"kind":"fetch"') if log.exists() else 0


def wait_for_fetches(log: Path, target: int, proc: subprocess.Popen, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while fetch_count(log) < target and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)


@pytest.mark.slow
def test_kill_9_three_times_then_resume(tmp_path: Path, replica_crawl) -> None:
    out = tmp_path / "crawl"
    rng = random.Random(20151508)
    with ReplicaServer(Site(seed=1, scale="test"), host="127.0.0.1", port=0) as server:
        args = [*CLI, "crawl", "--proxy", server.proxy_url, "--out", str(out), "--ignore-crawl-delay"]
        kills = 0
        for attempt in range(3):
            proc = subprocess.Popen(args + (["--resume"] if attempt else []), stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, start_new_session=True)
            # a random moment: after 40-200 more fetches (a timed sleep would race the crawl's speed)
            wait_for_fetches(out / "crawl.log", fetch_count(out / "crawl.log") + rng.randint(40, 200), proc)
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                kills += 1
            proc.wait(timeout=30)
            time.sleep(0.3)  # the worker dies with its parent (PR_SET_PDEATHSIG)
        assert kills == 3, "the crawl finished before it could be killed three times"
        assert list((out / "warc").glob("*.open")), "a kill should leave the open WARC behind"
        done = subprocess.run(args + ["--resume", "--json"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout)
    assert summary["ok"] and summary["counts"]["errors"] == 0
    # every file valid: warcio check, and each ends on a complete gzip member
    files = sorted((out / "warc").glob("*.warc.gz"))
    assert len(files) >= 2 and not list((out / "warc").glob("*.open"))
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", *map(str, files)], capture_output=True,
                           text=True, timeout=120)
    assert check.returncode == 0, check.stdout[-2000:]
    for path in files:
        gzip.decompress(path.read_bytes())
    # same coverage as the uninterrupted crawl
    assert final_keys(out) == final_keys(replica_crawl.dir)
    # nothing captured twice: one final response/revisit per key; WARCs hold exactly what the log says
    finals = Counter(fetch_key(e) for e in log_entries(out, "fetch") if e["final"])
    assert [k for k, n in finals.items() if n > 1] == []
    records = [r for r in warc_records(out) if r["type"] in ("response", "revisit")]
    assert len(records) == len(log_entries(out, "fetch"))
    assert sorted(r["headers"]["WARC-Record-ID"] for r in records) == \
        sorted(e["record_id"] for e in log_entries(out, "fetch"))
    # each of the 4 sessions opened one WARC: kept (trimmed if need be) or, when it held no logged
    # record, moved aside; any cut-off tail is kept too, never deleted
    partial = out / "state" / "partial"
    unlogged = list(partial.glob("*.unlogged")) if partial.exists() else []
    assert len(files) + len(unlogged) == 4


def test_prepare_resume_trims_an_unlogged_tail_and_lists_pending(tmp_path: Path) -> None:
    out = tmp_path / "crawl"
    (out / "warc").mkdir(parents=True)
    (out / "state").mkdir()
    name = "MOHA-20260101000000000-00003-1~h.warc.gz"
    member = gzip.compress(b"WARC/1.1\r\nWARC-Type: warcinfo\r\nContent-Length: 0\r\n\r\n\r\n\r\n")
    (out / "warc" / (name + ".open")).write_bytes(member + member + member[:20])
    entry = {"kind": "fetch", "url": "http://moha.gov.vn/a.html", "method": "GET", "status": 200, "key": "k-a",
             "final": True, "warc": name, "offset": len(member), "end": 2 * len(member), "record_id": "<r1>",
             "type": "response", "parse": True}
    (out / "crawl.log").write_text(json.dumps(entry) + "\n" + '{"kind": "fetch", "url": "http://moh')
    (out / "state" / "frontier.jsonl").write_text(
        json.dumps({"k": "k-a", "u": "http://moha.gov.vn/a.html"}) + "\n"
        + json.dumps({"k": "k-b", "u": "http://moha.gov.vn/b.html"}) + "\n" + '{"k": "k-c", "u": "ht')
    plan = prepare_resume(out)
    assert (out / "warc" / name).read_bytes() == member + member
    assert (out / "state" / "partial" / (name + ".tail")).read_bytes() == member[:20]
    assert plan.next_serial == 4 and plan.trimmed_bytes == 20
    assert [e["k"] for e in plan.pending] == ["k-b"]
    assert plan.seen == {"k-a"}  # k-b goes through the dupefilter again when re-issued
    assert [e["key"] for e in plan.reparse] == ["k-a"]  # fetched but its links were never journalled
    assert (out / "crawl.log").read_text().count("\n") == 1


def test_only_dead_workers_open_warcs_are_recovered(tmp_path: Path) -> None:
    import socket

    from crawler.state import is_dead_writer, recover_open_warcs

    host = socket.gethostname()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    member = gzip.compress(b"WARC/1.1\r\nWARC-Type: warcinfo\r\nContent-Length: 0\r\n\r\n\r\n\r\n")
    names = {f"MOHA-20260101000000000-00000-{dead.pid}~{host}.warc.gz": "dead",
             f"MOHA-20260101000000000-00000-{os.getpid()}~{host}.warc.gz": "alive"}
    for name in names:
        (tmp_path / (name + ".open")).write_bytes(member + member[:9])
    entries = [{"warc": name, "end": len(member)} for name in names]
    trimmed, recovered = recover_open_warcs(tmp_path, tmp_path / "partial", entries, only=is_dead_writer)
    assert [names[n] for n in recovered] == ["dead"] and trimmed == 9
    assert sorted(p.name.endswith(".open") for p in tmp_path.glob("MOHA-*")) == [False, True]
