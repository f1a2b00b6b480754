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
from typing import Any

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
    """robots.txt fetched once per host per crawl: reused from this crawl's WARCs after `--resume`,
    and shared through Redis between `--redis` workers (one fetches it, the others wait for it)."""

    WAIT_S = 20.0

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self._locks: dict[str, asyncio.Lock] = {}

    async def robot_parser(self, request: Request) -> Any:
        url = urlparse_cached(request)
        netloc = url.netloc
        if netloc not in self._parsers:
            async with self._locks.setdefault(netloc, asyncio.Lock()):
                if netloc not in self._parsers:
                    robots_url = f"{url.scheme}://{netloc}/robots.txt"
                    body = self.crawler.spider.known_robots(robots_url)
                    if body is None:
                        body = await self._shared_body(robots_url)
                    if body is not None:
                        parser = build_from_crawler(self._parserimpl, self.crawler, body)
                        self._parsers[netloc] = parser
                        await self.crawler.signals.send_catch_log_async(
                            signal=signals.robots_parsed, robotparser=parser, request=request
                        )
                        log.info("robots.txt of %s reused from an earlier capture", netloc)
        return await super().robot_parser(request)

    async def _shared_body(self, robots_url: str) -> bytes | None:
        """With --redis: None when this worker is to fetch robots.txt, else the body another fetched."""
        server = getattr(self.crawler.spider, "redis_server", None)
        if server is None:
            return None
        prefix = self.crawler.spider.redis_prefix
        if server.set(f"{prefix}:robots-lock:{robots_url}", "1", nx=True, ex=int(self.WAIT_S * 3)):
            return None
        deadline = time.monotonic() + self.WAIT_S
        while time.monotonic() < deadline:
            body = server.hget(f"{prefix}:robots", robots_url)
            if body is not None:
                return bytes(body)
            await asyncio.sleep(0.1)
        log.warning("robots.txt %s: not shared by another worker within %.0f s; fetching it", robots_url, self.WAIT_S)
        return None

    async def _parse_robots(self, response: Any, netloc: str, request: Request) -> None:
        server = getattr(self.crawler.spider, "redis_server", None)
        if server is not None and response.status == 200:
            server.hset(f"{self.crawler.spider.redis_prefix}:robots", response.url, response.body)
        await super()._parse_robots(response, netloc, request)
