"""A minimal HTTP/1.1 client that keeps every byte as it came off the wire.

Scrapy's own handler (Twisted's HTTP client) parses the status line and headers and hands over
normalised names without the reason phrase, so an archival capture cannot be rebuilt from it (see
field-notes.md). This client sends the request itself on asyncio streams, records the status line
and header block verbatim, and spools the body as received (chunked framing and gzip kept) to a
temporary file while hashing it, so a large attachment is never held whole in memory. Only what the
spider needs to parse (HTML and other text, de-chunked and decompressed) is also kept in memory.

Through a proxy (the replica) the request goes out in absolute form; the request head recorded in
the WARC is the origin form with `Host`, what the origin server would have received.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import socket
import tempfile
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

MAX_HEAD_BYTES = 64 * 1024
READ_CHUNK = 64 * 1024
SPOOL_IN_MEMORY = 1024 * 1024


class FetchError(Exception):
    """The exchange failed before a complete response head arrived (reset, refused, timeout)."""

    def __init__(self, message: str, *, kind: str) -> None:
        super().__init__(message)
        self.kind = kind  # "refused" | "reset" | "timeout" | "protocol"


@dataclass(slots=True)
class FetchOptions:
    """How one exchange is made: proxy, limits, which bodies the caller wants decoded."""

    proxy: tuple[str, int] | None = None
    timeout_s: float = 30.0
    max_body_bytes: int = 1024**3
    keep_decoded_max_bytes: int = 16 * 1024 * 1024


@dataclass(slots=True)
class RawExchange:
    """One request and its response exactly as exchanged, body spooled to a temporary file."""

    url: str
    method: str
    request_head: bytes
    request_body: bytes
    started_at: datetime
    ip_address: str | None
    status: int = 0
    reason: str = ""
    http_version: str = "HTTP/1.1"
    response_head: bytes = b""
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body_spool: IO[bytes] | None = None
    body_size: int = 0
    payload_sha1: str = ""
    block_sha1: str = ""
    truncated: str | None = None
    decoded_body: bytes | None = None
    decode_error: str | None = None
    elapsed_s: float = 0.0

    def header(self, name: str) -> str | None:
        """The first value of a header (case-insensitive), decoded as Latin-1, or None."""
        key = name.lower().encode("ascii")
        for k, v in self.headers:
            if k.lower() == key:
                return v.decode("latin-1").strip()
        return None

    @property
    def content_type(self) -> str:
        value = self.header("Content-Type") or ""
        return value.split(";", 1)[0].strip().lower()

    def iter_body(self, chunk_size: int = READ_CHUNK):
        """Yield the raw body bytes (as received) from the spool, from the start."""
        if self.body_spool is None:
            return
        self.body_spool.seek(0)
        while True:
            buf = self.body_spool.read(chunk_size)
            if not buf:
                return
            yield buf

    def close(self) -> None:
        """Release the spool (idempotent)."""
        if self.body_spool is not None:
            self.body_spool.close()
            self.body_spool = None


def sha1_label(digest: bytes) -> str:
    """A digest as WARC writes it: `sha1:` + base32."""
    return "sha1:" + base64.b32encode(digest).decode("ascii")


def is_text_type(content_type: str) -> bool:
    """True for the types the spider parses for links (HTML and other text)."""
    return content_type in ("", "text/html", "application/xhtml+xml", "text/plain", "text/css", "text/xml")


def build_request_head(
    method: str, url: str, headers: Sequence[tuple[str, str]], *, absolute: bool
) -> tuple[bytes, bytes]:
    """(head to send, head to record): absolute form through a proxy, origin form for the record."""
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    host = parts.netloc
    lines = [f"Host: {host}"] + [f"{k}: {v}" for k, v in headers]
    tail = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
    origin = f"{method} {target} HTTP/1.1\r\n".encode("ascii") + tail
    if absolute:
        sent = f"{method} {parts.scheme}://{host}{target} HTTP/1.1\r\n".encode("ascii") + tail
    else:
        sent = origin
    return sent, origin


def parse_response_head(head: bytes) -> tuple[str, int, str, list[tuple[bytes, bytes]]]:
    """(version, status, reason, headers as raw byte pairs) from a status line + header block."""
    lines = head.split(b"\r\n") if b"\r\n" in head else head.split(b"\n")
    status_line = lines[0].decode("latin-1")
    pieces = status_line.split(" ", 2)
    if len(pieces) < 2 or not pieces[0].startswith("HTTP/") or not pieces[1].isdigit():
        raise FetchError(f"bad status line {status_line[:80]!r}", kind="protocol")
    headers: list[tuple[bytes, bytes]] = []
    for line in lines[1:]:
        if not line:
            continue
        if line[:1] in (b" ", b"\t") and headers:  # obsolete line folding
            name, value = headers[-1]
            headers[-1] = (name, value + b" " + line.strip())
            continue
        name, sep, value = line.partition(b":")
        if sep:
            headers.append((name.strip(), value.strip()))
    return pieces[0], int(pieces[1]), pieces[2] if len(pieces) > 2 else "", headers


def decode_content(body: bytes, encoding: str | None) -> bytes:
    """Undo a gzip/deflate Content-Encoding; raise zlib.error or ValueError on a broken body."""
    enc = (encoding or "").lower().strip()
    if enc in ("", "identity"):
        return body
    if enc in ("gzip", "x-gzip"):
        return zlib.decompress(body, zlib.MAX_WBITS | 32)
    if enc == "deflate":
        try:
            return zlib.decompress(body)
        except zlib.error:
            return zlib.decompress(body, -zlib.MAX_WBITS)
    raise ValueError(f"unsupported Content-Encoding {enc!r}")


class _Connection:
    __slots__ = ("peer", "reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        peer = writer.get_extra_info("peername")
        self.peer = peer[0] if peer else None

    def close(self) -> None:
        self.writer.close()


class HttpClient:
    """Keep-alive connection pool plus the raw exchange; one instance per crawl."""

    def __init__(self, options: FetchOptions) -> None:
        self.options = options
        self._idle: dict[tuple[str, int], list[_Connection]] = {}

    async def close(self) -> None:
        for conns in self._idle.values():
            for conn in conns:
                conn.close()
        self._idle.clear()

    async def _connect(self, address: tuple[str, int]) -> _Connection:
        try:
            reader, writer = await asyncio.open_connection(address[0], address[1], limit=MAX_HEAD_BYTES)
        except ConnectionRefusedError as exc:
            raise FetchError(f"connection refused by {address[0]}:{address[1]}", kind="refused") from exc
        except OSError as exc:
            raise FetchError(f"cannot connect to {address[0]}:{address[1]}: {exc}", kind="refused") from exc
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return _Connection(reader, writer)

    async def fetch(
        self, method: str, url: str, headers: Sequence[tuple[str, str]], body: bytes = b""
    ) -> RawExchange:
        """Make one exchange; raise FetchError when no complete response head arrived."""
        try:
            return await asyncio.wait_for(self._fetch(method, url, headers, body), self.options.timeout_s)
        except TimeoutError as exc:
            raise FetchError(f"no complete response within {self.options.timeout_s:g} s", kind="timeout") from exc

    async def _fetch(
        self, method: str, url: str, headers: Sequence[tuple[str, str]], body: bytes
    ) -> RawExchange:
        parts = urlsplit(url)
        address = self.options.proxy or (parts.hostname or "", parts.port or 80)
        all_headers = list(headers)
        if body:
            all_headers.append(("Content-Length", str(len(body))))
        sent, origin = build_request_head(method, url, all_headers, absolute=self.options.proxy is not None)
        pool = self._idle.setdefault(address, [])
        # A pooled connection may have been closed by the server while idle: retry once on a new one.
        for attempt in (0, 1):
            reused = bool(pool) and attempt == 0
            conn = pool.pop() if reused else await self._connect(address)
            started = time.monotonic()
            exchange = RawExchange(
                url=url, method=method, request_head=origin, request_body=body,
                started_at=datetime.now(UTC), ip_address=conn.peer,
            )
            try:
                conn.writer.write(sent + body)
                await conn.writer.drain()
                head = await self._read_head(conn.reader)
            except (ConnectionError, asyncio.IncompleteReadError, FetchError) as exc:
                conn.close()
                if reused and method in ("GET", "HEAD") and not isinstance(exc, FetchError):
                    continue
                if isinstance(exc, FetchError):
                    raise
                raise FetchError(f"connection lost before the response head: {exc!r}", kind="reset") from exc
            break
        version, status, reason, resp_headers = parse_response_head(head)
        exchange.http_version, exchange.status, exchange.reason = version, status, reason
        exchange.response_head = head
        exchange.headers = resp_headers
        reusable = await self._read_body(conn, exchange, method)
        exchange.elapsed_s = time.monotonic() - started
        if reusable:
            pool.append(conn)
        else:
            conn.close()
        return exchange

    @staticmethod
    async def _read_head(reader: asyncio.StreamReader) -> bytes:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError as exc:
            raise FetchError("response head larger than 64 KiB", kind="protocol") from exc
        return head

    async def _read_body(self, conn: _Connection, ex: RawExchange, method: str) -> bool:
        """Spool the body; return True when the connection can be reused."""
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 - closed by RawExchange.close
        ex.body_spool = spool
        payload = hashlib.sha1()
        block = hashlib.sha1(ex.response_head)
        keep = is_text_type(ex.content_type)
        decoded: list[bytes] = []
        kept = 0
        limit = self.options.max_body_bytes
        reader = conn.reader
        te = (ex.header("Transfer-Encoding") or "").lower()
        length_header = ex.header("Content-Length")
        connection = (ex.header("Connection") or "").lower()
        reusable = ex.http_version == "HTTP/1.1" and "close" not in connection

        def take(raw: bytes, data: bytes | None = None) -> bool:
            """Spool raw bytes (and keep their de-chunked data); False once the size limit is hit."""
            nonlocal kept, keep
            if ex.body_size + len(raw) > limit:
                raw = raw[: max(0, limit - ex.body_size)]
                ex.truncated = "length"
            spool.write(raw)
            payload.update(raw)
            block.update(raw)
            ex.body_size += len(raw)
            if keep:
                piece = raw if data is None else data
                kept += len(piece)
                if kept > self.options.keep_decoded_max_bytes:
                    keep = False
                    decoded.clear()
                else:
                    decoded.append(piece)
            return ex.truncated is None

        try:
            if method == "HEAD" or ex.status in (204, 304) or 100 <= ex.status < 200:
                pass
            elif "chunked" in te:
                while True:
                    size_line = await reader.readuntil(b"\n")
                    size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                    if size == 0:
                        if not take(size_line):
                            break
                        while True:  # trailer section, ends with an empty line
                            trailer = await reader.readuntil(b"\n")
                            if not take(trailer):
                                break
                            if trailer in (b"\r\n", b"\n"):
                                break
                        break
                    if not take(size_line, b""):
                        break
                    data = await reader.readexactly(size)
                    crlf = await reader.readexactly(2)
                    if not take(data + crlf, data):
                        break
            elif length_header is not None and length_header.isdigit():
                remaining = int(length_header)
                while remaining > 0:
                    buf = await reader.read(min(READ_CHUNK, remaining))
                    if not buf:
                        ex.truncated = "disconnect"
                        break
                    remaining -= len(buf)
                    if not take(buf):
                        break
            else:
                reusable = False
                while True:
                    buf = await reader.read(READ_CHUNK)
                    if not buf or not take(buf):
                        break
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            ex.truncated = "disconnect"
            log.warning("%s: connection lost after %d body bytes: %r", ex.url, ex.body_size, exc)
        except ValueError as exc:  # a bad chunk-size line
            ex.truncated = "disconnect"
            log.warning("%s: malformed chunked body after %d bytes: %s", ex.url, ex.body_size, exc)
        ex.payload_sha1 = sha1_label(payload.digest())
        ex.block_sha1 = sha1_label(block.digest())
        if ex.truncated:
            reusable = False
        if keep:
            raw_body = b"".join(decoded)
            try:
                ex.decoded_body = decode_content(raw_body, ex.header("Content-Encoding"))
            except (zlib.error, ValueError) as exc:
                ex.decode_error = f"Content-Encoding {ex.header('Content-Encoding')}: {exc}"
                ex.decoded_body = b""
        return reusable
