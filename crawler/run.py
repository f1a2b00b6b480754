"""`crawl_site`: the library function under `moha-migrate crawl` (and the `run` verb).

It validates the options, starts the worker process(es) (crawler.worker), follows their progress by
reading the crawl log as it grows, and summarises the crawl from that log when they finish: pages,
bytes, revisits, errors, skips and how long it took. Several workers share one crawl through Redis.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from crawler.rules import load_rules
from crawler.settings import CrawlOptions
from crawler.worker import options_to_json
from moha_migrate.errors import CaptureError, ConfigError
from moha_migrate.profile import load_profile
from moha_migrate.urls import is_site_url

log = logging.getLogger(__name__)


class ProgressSink(Protocol):
    def advance(self, n: int = 1, status: str = "") -> None: ...


@dataclass
class CrawlResult:
    """What a crawl did, from its crawl log."""

    out: Path
    pages: int = 0
    responses: int = 0
    revisits: int = 0
    bytes: int = 0
    errors: int = 0
    retried: int = 0
    skipped: int = 0
    not_found: int = 0
    soft_404: int = 0
    truncated: int = 0
    bad_encoding: int = 0
    duration_s: float = 0.0
    warc_files: list[str] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    failed_urls: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.errors == 0


class _LogFollower:
    """Reads new complete lines of the crawl log from where it stopped."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.pos = path.stat().st_size if path.exists() else 0
        self.buffer = b""

    def poll(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        with open(self.path, "rb") as fh:
            fh.seek(self.pos)
            data = fh.read()
        self.pos += len(data)
        self.buffer += data
        *lines, self.buffer = self.buffer.split(b"\n")
        out = []
        for line in lines:
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
        return out


def check_options(opts: CrawlOptions) -> CrawlOptions:
    """Validate options before anything starts; ConfigError names the bad one."""
    rules = load_rules(load_profile(opts.profile))
    for url in opts.start_urls:
        if not url.startswith("http://"):
            raise ConfigError(f"start URL {url!r}: only http:// URLs can be crawled")
        if not is_site_url(url) and (url.split("/")[2].split(":")[0].lower() not in rules.hosts):
            raise ConfigError(f"start URL {url!r} is outside the profile's hosts ({', '.join(sorted(rules.hosts))})")
    if opts.workers < 1:
        raise ConfigError(f"--workers {opts.workers}: must be at least 1")
    if opts.workers > 1 and not opts.redis_url:
        raise ConfigError("--workers > 1 needs --redis URL (the workers share their frontier there)")
    if opts.previous and not (opts.previous / "crawl.log").exists():
        raise ConfigError(f"--previous {opts.previous}: no crawl.log there (not a crawl directory)")
    out = opts.out
    if out.exists() and not opts.resume and not opts.redis_url and (out / "crawl.log").exists() \
            and (out / "crawl.log").stat().st_size:
        raise ConfigError(f"{out} already holds a crawl; pass --resume to continue it or choose another --out")
    if opts.resume and not (out / "crawl.log").exists():
        raise ConfigError(f"--resume: {out} holds no crawl to resume (no crawl.log)")
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / "warc").mkdir(exist_ok=True)
        (out / "crawl.log").touch()
    except OSError as exc:
        raise CaptureError(f"cannot write to {out}: {exc.strerror}") from exc
    if opts.redis_url:
        _check_redis(opts.redis_url)
    if opts.proxy:
        _check_proxy(opts.proxy)
    return opts


def _check_proxy(url: str) -> None:
    import socket

    from crawler.handler import parse_proxy

    try:
        address = parse_proxy(url)
    except Exception as exc:  # NotConfigured from the handler's parser
        raise ConfigError(f"--proxy {url}: {exc}") from exc
    assert address is not None
    try:
        socket.create_connection(address, timeout=5).close()
    except OSError as exc:
        raise ConfigError(f"--proxy {url}: cannot connect ({exc.strerror or exc})") from exc


def _check_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except (redis.RedisError, ValueError) as exc:
        raise ConfigError(f"--redis {url}: cannot reach Redis: {exc}") from exc


