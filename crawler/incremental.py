"""Incremental recrawl: conditional requests against a previous capture, 304 -> revisit.

Given `--previous DIR` (an earlier crawl's work directory), each request for a URL captured there
with an `ETag` or `Last-Modified` carries `If-None-Match` / `If-Modified-Since`. A 304 answer is
written as a revisit record (WARC/1.1 server-not-modified profile, referring to the earlier
record) by `WarcCaptureMiddleware`; this middleware then hands the spider the earlier payload, read
back from the earlier WARC, so the unchanged page's links are still followed. Unchanged payloads
without validators become identical-payload-digest revisits through the digest index, which the
worker seeds from the previous crawl log.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from crawler.crawllog import iter_crawl_log
from crawler.frontier import request_key
from crawler.readback import read_payload
from crawler.warc_capture import NOT_MODIFIED_META

log = logging.getLogger(__name__)

_SKIP_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})


def load_previous(crawl_dir: Path) -> dict[str, dict[str, Any]]:
    """Frontier key -> last final 200 response entry of a previous crawl (with its validators)."""
    found: dict[str, dict[str, Any]] = {}
    for entry in iter_crawl_log(crawl_dir / "crawl.log"):
        if entry.get("kind") == "fetch" and entry.get("status") == 200 and entry.get("key"):
            found[entry["key"]] = entry
    return found


class IncrementalMiddleware:
    """Priority 900: conditional headers out, earlier payload back in on 304."""

    def __init__(self, crawler: Any) -> None:
        previous = crawler.settings.get("MOHA_PREVIOUS")
        if not previous:
            raise NotConfigured
        self.crawler = crawler
        self.previous_dir = Path(previous)
        self.previous = load_previous(self.previous_dir)
        log.info("incremental: %d earlier captures in %s", len(self.previous), previous)

    @classmethod
    def from_crawler(cls, crawler: Any) -> IncrementalMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if request.method != "GET":
            return
        entry = self.previous.get(request_key(request, self.crawler.spider.rules))
        if not entry or not (entry.get("etag") or entry.get("last_modified")):
            return
        if entry.get("etag"):
            request.headers["If-None-Match"] = entry["etag"]
        if entry.get("last_modified"):
            request.headers["If-Modified-Since"] = entry["last_modified"]
        request.meta[NOT_MODIFIED_META] = entry

    def process_response(self, request: Request, response: Response) -> Response:
        entry = request.meta.get(NOT_MODIFIED_META)
        if response.status != 304 or not entry:
            return response
        source = entry
        if entry.get("type") == "revisit":
            return response  # the earlier capture was itself a revisit: nothing to parse here
        body, http_headers = read_payload(self.previous_dir / "warc" / source["warc"], int(source["offset"]))
        headers = Headers()
        for name, value in http_headers:
            if name.lower() not in _SKIP_HEADERS:
                headers.appendlist(name, value)
        respcls = responsetypes.from_args(headers=headers, url=request.url, body=body[:1024])
        return respcls(url=request.url, status=200, headers=headers, body=body, request=request)
