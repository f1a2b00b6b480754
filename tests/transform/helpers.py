"""Small helpers shared by the transform tests: one replica reply as a CapturedResponse."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from archive.reader import CapturedResponse
from moha_migrate.urls import normalize_url


def captured(site, url: str, *, body: bytes | None = None, status: int | None = None, content_type: str | None = None) -> CapturedResponse:
    """What the archive reader would yield for `url` fetched from `site` (optionally mutated)."""
    reply = site.handle("GET", url, {}, b"")
    if reply.status == 500:  # the 500-once quirk: a crawler retries
        reply = site.handle("GET", url, {}, b"")
    data = reply.body if body is None else body
    header = content_type if content_type is not None else (reply.header("Content-Type") or "")
    charset = header.split("charset=", 1)[1].strip().lower() if "charset=" in header else None
    return CapturedResponse(
        url=normalize_url(url), method="GET", status=reply.status if status is None else status, reason=reply.reason,
        headers=[("Content-Type", header)] + [(k, v) for k, v in reply.headers if k.lower() != "content-type"],
        content_type=header.split(";", 1)[0].strip().lower(), charset=charset, body=data,
        sha256=hashlib.sha256(data).hexdigest(), size=len(data), head=data[:4096], warc_file="test.warc.gz",
        offset=0, record_id="<urn:uuid:00000000-0000-0000-0000-000000000000>",
        payload_digest="sha1:AAAA", captured_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
