"""runner.replica_process: the replica a run starts serves, stops with the block, and dies with a killed run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from runner.replica_process import served_replica

ROOT = Path(__file__).resolve().parents[2]


def fetch_home(proxy_url: str) -> int:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy_url}))
    with opener.open("http://moha.gov.vn/robots.txt", timeout=5) as response:
        return response.status


def answers(proxy_url: str) -> bool:
    try:
        return fetch_home(proxy_url) == 200
    except OSError:
        return False


def test_serves_during_the_block_and_is_gone_after(tmp_path: Path) -> None:
    with served_replica(1, "test", tmp_path / "requests.jsonl") as proxy_url:
        assert proxy_url.startswith("http://127.0.0.1:")
        assert fetch_home(proxy_url) == 200
    assert not answers(proxy_url)
    assert "robots.txt" in (tmp_path / "requests.jsonl").read_text("utf-8")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_replica_dies_with_a_run_killed_by_sigkill(tmp_path: Path) -> None:
    script = ("import sys, time\nfrom pathlib import Path\nfrom runner.replica_process import served_replica\n"
              f"with served_replica(1, 'test', Path({str(tmp_path / 'r.jsonl')!r})) as url:\n"
              "    print(url, flush=True)\n    time.sleep(120)\n")
    run = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        proxy_url = run.stdout.readline().strip()
        assert answers(proxy_url)
        os.kill(run.pid, signal.SIGKILL)
        run.wait(timeout=10)
        deadline = time.monotonic() + 10
        while answers(proxy_url) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not answers(proxy_url), "the replica outlived the killed run"
    finally:
        if run.poll() is None:
            run.kill()
