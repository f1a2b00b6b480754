"""Benchmark the whole migration: `run --scale full` on SQLite, beside a run at a tenth of it.

Prints wall time per stage, peak RSS (the largest process of the run: the run itself or a crawl
worker; the replica server, the stand-in for the remote site, is measured apart), overall and per stage (the stage the run's progress lines on stderr name), and counts,
then the RSS ratio full / tenth. Targets (issue 7): full scale in < 20 minutes
on 2 cores, peak RSS < 1 GB, RSS at full scale <= 1.5x RSS at a tenth.

Not part of CI (it takes many minutes). Usage:
    python bench/full.py [--scale full] [--tenth 1600] [--workdir /tmp/moha-bench]
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

STAGES = ("crawl", "index", "transform", "load", "redirects", "verify")
STAGE_STARTED = re.compile(r"migration: \d+/\d+ (\w+)")
"""The progress line `run` logs as a stage begins (at most one each 5 s, so not for every stage)."""
STAGE_ENDED = re.compile(r"runner\.run: (\w+): ")
"""The line `run` logs as each stage ends, the next one then begins."""


def is_replica(process: psutil.Process) -> bool:
    """The replica server `run` starts as its stand-in for the remote site (not part of the tool)."""
    try:
        return "replica.cli" in process.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def peak_rss_of_tree(proc: subprocess.Popen, stop: threading.Event, out: dict[str, int], stage: list[str]) -> None:
    """Poll the run and its children every 0.2 s; keep the largest single-process RSS and the largest
    sum, and the largest single-process RSS of each stage (`stage[0]` is the one running).

    The replica server is the website being migrated, not the migration: in a real migration it
    is not on the machine. Its RSS is kept apart (`replica`) and left out of the other figures.
    """
    try:
        root = psutil.Process(proc.pid)
    except psutil.NoSuchProcess:
        return
    replicas: dict[int, bool] = {}
    while not stop.is_set():
        ours, replica = [], []
        try:
            for p in [root, *root.children(recursive=True)]:
                if p.pid not in replicas:
                    replicas[p.pid] = is_replica(p)
                (replica if replicas[p.pid] else ours).append(p.memory_info().rss)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            ours, replica = [], []
        if ours:
            out["max_process"] = max(out.get("max_process", 0), max(ours))
            out["max_total"] = max(out.get("max_total", 0), sum(ours))
            out[stage[0]] = max(out.get(stage[0], 0), max(ours))
        if replica:
            out["replica"] = max(out.get("replica", 0), max(replica))
        time.sleep(0.2)


def follow_stages(stream, stage: list[str], tail: collections.deque) -> None:
    """Read the run's stderr as it comes: follow the stage running in `stage[0]`, keep the tail."""
    for line in stream:
        tail.append(line)
        started, ended = STAGE_STARTED.search(line), STAGE_ENDED.search(line)
        if started and started.group(1) in STAGES:
            stage[0] = started.group(1)
        elif ended and ended.group(1) in STAGES[:-1]:
            stage[0] = STAGES[STAGES.index(ended.group(1)) + 1]


def run_once(scale: str, workdir: Path) -> dict:
    shutil.rmtree(workdir, ignore_errors=True)
    # Not -q: the INFO progress lines on stderr say which stage is running.
    cmd = [sys.executable, "-m", "moha_migrate.cli", "run", "--workdir", str(workdir), "--scale", scale,
           "--ignore-crawl-delay", "--json"]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stop, rss, stage, tail = threading.Event(), {}, ["crawl"], collections.deque(maxlen=60)
    watcher = threading.Thread(target=peak_rss_of_tree, args=(proc, stop, rss, stage), daemon=True)
    reader = threading.Thread(target=follow_stages, args=(proc.stderr, stage, tail), daemon=True)
    watcher.start()
    reader.start()
    stdout = proc.stdout.read()
    proc.wait()
    reader.join()
    stop.set()
    watcher.join()
    stderr = "".join(tail)
    wall = time.monotonic() - started
    try:
        summary = json.loads(stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        sys.exit(f"run --scale {scale} printed no summary (exit {proc.returncode}):\n{stderr[-3000:]}")
    return {"scale": scale, "exit": proc.returncode, "wall_s": wall, "rss": rss, "summary": summary}


def show(result: dict) -> None:
    counts = result["summary"]["counts"]
    mib = 1024 * 1024
    print(f"scale {result['scale']}: exit {result['exit']}, wall {result['wall_s']:.1f} s, "
          f"peak RSS {result['rss'].get('max_process', 0) / mib:.0f} MiB (one process), "
          f"{result['rss'].get('max_total', 0) / mib:.0f} MiB (all processes); "
          f"the replica server apart: {result['rss'].get('replica', 0) / mib:.0f} MiB")
    print("  per stage: " + ", ".join(f"{s} {counts.get(f'{s}_s', 0):.1f} s" for s in STAGES))
    print("  peak RSS per stage (one process): "
          + ", ".join(f"{s} {result['rss'].get(s, 0) / mib:.0f} MiB" for s in STAGES))
    print("  counts: " + ", ".join(f"{k} {counts[k]}" for k in ("articles", "documents", "medias", "pages") if k in counts))
    if result["summary"]["problems"]:
        print("  problems: " + "; ".join(result["summary"]["problems"][:5]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="full")
    parser.add_argument("--tenth", default="1600", help="the scale to compare RSS with (a tenth of full)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/moha-bench"))
    args = parser.parse_args()
    tenth = run_once(args.tenth, args.workdir / "tenth")
    show(tenth)
    full = run_once(args.scale, args.workdir / "full")
    show(full)
    ratio = full["rss"].get("max_process", 0) / max(tenth["rss"].get("max_process", 1), 1)
    print(f"RSS full / tenth: {ratio:.2f}x (target <= 1.5x); "
          f"full wall {full['wall_s'] / 60:.1f} min (target < 20); "
          f"peak RSS {full['rss'].get('max_process', 0) / 2**30:.2f} GiB (target < 1)")


if __name__ == "__main__":
    main()
