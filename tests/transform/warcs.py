"""Test captures of the replica written with warcio: every page a polite crawl reaches, fetched
through `Site.handle` directly (no network), as response records; a repeat fetch becomes a
revisit record. Used until/unless a real crawl (the `replica_crawl` fixture) is available, and for
small hand-made captures (mutated pages, truncated files)."""

from __future__ import annotations

import gzip
import hashlib
import html
import io
import re
from base64 import b32encode
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from moha_migrate.urls import SITE_HOSTS, normalize_url

_LINK = re.compile(rb"""(?:href|src)\s*=\s*["']([^"'#]+)""", re.IGNORECASE)
_NOT_POLITE = re.compile(r"/(?:admin/|timkiem\.aspx|emailarticle\.aspx|lichcongtac\.aspx)|/\(S\(", re.IGNORECASE)


def _digest(data: bytes) -> str:
    return "sha1:" + b32encode(hashlib.sha1(data).digest()).decode("ascii")


class CaptureWriter:
    """Write HTTP responses as WARC response records (revisits for repeated payloads)."""

    def __init__(self, fh: io.BufferedWriter, *, gzip_records: bool = True) -> None:
        self.writer = WARCWriter(fh, gzip=gzip_records, warc_version="1.1")
        self.seen: dict[str, tuple[str, str]] = {}  # payload digest -> (record id, url)

    def write(self, url: str, status: int, reason: str, headers: list[tuple[str, str]], body: bytes, *, allow_revisit: bool = True) -> None:
        http_headers = StatusAndHeaders(f"{status} {reason}", headers + [("Content-Length", str(len(body)))], protocol="HTTP/1.1")
        digest = _digest(body)
        if allow_revisit and digest in self.seen and status == 200:
            record_id, original_url = self.seen[digest]
            record = self.writer.create_revisit_record(url, digest, original_url, "2015-08-15T00:00:00Z", http_headers=http_headers)
            record.rec_headers.add_header("WARC-Refers-To", record_id)
            self.writer.write_record(record)
            return
        record = self.writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http_headers)
        self.writer.write_record(record)
        if status == 200:
            self.seen.setdefault(digest, (record.rec_headers.get_header("WARC-Record-ID"), url))


def crawl_site(site, limit: int = 5000, start: Iterable[str] = ("http://moha.gov.vn/",)) -> list[tuple[str, object]]:
    """Breadth-first fetch of the replica through `site.handle` (links and images, both hosts, no
    traps or robots-disallowed paths); returns (url, Reply) in fetch order, retrying a 500 once."""
    queue = deque(start)
    seen = set(queue)
    out = []
    while queue and len(out) < limit:
        url = queue.popleft()
        reply = site.handle("GET", url, {"Accept-Encoding": "identity"}, b"")
        if reply.status == 500:
            out.append((url, reply))
            reply = site.handle("GET", url, {}, b"")
        out.append((url, reply))
        targets: list[str] = []
        if 300 <= reply.status < 400 and reply.header("Location"):
            targets.append(urljoin(url, reply.header("Location")))
        elif reply.status == 200 and (reply.header("Content-Type") or "").startswith("text/html"):
            for m in _LINK.finditer(reply.body):
                try:
                    href = m.group(1).decode("utf-8")
                except UnicodeDecodeError:
                    href = m.group(1).decode("latin-1")
                targets.append(urljoin(url, html.unescape(href)))  # &amp; and &#7897; in legacy pages
        for target in targets:
            parts = urlsplit(target)
            if parts.scheme != "http" or (parts.hostname or "") not in SITE_HOSTS or _NOT_POLITE.search(parts.path):
                continue
            target = urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))
            key = normalize_url(target)
            if key not in seen:
                seen.add(key)
                queue.append(target)
    return out


def write_capture(site, path: Path, *, limit: int = 5000, gzip_bodies: bool = False) -> int:
    """Crawl the replica (see crawl_site) into one .warc.gz at `path`; return the response count.
    A payload seen before under another URL (home page aliases, duplicate images) is written as a
    revisit record."""
    fetched = crawl_site(site, limit)
    with path.open("wb") as fh:
        writer = CaptureWriter(fh)
        for url, reply in fetched:
            headers = [(k, v) for k, v in reply.headers if k.lower() not in ("content-length", "transfer-encoding")]
            body = reply.body
            if gzip_bodies and reply.gzip:
                body = gzip.compress(body, mtime=0)
                headers.append(("Content-Encoding", "gzip"))
            writer.write(normalize_url(url), reply.status, reply.reason, headers, body, allow_revisit=True)
    return len(fetched)
