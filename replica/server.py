"""Serve a replica `Site` over HTTP/1.1 on 127.0.0.1, as an HTTP proxy and as an origin server.

A request in proxy form (`GET http://moha.gov.vn/x HTTP/1.1`, what a crawler sends through an
HTTP proxy) and one in origin form (`GET /x` + `Host: moha.gov.vn`) reach the same page, so a
crawler using the replica as its proxy records the site's true URLs. Only `moha.gov.vn` and
`www.moha.gov.vn` are served (any port suffix ignored); every other host gets 403 and is counted
in `forbidden_count`, which lets tests prove a crawl stayed in scope.

Why asyncio streams and a small hand-written HTTP/1.1 reader rather than `http.server` or a
framework: the replica must never be the bottleneck of a crawl benchmark (>= 1,000 requests/s on
loopback, several keep-alive clients), must apply transport quirks a framework hides or fights
(chunked on demand, gzip only when accepted, a slow reply that blocks nobody, exact control over
431/413/400 answers), and must stop in milliseconds inside a test. One event loop on one thread
does all of this: the site's `handle()` is pure CPU work, so threads would only contend for the
GIL, while `asyncio.sleep` gives the slow page its delay for free. Every response goes out in one
`write` with TCP_NODELAY set (field-notes: Nagle's algorithm costs ~40 ms per keep-alive reply).
No library on the dependency list (Twisted via Scrapy, pywb's gevent) is lighter for this job.
Measured with bench/replica.py on a shared 2-core machine: 9,000-11,000 requests/s for the
transport alone, 660-2,800 with the full-scale site behind it (the site's page generation is
most of the cost; the figure moves with the other load on the machine).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import signal
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import IO, Any, Protocol, Self

from moha_migrate.errors import ConfigError
from moha_migrate.urls import SITE_HOSTS
from replica.reply import Reply

log = logging.getLogger(__name__)

MAX_LINE_BYTES = 16 * 1024  # request line or one header line; longer -> 431 (or 414 for the URL)
MAX_HEADERS = 100
MAX_HEAD_BYTES = MAX_LINE_BYTES * 8  # the whole request head; longer -> 431 and close
MAX_BODY_BYTES = 4 * 1024 * 1024  # an ASP.NET postback is a few KiB; larger bodies -> 413
IDLE_TIMEOUT_S = 120.0  # close keep-alive connections idle this long (longer than any crawl delay)
LINGER_S, LINGER_MAX_BYTES = 2.0, 8 * 1024 * 1024  # after a 4xx: drain the client's rest, bounded
CHUNK_BYTES = 16 * 1024  # chunk size when a reply is sent chunked
SERVER_HEADER = "Microsoft-IIS/7.5"  # what the legacy site announced (ASP.NET WebForms on IIS)
_TOKEN_CHARS = frozenset(b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


class SiteLike(Protocol):
    """What the server needs of a site: one call per request (replica.site.Site implements it)."""

    def handle(self, method: str, url: str, headers: Mapping[str, str], body: bytes) -> Reply: ...


class Headers(Mapping[str, str]):
    """Request headers, case-insensitive; repeated fields joined with ', ' (RFC 9110 5.3)."""

    __slots__ = ("_items",)

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        items: dict[str, tuple[str, str]] = {}
        for name, value in pairs:
            key = name.lower()
            if key in items:
                items[key] = (items[key][0], f"{items[key][1]}, {value}")
            else:
                items[key] = (name, value)
        self._items = items

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][1]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __iter__(self) -> Iterator[str]:
        return (original for original, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({[v for v in self._items.values()]!r})"


class _BadRequest(Exception):
    """A request the server answers itself with a 4xx and then closes the connection."""

    def __init__(self, status: int, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.reason = reason
        self.detail = detail


def _decode_target(raw: bytes) -> str:
    """The request target as text: UTF-8 when it is, else Latin-1 (never fails)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _split_host(authority: str) -> str:
    """`Host`/authority -> lower-case host name without port or trailing dot."""
    host = authority.strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    host = host.rsplit("@", 1)[-1].split(":", 1)[0]
    return host.rstrip(".")


