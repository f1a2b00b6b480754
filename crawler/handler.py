"""Scrapy download handler for http:// built on `crawler.http_client`: every byte kept for the WARC.

It replaces Scrapy's HTTP/1.1 handler so that the status line, header block and body are seen as
received (field-notes.md: Scrapy's `Headers` normalise names and drop the reason phrase). Every
request — robots.txt included — goes through the configured proxy, so the replica answers as
moha.gov.vn. The raw exchange travels to `WarcCaptureMiddleware` in `request.meta`; the spider gets
a normal Response whose body is de-chunked and decompressed (HTML and text only: media bodies are
not parsed, so they are never held in memory).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.exceptions import (
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    NotConfigured,
)
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from crawler.http_client import FetchError, FetchOptions, HttpClient

log = logging.getLogger(__name__)

EXCHANGE_META = "moha_exchange"
DEFAULT_HEADERS = (
    ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
    ("Accept-Language", "vi-VN,vi;q=0.9,en;q=0.5"),
    ("Accept-Encoding", "gzip, deflate"),
)
_HOP_BY_HOP = frozenset({b"content-encoding", b"transfer-encoding", b"content-length"})


def parse_proxy(url: str | None) -> tuple[str, int] | None:
    """`http://127.0.0.1:8080` -> ("127.0.0.1", 8080); None stays None."""
    if not url:
        return None
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme != "http" or not parts.hostname:
        raise NotConfigured(f"proxy {url!r}: only http:// proxies are supported")
    return parts.hostname, parts.port or 80


class RawHttpDownloadHandler:
    """DOWNLOAD_HANDLERS["http"]: raw-byte exchanges through `MOHA_PROXY` (or direct)."""

    lazy = False

    def __init__(self, crawler: Any) -> None:
        settings = crawler.settings
        self.user_agent: str = settings.get("USER_AGENT")
        self.client = HttpClient(
            FetchOptions(
                proxy=parse_proxy(settings.get("MOHA_PROXY")),
                timeout_s=settings.getfloat("DOWNLOAD_TIMEOUT"),
                max_body_bytes=settings.getint("DOWNLOAD_MAXSIZE"),
            )
        )

    @classmethod
    def from_crawler(cls, crawler: Any) -> RawHttpDownloadHandler:
        return cls(crawler)

    async def download_request(self, request: Request) -> Response:
        headers = [("User-Agent", self.user_agent), *DEFAULT_HEADERS]
        present = {k.lower() for k, _ in headers}
        for name, values in request.headers.items():
            text = name.decode("latin-1")
            if text.lower() in present:
                continue
            for value in values:
                headers.append((text, value.decode("latin-1")))
        try:
            ex = await self.client.fetch(request.method, request.url, headers, request.body or b"")
        except FetchError as exc:
            if exc.kind == "timeout":
                raise DownloadTimeoutError(f"{request.url}: {exc}") from exc
            if exc.kind == "refused":
                raise DownloadConnectionRefusedError(f"{request.url}: {exc}") from exc
            raise DownloadFailedError(f"{request.url}: {exc}") from exc
        request.meta[EXCHANGE_META] = ex
        body = ex.decoded_body or b""
        scrapy_headers = Headers()
        for name, value in ex.headers:
            if name.lower() not in _HOP_BY_HOP or ex.decoded_body is None:
                scrapy_headers.appendlist(name, value)
        respcls = responsetypes.from_args(headers=scrapy_headers, url=request.url, body=body[:1024])
        return respcls(
            url=request.url, status=ex.status, headers=scrapy_headers, body=body,
            request=request, protocol=ex.http_version,
        )

    async def close(self) -> None:
        await self.client.close()
