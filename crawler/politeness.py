"""Politeness and scope at the downloader: one slot per site, robots Crawl-delay, retry backoff.

- `SiteSlotMiddleware` puts moha.gov.vn and www.moha.gov.vn (one server) in one download slot, so
  the per-host concurrency and delay hold for the site, and refuses any request off the profile's
  hosts (an off-site redirect target) before it reaches the wire: such links are logged, never
  fetched. It also waits out a retry's backoff.
- `CrawlDelay` (extension) applies robots.txt's `Crawl-delay` to that slot when robots.txt is
  parsed (Scrapy obeys Disallow but ignores Crawl-delay), unless `--ignore-crawl-delay`.
- `BackoffRetryMiddleware` is Scrapy's RetryMiddleware with exponential backoff between attempts.
- `SharedRobotsTxtMiddleware` is Scrapy's RobotsTxtMiddleware that reuses a robots.txt already
  captured (after `--resume`, or by another `--redis` worker) instead of fetching it again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler

log = logging.getLogger(__name__)

NOT_BEFORE_META = "moha_not_before"


def slot_key(host: str, hosts: frozenset[str]) -> str:
    """The download slot of a host: www. folded onto the bare host when both are the site's."""
    host = host.lower()
    if host.startswith("www.") and host[4:] in hosts:
        return host[4:]
    return host


class SiteSlotMiddleware:
    """Priority 50: slot per site, off-profile hosts refused, retry backoff awaited."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> SiteSlotMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        spider = self.crawler.spider
        host = urlparse_cached(request).hostname or ""
        if host.lower() not in spider.rules.hosts:
            spider.log_skip(request.url, "out-of-scope", request.meta.get("moha_referrer"),
                            request.meta.get("moha_hops", ""))
            raise IgnoreRequest(f"{request.url}: host {host} is outside the profile's scope")
        request.meta.setdefault("download_slot", slot_key(host, spider.rules.hosts))
        not_before = request.meta.get(NOT_BEFORE_META)
        if not_before:
            wait = not_before - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)


class BackoffRetryMiddleware(RetryMiddleware):
    """RetryMiddleware whose n-th retry waits RETRY_BACKOFF_BASE * 2**(n-1) seconds (capped)."""

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("MOHA_RETRY_BACKOFF_S")
        self.backoff_max = settings.getfloat("MOHA_RETRY_BACKOFF_MAX_S")

    def _retry(self, request: Request, reason: Any) -> Request | None:
        retry = super()._retry(request, reason)
        if retry is not None:
            n = retry.meta.get("retry_times", 1)
            retry.meta[NOT_BEFORE_META] = time.monotonic() + min(self.backoff_max, self.backoff_base * 2 ** (n - 1))
            log.info("retry %d of %s in %.1f s: %s", n, request.url,
                     retry.meta[NOT_BEFORE_META] - time.monotonic(), reason)
        return retry


class CrawlDelay:
    """Extension: robots.txt Crawl-delay becomes the site slot's download delay."""

    def __init__(self, crawler: Any) -> None:
        if crawler.settings.getbool("MOHA_IGNORE_CRAWL_DELAY"):
            raise NotConfigured
        self.crawler = crawler
        self.user_agent = crawler.settings.get("ROBOTSTXT_USER_AGENT") or crawler.settings.get("USER_AGENT")
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrawlDelay:
        return cls(crawler)

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        delay = robotparser.crawl_delay(self.user_agent)
        if not delay:
            return
        downloader = self.crawler.engine.downloader
        key = slot_key(urlparse_cached(request).hostname or "", self.crawler.spider.rules.hosts)
        settings = downloader.per_slot_settings.setdefault(key, {})
        if float(delay) > float(settings.get("delay", 0)):
            settings["delay"] = float(delay)
            settings.setdefault("concurrency", 1)
            slot = downloader.slots.get(key)
            if slot is not None:
                slot.delay = float(delay)
                slot.concurrency = 1
            log.info("robots.txt Crawl-delay %.1f s applied to %s (one request at a time)", float(delay), key)


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Reuse a robots.txt body the crawl already holds (resume, other worker) instead of refetching."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)

    async def robot_parser(self, request: Request) -> Any:
        url = urlparse_cached(request)
        netloc = url.netloc
        if netloc not in self._parsers:
            spider = self.crawler.spider
            body = spider.known_robots(f"{url.scheme}://{netloc}/robots.txt")
            if body is not None:
                parser = build_from_crawler(self._parserimpl, self.crawler, body)
                self._parsers[netloc] = parser
                await self.crawler.signals.send_catch_log_async(
                    signal=signals.robots_parsed, robotparser=parser, request=request
                )
                log.info("robots.txt of %s reused from an earlier capture", netloc)
        return await super().robot_parser(request)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
