"""`--redis URL`: many workers, one crawl; frontier, seen set and digest index shared in Redis.

scrapy-redis provides the shared scheduler queue and dupefilter; two things are added here. The
dupefilter uses our frontier key (its own fingerprint ignores the profile's canonicalisation and
would see every __VIEWSTATE as a new page). And a worker must not stop just because the shared
queue is momentarily empty while another worker is still fetching pages whose links will refill it:
`SharedIdle` keeps a heartbeat per busy worker and lets a worker close only when the queue is empty
and no other worker has been busy for a few seconds. It also makes an idle worker look at the
shared queue every POLL_S seconds instead of on Scrapy's 5-second engine heartbeat: a worker that
found the queue empty at its start (another worker had just taken the seed) otherwise slept 5 s,
and on a small site the other worker had done the whole crawl by then.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from typing import Any

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.dupefilter import RFPDupeFilter

from crawler.frontier import request_key, rules_from_settings

log = logging.getLogger(__name__)

HEARTBEAT_S = 0.5
QUIET_S = 3.0
POLL_S = 0.25


class RedisFrontierDupeFilter(RFPDupeFilter):
    """scrapy-redis's shared seen set, keyed by our frontier key."""

    rules: Any = None

    @classmethod
    def from_spider(cls, spider: Any) -> RedisFrontierDupeFilter:
        instance = super().from_spider(spider)
        instance.rules = spider.rules
        return instance

    @classmethod
    def from_settings(cls, settings: Any) -> RedisFrontierDupeFilter:
        instance = super().from_settings(settings)
        instance.rules = rules_from_settings(settings)
        return instance

    def request_fingerprint(self, request: Request) -> str:
        return request_key(request, self.rules)


class SharedIdle:
    """Extension: heartbeat while busy; DontCloseSpider while the shared crawl is still going."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.prefix = crawler.settings.get("MOHA_REDIS_PREFIX")
        self.worker = f"{socket.gethostname()}:{os.getpid()}"
        self.server: Any = None
        self._last_beat = 0.0
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.busy, signal=signals.response_received)
        crawler.signals.connect(self.busy, signal=signals.request_scheduled)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)
        crawler.signals.connect(self.engine_started, signal=signals.engine_started)

    @classmethod
    def from_crawler(cls, crawler: Any) -> SharedIdle:
        return cls(crawler)

    def engine_started(self) -> None:
        # The engine's heartbeat (ExecutionEngine._SLOT_HEARTBEAT_INTERVAL, Scrapy 2.19) starts after
        # this signal and is what polls a scheduler that returned nothing; if a later Scrapy renames
        # it, workers fall back to its 5 s poll (slower to join, still correct).
        engine = self.crawler.engine
        if hasattr(engine, "_SLOT_HEARTBEAT_INTERVAL"):
            engine._SLOT_HEARTBEAT_INTERVAL = POLL_S

    def _redis(self) -> Any:
        if self.server is None:
            self.server = self.crawler.spider.redis_server
        return self.server

    def busy(self, **_: Any) -> None:
        now = time.time()
        if now - self._last_beat >= HEARTBEAT_S:
            self._last_beat = now
            self._redis().hset(self.prefix + ":busy", self.worker, now)

    def spider_idle(self, spider: Any) -> None:
        server = self._redis()
        server.hdel(self.prefix + ":busy", self.worker)
        queued = len(self.crawler.engine.scheduler)
        if queued:
            raise DontCloseSpider
        now = time.time()
        others = {k: float(v) for k, v in server.hgetall(self.prefix + ":busy").items()}
        if any(now - beat < QUIET_S for beat in others.values()):
            raise DontCloseSpider
        log.info("worker %s: shared queue empty and no worker busy; closing", self.worker)

    def closed(self, spider: Any, reason: str) -> None:
        self._redis().hdel(self.prefix + ":busy", self.worker)