def accepts_gzip(accept_encoding: str | None) -> bool:
    """True when an Accept-Encoding value allows gzip (`gzip`, `x-gzip` or `*`, q > 0)."""
    if not accept_encoding:
        return False
    star: bool | None = None
    for part in accept_encoding.split(","):
        coding, _, params = part.strip().partition(";")
        coding = coding.strip().lower()
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if coding in ("gzip", "x-gzip"):
            return q > 0
        if coding == "*":
            star = q > 0
    return bool(star)


def _etag_matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison of If-None-Match against our ETag (RFC 9110 13.1.2)."""
    value = if_none_match.strip()
    if value == "*":
        return True
    ours = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == ours for tag in value.split(","))


def _as_datetime(value: datetime | str) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None


def _http_date(value: datetime | str) -> str:
    if isinstance(value, str):
        return value
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return format_datetime(aware.astimezone(UTC), usegmt=True)


def is_not_modified(request: Headers, etag: str | None, last_modified: datetime | str | None) -> bool:
    """True when a conditional GET/HEAD may be answered 304 (If-None-Match wins over IMS)."""
    inm = request.get("If-None-Match")
    if inm is not None:
        return etag is not None and _etag_matches(inm, etag)
    ims = request.get("If-Modified-Since")
    if ims is None or last_modified is None:
        return False
    since = _as_datetime(ims)
    modified = _as_datetime(last_modified)
    if since is None or modified is None:
        return False
    return modified.replace(microsecond=0) <= since


class _GzipCache:
    """Gzipped bodies by content, so a popular gzip page is compressed once (mtime=0: same bytes)."""

    def __init__(self, max_entries: int = 256) -> None:
        self._entries: OrderedDict[bytes, bytes] = OrderedDict()
        self._max = max_entries

    def compress(self, body: bytes) -> bytes:
        hit = self._entries.get(body)
        if hit is not None:
            self._entries.move_to_end(body)
            return hit
        packed = gzip.compress(body, compresslevel=1, mtime=0)  # IIS 7.5 dynamic compression: a low level
        if len(body) <= 1024 * 1024:
            self._entries[body] = packed
            if len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return packed


def _chunked(payload: bytes) -> bytes:
    parts = []
    for start in range(0, len(payload), CHUNK_BYTES):
        piece = payload[start : start + CHUNK_BYTES]
        parts.append(b"%x\r\n%s\r\n" % (len(piece), piece))
    parts.append(b"0\r\n\r\n")
    return b"".join(parts)


class RequestLog:
    """One JSON line per request, flushed at once so tests can read it while the server runs.

    Fields: time (UTC, ms), method, url (absolute, as requested), status, bytes (body bytes sent,
    after gzip), user_agent, ms (from the complete request head to the answer, delay included),
    conn (the connection's number: requests sharing it came over one keep-alive connection).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fh: IO[str] | None = path.open("a", encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"replica: cannot open request log {path}: {exc.strerror}") from exc

    def write(self, entry: dict[str, Any]) -> None:
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self._lock:
            if self._fh is not None:
                self._fh.write(line)
                self._fh.flush()

    def close(self) -> None:
        with self._lock:
            if self._fh is not None:
                self._fh.close()
                self._fh = None


class ReplicaServer:
    """The replica on 127.0.0.1: `with ReplicaServer(site, port=0) as server:` serves in a thread.

    Attributes: `port`, `proxy_url` ("http://127.0.0.1:PORT"), `log_path` (or None), and the counters
    `request_count` (every answered request, 4xx included) and `forbidden_count` (requests for
    hosts other than moha.gov.vn / www.moha.gov.vn). `serve_forever()` serves in the calling
    thread until `stop()`, Ctrl-C or SIGTERM (the CLI).
    """

    def __init__(
        self,
        site: SiteLike,
        host: str = "127.0.0.1",
        port: int = 0,
        log_path: Path | str | None = None,
        *,
        max_body_bytes: int = MAX_BODY_BYTES,
        idle_timeout_s: float = IDLE_TIMEOUT_S,
        allowed_hosts: frozenset[str] = SITE_HOSTS,
    ) -> None:
        self.site = site
        self.host = host
        self.allowed_hosts = allowed_hosts
        self.max_body_bytes = max_body_bytes
        self.idle_timeout_s = idle_timeout_s
        self.request_count = 0
        self.forbidden_count = 0
        self.status_counts: dict[int, int] = {}
        self.site_seconds = 0.0  # time spent in site.handle(): the rest of the wall time is transport
        self.log_path = Path(log_path) if log_path is not None else None
        self._log = RequestLog(self.log_path) if self.log_path is not None else None
        self._gzip = _GzipCache()
        try:
            self._sock = self._bind(host, port)
        except ConfigError:
            if self._log is not None:
                self._log.close()
            raise
        self.port: int = self._sock.getsockname()[1]
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._conn_ids: dict[asyncio.StreamWriter, int] = {}
        self._connections_opened = 0
        self._closed = False

    # -- addresses ---------------------------------------------------------------------------

    @property
    def proxy_url(self) -> str:
        """The URL to give a client as its HTTP proxy (also the origin-form base URL)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    base_url = proxy_url

    @staticmethod
    def _bind(host: str, port: int) -> socket.socket:
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            sock.close()
            raise ConfigError(f"replica: cannot listen on {host}:{port}: {exc.strerror}") from exc
        sock.listen(512)
        sock.setblocking(False)
        return sock

    # -- life cycle --------------------------------------------------------------------------

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Serve in a background daemon thread; returns once the server accepts connections."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name=f"replica-{self.port}", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("replica server thread did not start within 10 s")

    def serve_forever(self) -> None:
        """Serve in this thread until `stop()`, Ctrl-C (SIGINT) or SIGTERM."""
        self._run(install_signals=threading.current_thread() is threading.main_thread())

    def stop(self, timeout_s: float = 5.0) -> None:
        """Close the listener and every connection, wait for the loop to end, close the log."""
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(stopping.set)
            except RuntimeError:
                pass  # the loop closed between the check and the call: nothing left to stop
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout_s)
        self._close_resources()

    def _close_resources(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._sock.close()
        if self._log is not None:
            self._log.close()

    def _run(self, install_signals: bool = False) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._main(install_signals))
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
            self._close_resources()

    async def _main(self, install_signals: bool) -> None:
        loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        if install_signals:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, self._stopping.set)
        self._server = await asyncio.start_server(
            self._serve_connection, sock=self._sock, limit=MAX_HEAD_BYTES, backlog=512
        )
        log.info("replica serving on %s", self.proxy_url)
        self._ready.set()
        try:
            await self._stopping.wait()
        finally:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            tasks = [task for task in self._tasks if not task.done()]
            for task in tasks:
                task.cancel()  # a slow reply or an idle keep-alive wait ends here, not at its timeout
            if tasks:
                await asyncio.wait(tasks, timeout=2.0)
            if install_signals:
                for signum in (signal.SIGINT, signal.SIGTERM):
                    loop.remove_signal_handler(signum)
            log.info("replica stopped: %d requests, %d forbidden", self.request_count, self.forbidden_count)

    # -- one connection ----------------------------------------------------------------------

    async def _serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._writers.add(writer)
        self._connections_opened += 1
        self._conn_ids[writer] = self._connections_opened
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        try:
            keep_alive = True
            while keep_alive:
                keep_alive = await self._serve_one(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            pass  # the client went away or stalled mid-request; nothing left to answer
        except asyncio.CancelledError:
            # stop() cancelled us. End normally: Python 3.11's start_server callback calls
            # task.exception() on a cancelled task and logs a spurious traceback otherwise.
            pass
        finally:
            self._writers.discard(writer)
            self._conn_ids.pop(writer, None)
            writer.close()

    async def _read_head(self, reader: asyncio.StreamReader) -> bytes | None:
        """The request head up to the blank line; None when the client closed between requests."""
        try:
            return await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self.idle_timeout_s)
        except asyncio.IncompleteReadError as exc:
            if exc.partial.strip():
                raise _BadRequest(400, "Bad Request", "request head cut short") from exc
            return None
        except asyncio.LimitOverrunError as exc:
            raise _BadRequest(
                431, "Request Header Fields Too Large", f"request head over {MAX_HEAD_BYTES} bytes"
            ) from exc

    async def _serve_one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Read and answer one request; True to keep the connection open for the next."""
        started = time.perf_counter()
        method, url, user_agent = "-", "-", ""
        try:
            head = await self._read_head(reader)
            if head is None:
                return False
            started = time.perf_counter()  # "ms" in the log: from a complete head to the answer
            method, target, version, headers = self._parse_head(head)
            user_agent = headers.get("User-Agent", "")
            url = target  # what the log shows if the target cannot be resolved
            url, host = self._resolve_url(method, target, headers, version)
            body = await self._read_body(reader, writer, headers, version)
            keep_alive = self._wants_keep_alive(version, headers)
            if host not in self.allowed_hosts:
                self.forbidden_count += 1
                reply = _plain_reply(403, "Forbidden", f"{host or 'this host'} is not served by the replica")
            elif method == "CONNECT":
                reply = _plain_reply(405, "Method Not Allowed", "the replica serves http:// only")
                reply.headers.append(("Allow", "GET, HEAD, POST"))
            else:
                # HEAD is answered as GET without the body, as IIS did; the site only sees GET
                reply = self._site_reply("GET" if method == "HEAD" else method, url, headers, body)
        except _BadRequest as bad:
            log.info("replica: %s %s -> %d %s", method, url, bad.status, bad.detail)
            reply = _plain_reply(bad.status, bad.reason, bad.detail)
            await self._send(
                writer, method, None, reply, keep_alive=False, started=started, url=url, user_agent=user_agent
            )
            await self._linger(reader, writer)
            return False
        if reply.delay_s > 0:
            await asyncio.sleep(reply.delay_s)
        await self._send(
            writer,
            method,
            headers,
            reply,
            keep_alive=keep_alive,
            started=started,
            url=url,
            user_agent=user_agent,
        )
        return keep_alive

    @staticmethod
    async def _linger(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Half-close, then drain what the client still sends (bounded), so it reads our 4xx.

        Closing a socket with unread input makes the kernel send RST, and the client may lose the
        answer it was about to read (the "lingering close" of Apache and nginx).
        """
        if writer.can_write_eof():
            writer.write_eof()
        deadline = time.monotonic() + LINGER_S
        drained = 0
        while drained < LINGER_MAX_BYTES:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                chunk = await asyncio.wait_for(reader.read(65536), remaining)
            except (TimeoutError, ConnectionError):
                break
            if not chunk:
                break
            drained += len(chunk)

    # -- parsing -----------------------------------------------------------------------------

    @staticmethod
    def _parse_head(head: bytes) -> tuple[str, str, str, Headers]:
        lines = head[:-4].split(b"\r\n")
        while lines and not lines[0]:
            lines.pop(0)  # RFC 9112 2.2: ignore empty lines before the request line
        if not lines:
            raise _BadRequest(400, "Bad Request", "empty request")
        request_line = lines[0]
        if len(request_line) > MAX_LINE_BYTES:
            raise _BadRequest(414, "URI Too Long", f"request line over {MAX_LINE_BYTES} bytes")
        parts = request_line.split(b" ")
        if len(parts) < 3:
            raise _BadRequest(400, "Bad Request", f"malformed request line {request_line[:80]!r}")
        method_b, version_b = parts[0], parts[-1]
        target_b = b" ".join(parts[1:-1])  # tolerate raw spaces in legacy file names
        if not method_b or not set(method_b) <= _TOKEN_CHARS:
            raise _BadRequest(400, "Bad Request", f"malformed method {method_b[:40]!r}")
        if version_b not in (b"HTTP/1.1", b"HTTP/1.0"):
            if version_b.startswith(b"HTTP/") and version_b[5:6].isdigit():
                raise _BadRequest(505, "HTTP Version Not Supported", f"{version_b[:20]!r}")
            raise _BadRequest(400, "Bad Request", f"malformed request line {request_line[:80]!r}")
        if not target_b or any(c < 0x21 and c != 0x20 or c == 0x7F for c in target_b):
            raise _BadRequest(400, "Bad Request", f"malformed request target {target_b[:80]!r}")
        if len(lines) - 1 > MAX_HEADERS:
            raise _BadRequest(431, "Request Header Fields Too Large", f"over {MAX_HEADERS} header fields")
        pairs: list[tuple[str, str]] = []
        for line in lines[1:]:
            if len(line) > MAX_LINE_BYTES:
                raise _BadRequest(
                    431, "Request Header Fields Too Large", f"a header line over {MAX_LINE_BYTES} bytes"
                )
            name, sep, value = line.partition(b":")
            if not sep or not name or not set(name) <= _TOKEN_CHARS:
                raise _BadRequest(400, "Bad Request", f"malformed header line {line[:80]!r}")
            pairs.append((name.decode("ascii"), value.strip(b" \t").decode("latin-1")))
        return method_b.decode("ascii"), _decode_target(target_b), version_b.decode("ascii"), Headers(pairs)

    async def _read_body(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, headers: Headers, version: str
    ) -> bytes:
        """The request body (Content-Length or chunked), answering `Expect: 100-continue` first.

        curl sends `Expect: 100-continue` with any POST over 1 KiB (an ASP.NET postback with its
        __VIEWSTATE often is) and waits a second for the interim answer unless it gets one.
        """
        coding = headers.get("Transfer-Encoding")
        length_text = headers.get("Content-Length")
        length = 0
        if coding is not None:
            if coding.strip().lower() != "chunked":
                raise _BadRequest(501, "Not Implemented", f"transfer coding {coding!r}")
        elif length_text is not None:
            if not length_text.strip().isdigit():
                raise _BadRequest(400, "Bad Request", f"bad Content-Length {length_text[:40]!r}")
            length = int(length_text)
            if length > self.max_body_bytes:
                raise _BadRequest(
                    413, "Content Too Large", f"body of {length} bytes over {self.max_body_bytes}"
                )
        else:
            return b""
        expect = headers.get("Expect")
        if expect is not None and version == "HTTP/1.1":
            if expect.strip().lower() != "100-continue":
                raise _BadRequest(417, "Expectation Failed", f"unknown expectation {expect[:40]!r}")
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        if coding is not None:
            return await self._read_chunked(reader)
        return await asyncio.wait_for(reader.readexactly(length), self.idle_timeout_s) if length else b""

    async def _read_chunked(self, reader: asyncio.StreamReader) -> bytes:
        parts: list[bytes] = []
        total = 0
        while True:
            size_line = await asyncio.wait_for(reader.readuntil(b"\r\n"), self.idle_timeout_s)
            size_text = size_line.split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError as exc:
                raise _BadRequest(400, "Bad Request", f"bad chunk size {size_text[:20]!r}") from exc
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":
                    pass  # skip trailer fields
                return b"".join(parts)
            total += size
            if total > self.max_body_bytes:
                raise _BadRequest(413, "Content Too Large", f"chunked body over {self.max_body_bytes} bytes")
            parts.append(await reader.readexactly(size))
            if await reader.readexactly(2) != b"\r\n":
                raise _BadRequest(400, "Bad Request", "chunk not followed by CRLF")

    @staticmethod
    def _wants_keep_alive(version: str, headers: Headers) -> bool:
        connection = (headers.get("Connection", "") + "," + headers.get("Proxy-Connection", "")).lower()
        tokens = {token.strip() for token in connection.split(",")}
        if "close" in tokens:
            return False
        return version == "HTTP/1.1" or "keep-alive" in tokens

    @staticmethod
    def _resolve_url(method: str, target: str, headers: Headers, version: str) -> tuple[str, str]:
        """(absolute http:// URL as requested, lower-case host) for proxy, origin and CONNECT forms."""
        if method == "CONNECT":
            return target, _split_host(target)
        lowered = target[:8].lower()
        if lowered.startswith(("http://", "https://")):
            scheme, rest = target.split("://", 1)
            authority, slash, path = rest.partition("/")
            if "?" in authority:
                authority, _, query = authority.partition("?")
                path = "?" + query
                slash = "/"
            host = _split_host(authority)
            if scheme.lower() != "http":
                return target, f"{scheme.lower()}://{host}"  # not served: only http:// existed
            return f"http://{host}{slash}{path}" if slash else f"http://{host}/", host
        if not target.startswith("/"):
            raise _BadRequest(400, "Bad Request", f"malformed request target {target[:80]!r}")
        host_header = headers.get("Host")
        if host_header is None:
            if version == "HTTP/1.1":
                raise _BadRequest(400, "Bad Request", "HTTP/1.1 request without Host")
            host_header = "moha.gov.vn"  # an HTTP/1.0 client without Host: the site's own name
        host = _split_host(host_header)
        return f"http://{host}{target}", host

    # -- answering ---------------------------------------------------------------------------

    def _site_reply(self, method: str, url: str, headers: Headers, body: bytes) -> Reply:
        began = time.perf_counter()
        try:
            reply = self.site.handle(method, url, headers, body)
        except Exception:
            log.exception("replica: site failed on %s %s", method, url)
            return _plain_reply(500, "Internal Server Error", "the replica's site raised; see the log")
        finally:
            self.site_seconds += time.perf_counter() - began
        if not isinstance(reply, Reply):
            log.error("replica: site returned %r for %s %s", type(reply).__name__, method, url)
            return _plain_reply(500, "Internal Server Error", "the replica's site returned no Reply")
        if not isinstance(reply.body, bytes | bytearray) or not 100 <= reply.status <= 599:
            log.error(
                "replica: site returned a bad Reply for %s %s (status %r, body %s)",
                method,
                url,
                reply.status,
                type(reply.body).__name__,
            )
            return _plain_reply(500, "Internal Server Error", "the replica's site returned a bad Reply")
        return reply

    async def _send(
        self,
        writer: asyncio.StreamWriter,
        method: str,
        request: Headers | None,
        reply: Reply,
        *,
        keep_alive: bool,
        started: float,
        url: str,
        user_agent: str,
    ) -> None:
        """Frame `reply` for this request (304, gzip, chunked, HEAD), count and log it, write it once.

        `request` is None for the server's own error answers, which skip validators and gzip.
        """
        status, reason = reply.status, reply.reason
        etag = reply.etag or reply.header("ETag")
        last_modified = reply.last_modified or reply.header("Last-Modified")
        not_modified = (
            request is not None
            and status == 200
            and method in ("GET", "HEAD")
            and (etag is not None or last_modified is not None)
            and is_not_modified(request, etag, last_modified)
        )
        headers = [(k, v) for k, v in reply.headers if k.lower() not in _MANAGED]
        if not any(k.lower() == "server" for k, _ in headers):
            headers.insert(0, ("Server", SERVER_HEADER))
        headers.insert(0, ("Date", format_datetime(datetime.now(UTC), usegmt=True)))
        if etag is not None and reply.etag is not None:
            headers.append(("ETag", etag))
        if last_modified is not None and reply.last_modified is not None:
            headers.append(("Last-Modified", _http_date(last_modified)))
        if reply.gzip:
            headers.append(("Vary", "Accept-Encoding"))  # also on a 304 (RFC 9110 15.4.5)
        payload = reply.body
        if not_modified:
            status, reason, payload = 304, "Not Modified", b""
            headers = [(k, v) for k, v in headers if k.lower() not in _NOT_FOR_304]
            framed = b""
        else:
            if reply.gzip and request is not None and accepts_gzip(request.get("Accept-Encoding")):
                payload = self._gzip.compress(payload)
                headers.append(("Content-Encoding", "gzip"))
            no_body = method == "HEAD" or status in (204, 304) or 100 <= status < 200
            if reply.chunked and not no_body:
                headers.append(("Transfer-Encoding", "chunked"))
                framed = _chunked(payload)
            else:
                headers.append(("Content-Length", str(len(payload))))
                framed = b"" if no_body else payload
        headers.append(("Connection", "keep-alive" if keep_alive else "close"))
        head = f"HTTP/1.1 {status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
        # Count and log before writing, so a client that has its answer also finds it in the log.
        self.request_count += 1
        self.status_counts[status] = self.status_counts.get(status, 0) + 1
        if self._log is not None:
            self._log.write(
                {
                    "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                    "method": method,
                    "url": url,
                    "status": status,
                    "bytes": len(payload) if method != "HEAD" else 0,
                    "user_agent": user_agent,
                    "ms": round((time.perf_counter() - started) * 1000, 2),
                    "conn": self._conn_ids.get(writer, 0),  # connection number: concurrency, keep-alive
                }
            )
        writer.write(_encode_head(head) + framed)
        await writer.drain()


_MANAGED = frozenset(
    {"content-length", "transfer-encoding", "connection", "content-encoding", "date", "keep-alive"}
)
_NOT_FOR_304 = frozenset({"content-type", "content-length", "content-encoding"})


def _encode_head(head: str) -> bytes:
    """Status line and headers as bytes: Latin-1 (RFC 9110), or UTF-8 for a value beyond it, as
    IIS sent raw UTF-8 file names in Location and Content-Disposition."""
    try:
        return head.encode("latin-1")
    except UnicodeEncodeError:
        return head.encode("utf-8")


def _plain_reply(status: int, reason: str, text: str) -> Reply:
    title = f"{status} {reason}"
    body = f"<html><head><title>{title}</title></head><body><h1>{title}</h1><p>{text}</p></body></html>"
    return Reply(status, reason, [("Content-Type", "text/html; charset=utf-8")], body.encode("utf-8"))
