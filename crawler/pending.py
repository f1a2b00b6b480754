"""The in-memory queue of requests waiting to be fetched, kept compact.

A breadth-first crawl holds a whole layer of the site in its frontier: at 6,000 pages of the
full-scale replica about 15,000 requests wait, and a Scrapy `Request` with its headers, meta and
trackref costs ~2.5 KB, so the crawler's memory grew with the site (tracemalloc: the `Headers`
objects and `safe_url_string` copies of waiting requests were the largest lines). Almost every
waiting request is a plain link the spider made with `MohaSpider._request` — GET, its callback,
hop path, referrer and frontier key, nothing else — so the queue stores those as one small tuple
and has the spider make the `Request` again (`MohaSpider.link_request`) when the scheduler takes it. Anything else (pager postbacks,
redirect hops, retries: they carry more meta) is kept as it came. Order is first in, first out:
within one breadth-first priority the pages are fetched in the order they were found.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from scrapy import Request

from crawler.frontier import KEY_META
from crawler.traps import crawl_priority

_PLAIN_META = frozenset({"moha_hops", "moha_referrer", KEY_META})
_REFERER = b"Referer"

# url, hop path, referrer, frontier key (None if not computed)
_Compact = tuple[str, str, str | None, str | None]


class CompactRequestQueue:
    """SCHEDULER_MEMORY_QUEUE: a FIFO that stores plain link requests as tuples."""

    def __init__(self, spider: Any) -> None:
        self.spider = spider
        self._items: deque[_Compact | Request] = deque()

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> CompactRequestQueue:
        return cls(crawler.spider)

    def push(self, request: Request) -> None:
        self._items.append(self._compact(request) or request)

    def pop(self) -> Request | None:
        if not self._items:
            return None
        item = self._items.popleft()
        return item if isinstance(item, Request) else self._request(item)

    def peek(self) -> Request | None:
        if not self._items:
            return None
        item = self._items[0]
        return item if isinstance(item, Request) else self._request(item)

    def close(self) -> list[Any]:
        return []

    def __len__(self) -> int:
        return len(self._items)

    def _compact(self, request: Request) -> _Compact | None:
        """The tuple standing for `request`, or None when it carries more than a plain link does."""
        if (type(request) is not Request or request.method != "GET" or request.body or request.errback
                or request.dont_filter or request.flags or request.cookies or request.cb_kwargs
                or request.callback != self.spider.parse or request.encoding != "utf-8"):
            return None
        meta = request.meta
        if not meta.keys() <= _PLAIN_META:
            return None
        referrer = meta.get("moha_referrer")
        headers = request.headers
        if len(headers) > 1 or (headers and headers.get(_REFERER) != (referrer or "").encode("utf-8")):
            return None
        if bool(headers) != bool(referrer):
            return None
        hops = meta.get("moha_hops", "")
        if request.priority != crawl_priority(hops):
            return None
        cached = meta.get(KEY_META)
        if cached is not None and cached[0] != request.url:
            return None
        return (request.url, hops, referrer, cached[1] if cached else None)

    def _request(self, item: _Compact) -> Request:
        url, hops, referrer, key = item
        return self.spider.link_request(url, hops=hops, referrer=referrer, key=key)
