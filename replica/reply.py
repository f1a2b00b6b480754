"""What the replica sends for one request: the contract between `replica.site` and `replica.server`.

The site decides *what* to answer (status, headers, body and the transport quirks it wants);
the server decides *how* it goes on the wire: gzip only when the client accepts it, chunked
transfer encoding, the delay, ETag/Last-Modified validators and the 304 answer to conditional
requests. Keeping these as flags instead of pre-encoded bytes lets one Reply serve every client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(slots=True)
class Reply:
    """One HTTP answer of the replica, before transport encoding.

    status, reason: the status line (`200`, `"OK"`).
    headers: (name, value) pairs in order, as the site wants them sent; the server adds
        Content-Length or Transfer-Encoding, Content-Encoding, Connection and Date itself.
    body: the payload bytes (already in the page's legacy encoding).
    gzip: compress with gzip when the request's Accept-Encoding allows it.
    chunked: send with `Transfer-Encoding: chunked` instead of Content-Length.
    delay_s: wait this long before answering (without blocking other clients).
    etag: the entity tag *including* its quotes (`'"abc123"'`); the server sends it and answers
        304 to a matching If-None-Match.
    last_modified: an aware datetime (or a ready HTTP-date string); the server sends it and
        answers 304 to an If-Modified-Since at or after it.
    """

    status: int
    reason: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    gzip: bool = False
    chunked: bool = False
    delay_s: float = 0.0
    etag: str | None = None
    last_modified: datetime | str | None = None

    def header(self, name: str) -> str | None:
        """The first value of header `name` (case-insensitive), or None."""
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None
