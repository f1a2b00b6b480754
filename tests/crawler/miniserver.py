"""A tiny threaded stand-in for the legacy site, one path per misbehaviour (Scrapy's mockserver idea).

It answers proxy-form requests for moha.gov.vn / www.moha.gov.vn on 127.0.0.1, writes every response
as raw bytes (so header case, reason phrases and non-UTF-8 header bytes are under the test's
control) and records every request it receives.
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ROBOTS = b"User-agent: *\nDisallow: /Admin/\nDisallow: /TimKiem.aspx\nCrawl-delay: 1\n"
BIG_SIZE = 3 * 1024 * 1024


def page(title: str, body: str, extra_head: str = "") -> bytes:
    return (f"<html><head><meta charset='utf-8'><title>{title}</title>{extra_head}</head>"
            f"<body><h1>{title}</h1>{body}</body></html>").encode()


HOME = page("Trang chủ Bộ Nội vụ", """
<a href="/news.html#top">news</a> <a href='http://www.moha.gov.vn/about.html'>about</a>
<a href=relative.html>rel</a> <a href="javascript:void(0)">js</a> <a href="mailto:a@moha.gov.vn">m</a>
<a href="http://chinhphu.vn/portal">gov</a> <a href="/Admin/login.aspx">admin</a>
<a href="/TimKiem.aspx?q=a">search</a> <a href="/(S(lit3py55t21z5v55vlm25s55))/session.html">s</a>
<img src="/images/logo.gif"> <a href="/dup1.html">d1</a> <a href="/dup2.html">d2</a>
<a href="/gz.html">gz</a> <a href="/chunked.html">ch</a> <a href="/redirect1">r</a> <a href="/loop1">l</a>
<a href="/flaky.html">f</a> <a href="/missing.html">404</a> <a href="/soft404.html">s404</a>
<a href="/Uploads/big.bin">big</a> <a href="/badgzip.html">bg</a> <a href="/binary.html">bin</a>
<a href="/reset.html">reset</a> <a href="/listing.aspx?tabid=219">listing</a>
<a href="/LichCongTac.aspx?date=2010-01-01">cal</a> <a href="/weird.html">weird</a>
<a href="/Uploads/Images/2010/01/ảnh đẹp.jpg">vn</a> <a href="/news.html?b=2&amp;a=1">q</a>
<a href="/news.html?a=1&b=2">q2</a>
""")
LISTING_FORM = """<form name="aspnetForm" method="post" action="listing.aspx?tabid=219" id="aspnetForm">
<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="VS{n}" />
<input type="hidden" name="__EVENTVALIDATION" id="__EVENTVALIDATION" value="EV{n}" />
<input type="hidden" name="__EVENTTARGET" value="" /><input type="hidden" name="__EVENTARGUMENT" value="" />
<p>Trang {n}: <a href="/item-{n}.html">item {n}</a></p>
<a href="javascript:__doPostBack('ctl00$Main$pager','Page$1')">1</a>
<a href="javascript:__doPostBack(&#39;ctl00$Main$pager&#39;,&#39;Page$2&#39;)">2</a>
<a href="javascript:__doPostBack('ctl00$Main$pager','Page$3')">3</a>
</form>"""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: MiniServer

    def log_message(self, *args: object) -> None:
        return

    def _raw(self, status_line: bytes, headers: list[tuple[bytes, bytes]], body: bytes,
             chunked: bool = False) -> None:
        out = [status_line + b"\r\n"]
        for k, v in headers:
            out.append(k + b": " + v + b"\r\n")
        if chunked:
            out.append(b"Transfer-Encoding: chunked\r\n\r\n")
            for i in range(0, len(body), 100):
                piece = body[i:i + 100]
                out.append(b"%x\r\n" % len(piece) + piece + b"\r\n")
            out.append(b"0\r\n\r\n")
        else:
            out.append(b"Content-Length: %d\r\n\r\n" % len(body))
            out.append(body)
        self.wfile.write(b"".join(out))

    def _html(self, body: bytes, status: bytes = b"HTTP/1.1 200 OK") -> None:
        self._raw(status, [(b"Content-Type", b"text/html; charset=utf-8")], body)

    def do_GET(self) -> None:
        self._handle(b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self._handle(self.rfile.read(length))

    def _handle(self, body: bytes) -> None:
        parts = urlsplit(self.path)
        host = (parts.hostname or self.headers.get("Host", "")).lower()
        path = parts.path + ("?" + parts.query if parts.query else "")
        with self.server.lock:
            self.server.requests.append((self.command, host, path, body))
            self.server.times.append(time.monotonic())
            count = sum(1 for r in self.server.requests if r[2] == path)
        if host not in ("moha.gov.vn", "www.moha.gov.vn"):
            self._raw(b"HTTP/1.1 403 Forbidden", [], b"no")
            return
        p = parts.path
        if p == "/robots.txt":
            self._raw(b"HTTP/1.1 200 OK", [(b"Content-Type", b"text/plain")], ROBOTS)
        elif p in ("/", "/default.aspx"):
            self._html(HOME)
        elif p == "/dup1.html" or p == "/dup2.html":
            self._html(page("Cùng nội dung", "<p>same bytes under two URLs</p>"))
        elif p == "/gz.html":
            data = gzip.compress(page("Nén gzip", "<a href='/from-gzip.html'>g</a>"))
            self._raw(b"HTTP/1.1 200 OK", [(b"Content-Type", b"text/html"), (b"Content-Encoding", b"gzip")], data)
        elif p == "/chunked.html":
            self._raw(b"HTTP/1.1 200 OK", [(b"Content-Type", b"text/html")],
                      page("Chunked", "<a href='/from-chunked.html'>c</a>" + "x" * 500), chunked=True)
        elif p == "/redirect1":
            self._raw(b"HTTP/1.1 301 Moved Permanently", [(b"Location", b"/redirect2")], b"")
        elif p == "/redirect2":
            self._raw(b"HTTP/1.1 302 Found", [(b"Location", b"http://moha.gov.vn/final.html")], b"")
        elif p == "/loop1":
            self._raw(b"HTTP/1.1 302 Found", [(b"Location", b"/loop2")], b"")
        elif p == "/loop2":
            self._raw(b"HTTP/1.1 302 Found", [(b"Location", b"/loop1")], b"")
        elif p == "/flaky.html" and count == 1:
            self._raw(b"HTTP/1.1 500 Internal Server Error", [(b"Content-Type", b"text/html")], b"<p>oops</p>")
        elif p in ("/missing.html", "/Admin/login.aspx"):
            self._raw(b"HTTP/1.1 404 Not Found", [(b"Content-Type", b"text/html")], b"<p>not found</p>")
        elif p == "/soft404.html":
            self._html(page("Lỗi", "<p>Bài viết không tồn tại</p>"))
        elif p == "/Uploads/big.bin":
            self._raw(b"HTTP/1.1 200 OK", [(b"Content-Type", b"application/octet-stream")],
                      bytes(range(256)) * (BIG_SIZE // 256))
        elif p == "/badgzip.html":
            self._raw(b"HTTP/1.1 200 OK", [(b"Content-Type", b"text/html"), (b"Content-Encoding", b"gzip")],
                      b"\x1f\x8b\x08\x00garbage-not-gzip")
        elif p == "/binary.html":
            self._raw(b"HTTP/1.1 200 OK", [(b"Content-Type", b"text/html")], bytes(range(256)) * 8)
        elif p == "/reset.html":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial")
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.close_connection = True
            self.connection.close()
        elif p == "/drop.html":  # never answers: the connection closes before any byte
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif p == "/listing.aspx":
            n = 1
            if self.command == "POST":
                form = parse_qs(body.decode("ascii"))
                n = int(form.get("__EVENTARGUMENT", ["Page$1"])[0].split("$")[1])
                assert form.get("__VIEWSTATE"), "postback without view state"
            self._html(page(f"Danh sách {n}", LISTING_FORM.format(n=n)))
        elif p == "/LichCongTac.aspx":
            day = parse_qs(parts.query).get("date", ["2010-01-01"])[0]
            year = int(day[:4])
            self._html(page("Lịch", f"<a href='/LichCongTac.aspx?date={year + 1}-01-01'>next</a>"))
        elif p == "/weird.html":
            self._raw(b"HTTP/1.1 200 Very OK", [(b"content-TYPE", b"text/html"), (b"X-L\xe9gacy", b"Vi\xea\xf2t")],
                      b"<p>weird headers</p>")
        else:
            self._html(page("Trang " + p, "<p>ok</p>"))


class MiniServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests: list[tuple[str, str, str, bytes]] = []
        self.times: list[float] = []
        self.lock = threading.Lock()

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> MiniServer:
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


if __name__ == "__main__":
    import sys

    with MiniServer() as srv:
        sys.stdout.write(srv.proxy_url + "\n")
        sys.stdout.flush()
        time.sleep(float(sys.argv[1]) if len(sys.argv) > 1 else 60)
