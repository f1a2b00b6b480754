"""Downloader middleware writing every exchange to WARC and the crawl log, closest to the downloader.

It sits at the far end of the downloader middleware chain (priority 990), so it sees every attempt
as it happened: robots.txt, each redirect hop, each retry of a 500, a 404. For each exchange it
writes a `response` record (or a `revisit` when the payload digest was captured before, WARC/1.1
identical-payload-digest profile) and the `request` record as it would have reached the origin,
linked by `WARC-Concurrent-To`; then one crawl-log line pointing at them. Failures without a
response (reset, timeout, refused) get an `error` line. Soft 404s (200 with the site's "not found"
text) are flagged in the log.
"""

from __future__ import annotations

import logging
import platform
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import scrapy
from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from w3lib.url import safe_url_string

from crawler.crawllog import CrawlLog
from crawler.dedup import DigestIndex, Original
from crawler.frontier import request_key
from crawler.handler import EXCHANGE_META
from crawler.http_client import RawExchange, is_text_type
from crawler.warc_writer import WarcFileWriter, new_record_id, warc_date
from moha_migrate import __version__

log = logging.getLogger(__name__)

IDENTICAL_PAYLOAD = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
NOT_MODIFIED_META = "moha_not_modified_of"


def warcinfo_fields(spider: Any, settings: Any) -> dict[str, str]:
    """The warcinfo block: software, operator, robots policy, profile (what archivists look for)."""
    rules = spider.rules
    return {
        "software": f"moha-migrate/{__version__} (Scrapy {scrapy.__version__}, warcio {version('warcio')})",
        "operator": rules.operator or "moha-migrate user",
        "hostname": platform.node(),
        "http-header-user-agent": settings.get("USER_AGENT"),
        "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
        "crawl-delay": "honoured" if not settings.getbool("MOHA_IGNORE_CRAWL_DELAY") else "ignored (test run)",
        "site-profile": rules.source,
        "isPartOf": settings.get("MOHA_COLLECTION") or "moha.gov.vn",
        "description": "Capture of the legacy moha.gov.vn portal (2008-2015) for migration",
    }