def crawl_site(opts: CrawlOptions, progress: ProgressSink | None = None) -> CrawlResult:
    """Crawl per `opts` into `opts.out` (warc/, crawl.log, state/); return the summary of the crawl.

    Raises ConfigError for bad options and CaptureError when a worker dies (the files on disk stay
    valid: rerun with `resume=True`).
    """
    opts = check_options(opts)
    started = time.monotonic()
    follower = _LogFollower(opts.out / "crawl.log")
    meter = _Meter(opts.out)
    env = dict(os.environ)
    env.setdefault("PYTHONUNBUFFERED", "1")
    env["MOHA_CRAWL_PARENT"] = str(os.getpid())
    procs = []
    for index in range(opts.workers):
        worker_opts = opts if index == 0 else replace(opts, resume=False)
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "crawler.worker", options_to_json(worker_opts)], env=env,
        ))
    try:
        while any(p.poll() is None for p in procs):
            time.sleep(0.25)
            meter.update(progress, follower.poll())
        meter.update(progress, follower.poll())
    except BaseException:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        raise
    codes = [p.returncode for p in procs]
    if any(codes):
        raise CaptureError(
            f"crawl worker(s) exited with {codes} (see the log above); the WARCs and crawl.log in "
            f"{opts.out} are kept: rerun with --resume to continue"
        )
    result = summarise(opts.out)
    result.duration_s = round(time.monotonic() - started, 2)
    return result


class _Meter:
    """Running figures for the progress display: pages, bytes, rate, errors, queue estimate."""

    def __init__(self, out: Path) -> None:
        self.started = time.monotonic()
        self.pages = self.bytes = self.errors = self.finished = 0
        self.journal = _LogFollower(out / "state" / "frontier.jsonl")
        self.queued = 0

    def update(self, progress: ProgressSink | None, entries: list[dict[str, Any]]) -> None:
        if progress is None:
            return
        fetched = 0
        for e in entries:
            kind = e.get("kind")
            if kind == "fetch":
                fetched += 1
                self.bytes += int(e.get("size", 0))
            elif kind == "error" and e.get("final", True):
                self.errors += 1
            if kind in ("fetch", "error") and e.get("final", True):
                self.finished += 1
        self.queued += sum(1 for e in self.journal.poll() if "k" in e)
        self.pages += fetched
        if not fetched:
            return
        rate = self.pages / max(0.001, time.monotonic() - self.started)
        queue = f" queue~{max(0, self.queued - self.finished)}" if self.queued else ""
        progress.advance(fetched, status=f"{self.bytes / 1e6:.1f} MB {rate:.0f}/s {self.errors} errors{queue}")


def summarise(out: Path) -> CrawlResult:
    """Counts of a crawl directory's crawl log (the last line per URL decides errors)."""
    from crawler.crawllog import iter_crawl_log

    result = CrawlResult(out=out)
    statuses: Counter[str] = Counter()
    failed: dict[str, str] = {}
    for e in iter_crawl_log(out / "crawl.log"):
        kind = e.get("kind")
        if kind == "fetch":
            result.pages += 1
            result.bytes += int(e.get("size", 0))
            statuses[str(e.get("status"))] += 1
            if e.get("type") == "revisit":
                result.revisits += 1
            else:
                result.responses += 1
            flags = e.get("flags", [])
            result.not_found += "404" in flags
            result.soft_404 += "soft-404" in flags
            result.bad_encoding += "bad-content-encoding" in flags
            result.truncated += any(f.startswith("truncated") for f in flags)
            if "will-retry" in flags:
                result.retried += 1
            failed.pop(e.get("url", ""), None)
        elif kind == "error":
            if e.get("final", True):
                failed[e["url"]] = e.get("error", "")
            else:
                result.retried += 1
        elif kind == "skip":
            result.skipped += 1
    result.errors = len(failed)
    result.failed_urls = sorted(failed)
    result.statuses = dict(sorted(statuses.items()))
    result.warc_files = sorted(p.name for p in (out / "warc").glob("*.warc.gz"))
    return result
