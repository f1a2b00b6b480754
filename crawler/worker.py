"""One crawl worker process: Scrapy's reactor runs here, once per process.

`crawler.run.crawl_site` starts one worker (or several with `--redis`) as child processes, because
Twisted's reactor cannot be restarted within a process and because a crash of a worker must leave
the caller able to report it. A worker dies with its parent (PR_SET_PDEATHSIG), so killing the
command kills the crawl, as a user expects, and `--resume` picks up from the files on disk.
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import signal
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

from crawler.crawllog import iter_crawl_log
from crawler.dedup import DigestIndex, RedisDigestIndex
from crawler.rules import load_rules
from crawler.settings import CrawlOptions, scrapy_settings
from crawler.state import is_dead_writer, prepare_resume, recover_open_warcs
from moha_migrate.console import setup_logging
from moha_migrate.profile import load_profile

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1


def options_to_json(opts: CrawlOptions) -> str:
    data: dict[str, Any] = {}
    for f in fields(opts):
        value = getattr(opts, f.name)
        data[f.name] = str(value) if isinstance(value, Path) else value
    return json.dumps(data)


def options_from_json(text: str) -> CrawlOptions:
    data = json.loads(text)
    for name in ("out", "profile", "previous"):
        if data.get(name):
            data[name] = Path(data[name])
    data["start_urls"] = tuple(data["start_urls"])
    return CrawlOptions(**data)


def _die_with_parent() -> None:
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        log.debug("prctl unavailable: this worker will outlive a killed parent")
    # The parent may have died before prctl took effect: then we are already an orphan.
    expected = os.environ.get("MOHA_CRAWL_PARENT")
    if expected and int(expected) != os.getppid():
        raise SystemExit(1)


def build_digest_index(opts: CrawlOptions, server: Any = None) -> DigestIndex:
    """The payload index: shared in Redis with --redis, else in memory; seeded from earlier logs."""
    if server is not None:
        index: DigestIndex = RedisDigestIndex(server, opts.redis_prefix() + ":digests")
    else:
        index = DigestIndex()
    if opts.previous:
        added = index.load_crawl_log(iter_crawl_log(opts.previous / "crawl.log"))
        log.info("incremental: %d payload digests from %s", added, opts.previous)
    return index


class _QuietScrapy(logging.Filter):
    """Scrapy's configure_logging sets its logger to DEBUG; our stderr shows only its warnings."""

    def filter(self, record: logging.LogRecord) -> bool:
        noisy = record.name.startswith(("scrapy", "twisted", "py.warnings"))
        return not noisy or record.levelno >= logging.WARNING


def run_worker(opts: CrawlOptions) -> int:
    """Run the crawl in this process; return the process exit status."""
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    from crawler.spider import MohaSpider

    rules = load_rules(load_profile(opts.profile))
    (opts.out / "warc").mkdir(parents=True, exist_ok=True)
    (opts.out / "state").mkdir(parents=True, exist_ok=True)
    settings = scrapy_settings(opts, rules)
    server = None
    if opts.redis_url:
        import redis

        server = redis.Redis.from_url(opts.redis_url)
    index = build_digest_index(opts, server)
    plan = None
    if opts.resume and not opts.redis_url:
        plan = prepare_resume(opts.out)
        index.load_crawl_log(plan.log_entries)
        settings["MOHA_FIRST_SERIAL"] = plan.next_serial
    elif opts.redis_url:
        # Another worker of this host may have been killed: make its open WARC valid (the shared
        # crawl log says where its last record ends). Its in-flight requests are lost to the
        # shared queue (a scrapy-redis limit); rerun the crawl with --previous to fill such gaps.
        entries = list(iter_crawl_log(opts.out / "crawl.log"))
        trimmed, recovered = recover_open_warcs(opts.out / "warc", opts.out / "state" / "partial", entries,
                                                only=is_dead_writer)
        if recovered:
            log.warning("recovered %d WARC(s) of dead workers (%d bytes cut)", len(recovered), trimmed)
        settings["MOHA_FIRST_SERIAL"] = 0
    else:
        settings["MOHA_FIRST_SERIAL"] = 0
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(MohaSpider)
    # Objects go to the spider as arguments: Scrapy deep-copies settings (a Redis client would not copy).
    closed: list[str] = []
    crawler.signals.connect(lambda spider, reason: closed.append(reason), signal=signals.spider_closed, weak=False)
    process.crawl(crawler, resume_plan=plan, digest_index=index, redis_server=server,
                  redis_prefix=opts.redis_prefix() if server is not None else "")
    process.start()
    reason = closed[0] if closed else None
    if reason is None:
        log.error("the crawl did not run to its end (see the error above)")
        return 1
    log.info("worker finished: %s", reason)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    opts = options_from_json(args[0])
    _die_with_parent()
    setup_logging(verbose=1 if opts.log_level == "DEBUG" else 0, quiet=opts.log_level == "WARNING")
    for handler in logging.getLogger().handlers:
        handler.addFilter(_QuietScrapy())
    profile_to = os.environ.get("MOHA_CRAWL_PYINSTRUMENT")  # bench/crawl.py --profile: where time goes
    if not profile_to:
        return run_worker(opts)
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.002)
    profiler.start()
    try:
        return run_worker(opts)
    finally:
        profiler.stop()
        Path(profile_to).write_text(profiler.output_text(unicode=True, show_all=False), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