class WarcCaptureMiddleware:
    """DOWNLOADER_MIDDLEWARES[...] = 990: writes records, dedups payloads, logs each fetch."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        spider = crawler.spider
        settings = crawler.settings
        out = Path(settings.get("MOHA_OUT"))
        self.rules = spider.rules
        self.index: DigestIndex = spider.digest_index
        self.via_proxy = bool(settings.get("MOHA_PROXY"))
        self.retry_codes = set(settings.getlist("RETRY_HTTP_CODES"))
        self.retry_times = settings.getint("RETRY_TIMES")
        self.writer = WarcFileWriter(
            out / "warc",
            prefix=settings.get("MOHA_WARC_PREFIX"),
            max_size=settings.getint("MOHA_WARC_MAX_SIZE"),
            warcinfo=warcinfo_fields(spider, settings),
            first_serial=settings.getint("MOHA_FIRST_SERIAL"),
            fsync=settings.getbool("MOHA_FSYNC"),
        )
        self.crawl_log = CrawlLog(out / "crawl.log")
        spider.crawl_log = self.crawl_log
        self.stats = crawler.stats
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> WarcCaptureMiddleware:
        return cls(crawler)

    def spider_closed(self, spider: Any, reason: str) -> None:
        self.writer.close()
        self.crawl_log.close()

    # -- responses ---------------------------------------------------------------------------------
    def process_response(self, request: Request, response: Response) -> Response:
        ex: RawExchange | None = request.meta.pop(EXCHANGE_META, None)
        if ex is None:
            return response
        try:
            self._capture(request, response, ex)
        finally:
            ex.close()
        return response

    def _capture(self, request: Request, response: Response, ex: RawExchange) -> None:
        date = warc_date(ex.started_at)
        response_id = new_record_id()
        common = [("WARC-Date", date), ("WARC-Target-URI", request.url)]
        if ex.ip_address and not self.via_proxy:
            common.append(("WARC-IP-Address", ex.ip_address))
        not_modified = request.meta.get(NOT_MODIFIED_META)
        original: Original | None = None
        if ex.status == 304 and not_modified:
            original = Original(not_modified["url"], not_modified["warc_date"], not_modified["record_id"])
            kind = "revisit"
            headers = [("WARC-Type", "revisit"), ("WARC-Record-ID", response_id), *common,
                       ("Content-Type", "application/http; msgtype=response"),
                       ("WARC-Profile", SERVER_NOT_MODIFIED),
                       ("WARC-Refers-To-Target-URI", original.uri), ("WARC-Refers-To-Date", original.date),
                       ("WARC-Refers-To", original.record_id)]
            written = self.writer.write_block(headers, [ex.response_head])
        else:
            if ex.status == 200 and ex.body_size and not ex.truncated:
                original = self.index.claim(ex.payload_sha1, Original(request.url, date, response_id))
            if original is not None:
                kind = "revisit"
                headers = [("WARC-Type", "revisit"), ("WARC-Record-ID", response_id), *common,
                           ("Content-Type", "application/http; msgtype=response"),
                           ("WARC-Payload-Digest", ex.payload_sha1), ("WARC-Profile", IDENTICAL_PAYLOAD),
                           ("WARC-Refers-To-Target-URI", original.uri), ("WARC-Refers-To-Date", original.date),
                           ("WARC-Refers-To", original.record_id)]
                written = self.writer.write_block(headers, [ex.response_head])
            else:
                kind = "response"
                headers = [("WARC-Type", "response"), ("WARC-Record-ID", response_id), *common,
                           ("Content-Type", "application/http; msgtype=response"),
                           ("WARC-Payload-Digest", ex.payload_sha1)]
                if ex.truncated:
                    headers.append(("WARC-Truncated", ex.truncated))
                written = self.writer.write_streamed(
                    headers, ex.response_head, ex.iter_body(), len(ex.response_head) + ex.body_size,
                    ex.block_sha1,
                )
        req_headers = [("WARC-Type", "request"), ("WARC-Record-ID", new_record_id()), *common,
                       ("Content-Type", "application/http; msgtype=request"),
                       ("WARC-Concurrent-To", response_id)]
        req_written = self.writer.write_block(req_headers, [ex.request_head, ex.request_body])
        end = req_written.end if req_written.warc_file == written.warc_file else written.end
        self._log_fetch(request, response, ex, kind, written, end, date, original)

    def _log_fetch(self, request: Request, response: Response, ex: RawExchange, kind: str, written: Any,
                   end: int, date: str, original: Original | None) -> None:
        retrying = ex.status in self.retry_codes and request.meta.get("retry_times", 0) < self.retry_times
        flags = []
        body = ex.decoded_body
        if ex.status == 200 and body and any(m in body for m in self.rules.soft404_markers):
            flags.append("soft-404")
        if ex.status == 404:
            flags.append("404")
        if ex.decode_error:
            flags.append("bad-content-encoding")
        if ex.truncated:
            flags.append(f"truncated-{ex.truncated}")
        if retrying:
            flags.append("will-retry")
        entry = {
            "kind": "fetch",
            "t": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "url": request.url,
            "method": request.method,
            "status": ex.status,
            "size": ex.body_size,
            "mime": ex.content_type,
            "digest": ex.payload_sha1,
            "type": kind,
            "warc": written.warc_file,
            "offset": written.offset,
            "end": end,
            "record_id": written.record_id,
            "warc_date": date,
            "referrer": request.meta.get("moha_referrer"),
            "hops": self._hops(request),
            "key": request_key(request, self.rules),
            "final": not retrying,
            "parse": bool(body) and is_text_type(ex.content_type) and ex.status == 200,
            "ms": round(ex.elapsed_s * 1000, 1),
        }
        location = ex.header("Location")
        if location and 300 <= ex.status < 400:
            entry["location"] = safe_url_string(urljoin(request.url, location))
        for name, header in (("etag", "ETag"), ("last_modified", "Last-Modified")):
            value = ex.header(header)
            if value:
                entry[name] = value
        if original is not None:
            entry["refers_to"] = original.record_id
        if flags:
            entry["flags"] = flags
        if ex.decode_error:
            entry["error"] = ex.decode_error
        self.crawl_log.write(entry)
        self.stats.inc_value(f"moha/{kind}")
        self.stats.inc_value("moha/bytes", ex.body_size)
        if ex.status >= 400:
            self.stats.inc_value(f"moha/status/{ex.status}")
        for flag in flags:
            self.stats.inc_value(f"moha/flag/{flag}")
        if ex.decode_error:
            log.warning("%s: %s (raw bytes kept in %s@%d)", request.url, ex.decode_error,
                        written.warc_file, written.offset)

    @staticmethod
    def _hops(request: Request) -> str:
        """Heritrix hop path: the spider's L/E/X codes, R per redirect, P for robots.txt."""
        hops = request.meta.get("moha_hops")
        if hops is None and request.url.endswith("/robots.txt"):
            return "P"
        return (hops or "") + "R" * int(request.meta.get("redirect_times", 0))

    # -- failures without a response -----------------------------------------------------------------
    def process_exception(self, request: Request, exception: BaseException) -> None:
        request.meta.pop(EXCHANGE_META, None)
        if isinstance(exception, IgnoreRequest):
            # Whoever ignores a request logs why; robots.txt's middleware is Scrapy's, so log it here.
            if "robots.txt" in str(exception):
                self.crawler.spider.log_skip(request.url, "robots", request.meta.get("moha_referrer"),
                                             request.meta.get("moha_hops", ""))
            return
        retrying = request.meta.get("retry_times", 0) < self.retry_times
        self.crawl_log.write({
            "kind": "error",
            "t": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "url": request.url,
            "method": request.method,
            "error": f"{type(exception).__name__}: {exception}",
            "referrer": request.meta.get("moha_referrer"),
            "hops": request.meta.get("moha_hops", ""),
            "key": request_key(request, self.rules),
            "final": not retrying,
        })
        self.stats.inc_value("moha/errors" if not retrying else "moha/errors_retried")
        log.log(logging.ERROR if not retrying else logging.INFO, "%s: %s%s", request.url, exception,
                "" if not retrying else " (will retry)")

