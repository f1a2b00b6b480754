"""CrawlOptions -> Scrapy settings: the only module where Scrapy's UPPER_CASE names appear.

The middleware stack is lean on purpose (it is where a plain Scrapy spider spends much of its time
per page): no cookies, user-agent, default-headers, proxy or compression middlewares (the download
handler sends the headers, uses the proxy and undoes the content coding itself), no spider
middlewares (the spider judges its own links), no stats/telnet/memory extensions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.rules import CrawlRules

M = "crawler."
DEFAULT_START_URLS = ("http://moha.gov.vn/",)


@dataclass(frozen=True, slots=True)
class CrawlOptions:
    """Everything one crawl needs; the CLI's flags map onto these fields one to one."""

    out: Path
    start_urls: tuple[str, ...] = DEFAULT_START_URLS
    proxy: str | None = None
    profile: Path | None = None
    max_pages: int | None = None
    concurrency: int | None = None
    ignore_crawl_delay: bool = False
    resume: bool = False
    redis_url: str | None = None
    crawl_id: str | None = None
    workers: int = 1
    previous: Path | None = None
    warc_prefix: str = "MOHA"
    warc_max_size: int = 1024**3
    max_response_bytes: int = 256 * 1024**2
    timeout_s: float = 30.0
    retries: int = 3
    retry_backoff_s: float = 0.5
    fsync: bool = False
    log_level: str = "INFO"
    extra: dict[str, Any] = field(default_factory=dict)

    def redis_prefix(self) -> str:
        return f"moha-migrate:{self.crawl_id or self.out.resolve().name}"


def scrapy_settings(opts: CrawlOptions, rules: CrawlRules) -> dict[str, Any]:
    """The Scrapy settings for one worker process of a crawl."""
    concurrency = opts.concurrency or rules.concurrency_per_host
    delay = 0.0 if opts.ignore_crawl_delay or rules.crawl_delay_s is None else rules.crawl_delay_s
    s: dict[str, Any] = {
        # -- identity and politeness
        "BOT_NAME": "moha-migrate",
        "USER_AGENT": rules.user_agent,
        "ROBOTSTXT_OBEY": rules.obey_robots,
        "ROBOTSTXT_PARSER": "scrapy.robotstxt.ProtegoRobotParser",
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "DOWNLOAD_DELAY": delay,
        "COOKIES_ENABLED": False,
        # -- downloading
        "DOWNLOAD_HANDLERS": {"http": M + "handler.RawHttpDownloadHandler", "https": None},
        "DOWNLOAD_TIMEOUT": opts.timeout_s,
        "DOWNLOAD_MAXSIZE": opts.max_response_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        "REDIRECT_MAX_TIMES": 10,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": opts.retries,
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 408, 429],
        # -- the component stack
        "DOWNLOADER_MIDDLEWARES_BASE": {},
        "DOWNLOADER_MIDDLEWARES": {
            M + "politeness.SiteSlotMiddleware": 50,
            M + "politeness.SharedRobotsTxtMiddleware": 100,
            M + "politeness.BackoffRetryMiddleware": 550,
            M + "redirect.KeepRefererRedirectMiddleware": 600,
            M + "incremental.IncrementalMiddleware": 900,
            M + "warc_capture.WarcCaptureMiddleware": 990,
        },
        "SPIDER_MIDDLEWARES_BASE": {},
        "EXTENSIONS_BASE": {},
        "EXTENSIONS": {M + "politeness.CrawlDelay": 0},
        "ITEM_PIPELINES": {},
        "REQUEST_FINGERPRINTER_CLASS": M + "frontier.FrontierFingerprinter",
        "DUPEFILTER_CLASS": M + "frontier.JournalDupeFilter",
        "SCHEDULER_MEMORY_QUEUE": M + "pending.CompactRequestQueue",
        "TELNETCONSOLE_ENABLED": False,
        "LOGSTATS_INTERVAL": 0,
        "STATS_DUMP": False,
        "LOG_LEVEL": "WARNING",
        "LOG_INSTALL_ROOT_HANDLER": False,
        "LOG_ENABLED": False,
        # -- ours
        "MOHA_OUT": str(opts.out),
        "MOHA_PROXY": opts.proxy,
        "MOHA_PROFILE": str(opts.profile) if opts.profile else None,
        "MOHA_START_URLS": list(opts.start_urls),
        "MOHA_IGNORE_CRAWL_DELAY": opts.ignore_crawl_delay,
        "MOHA_WARC_PREFIX": opts.warc_prefix,
        "MOHA_WARC_MAX_SIZE": opts.warc_max_size,
        "MOHA_FSYNC": opts.fsync,
        "MOHA_RETRY_BACKOFF_S": opts.retry_backoff_s,
        "MOHA_RETRY_BACKOFF_MAX_S": 10.0,
        "MOHA_PREVIOUS": str(opts.previous) if opts.previous else None,
    }
    if opts.max_pages:
        s["EXTENSIONS"]["scrapy.extensions.closespider.CloseSpider"] = 0
        s["CLOSESPIDER_PAGECOUNT"] = opts.max_pages
    if opts.redis_url:
        s.update({
            "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
            "DUPEFILTER_CLASS": M + "redis_mode.RedisFrontierDupeFilter",
            "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
            "SCHEDULER_PERSIST": True,
            "SCHEDULER_QUEUE_KEY": opts.redis_prefix() + ":requests",
            "SCHEDULER_DUPEFILTER_KEY": opts.redis_prefix() + ":dupefilter",
            "REDIS_URL": opts.redis_url,
            "MOHA_REDIS_PREFIX": opts.redis_prefix(),
        })
        s["EXTENSIONS"][M + "redis_mode.SharedIdle"] = 10
    s.update(opts.extra)
    return s
