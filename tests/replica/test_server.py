"""replica/server.py: how the replica talks HTTP (proxy and origin form, transport quirks, bad requests).

These tests run the real server on 127.0.0.1 in a thread against a small site object whose answers
are known exactly, so each test can check the bytes on the wire; the real Site is exercised through
it in test_server_site.py.
"""

from __future__ import annotations

import gc
import gzip
import http.client
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from replica.reply import Reply
from replica.server import Headers, ReplicaServer, accepts_gzip, is_not_modified

pytestmark = pytest.mark.timeout(30)

MEDIA_MODIFIED = datetime(2014, 3, 7, 8, 30, tzinfo=UTC)
CHUNKED_BODY = bytes(range(256)) * 300  # 76,800 bytes: several chunks


class KnownSite:
    """A site whose every answer the tests know; it records what the server passed it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, str], bytes]] = []

    def handle(self, method: str, url: str, headers: Mapping[str, str], body: bytes) -> Reply:
        self.calls.append((method, url, dict(headers), body))
        path = url.split("/", 3)[3] if url.count("/") >= 3 else ""
        path = "/" + path.split("?", 1)[0]
        html = [("Content-Type", "text/html; charset=utf-8")]
        if path in ("/", "/default.aspx"):
            return Reply(200, "OK", html, "<html><title>Bộ Nội vụ</title>trang chủ</html>".encode())
        if path == "/gz":
            return Reply(200, "OK", html, ("Cải cách hành chính " * 200).encode(), gzip=True)
        if path == "/chunked":
            return Reply(
                200, "OK", [("Content-Type", "application/octet-stream")], CHUNKED_BODY, chunked=True
            )
        if path == "/gz-chunked":
            return Reply(200, "OK", html, ("Tôn giáo " * 500).encode(), gzip=True, chunked=True)
        if path == "/slow":
            return Reply(200, "OK", html, b"slow page", delay_s=1.5)
        if path == "/photo.jpg":
            return Reply(
                200,
                "OK",
                [("Content-Type", "image/jpeg")],
                b"\xff\xd8\xff\xe0 jpeg",
                etag='"v1-abc"',
                last_modified=MEDIA_MODIFIED,
            )
        if path == "/echo":
            payload = {"method": method, "url": url, "headers": dict(headers), "body": body.decode("latin-1")}
            return Reply(200, "OK", [("Content-Type", "application/json")], json.dumps(payload).encode())
        if path == "/moved":
            return Reply(302, "Found", [("Location", "/Uploads/VanBan/2012/Văn bản 38.pdf")], b"")
        if path == "/text-body":
            return Reply(200, "OK", html, "not bytes")  # type: ignore[arg-type]
        if path == "/boom":
            raise ValueError("site bug")
        return Reply(404, "Not Found", html, b"<html>404</html>")


@pytest.fixture(scope="module")
def site() -> KnownSite:
    return KnownSite()


@pytest.fixture(scope="module")
def server(site: KnownSite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReplicaServer]:
    log_path = tmp_path_factory.mktemp("serverlog") / "requests.jsonl"
    with ReplicaServer(site, port=0, log_path=log_path) as running:
        yield running


def raw_exchange(server: ReplicaServer, data: bytes, timeout_s: float = 5.0) -> bytes:
    """Send raw bytes, read until the server closes (or the timeout); return what came back."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout_s) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def proxy_get(
    server: ReplicaServer, url: str, headers: dict[str, str] | None = None
) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", url, headers=headers or {})
    return conn.getresponse()


def status_of(raw: bytes) -> int:
    return int(raw.split(b" ", 2)[1])


def test_proxy_form_and_origin_form_give_the_same_home_page(server: ReplicaServer, site: KnownSite) -> None:
    via_proxy = proxy_get(server, "http://moha.gov.vn/")
    proxy_body = via_proxy.read()
    origin = proxy_get(server, "/", {"Host": "moha.gov.vn"})
    assert via_proxy.status == origin.status == 200
    assert proxy_body == origin.read()
    assert "Bộ Nội vụ".encode() in proxy_body
    urls = [call[1] for call in site.calls[-2:]]
    assert urls == ["http://moha.gov.vn/", "http://moha.gov.vn/"]


def test_www_host_and_port_suffix_reach_the_site_with_their_host(
    server: ReplicaServer, site: KnownSite
) -> None:
    assert proxy_get(server, "http://WWW.moha.gov.vn:80/default.aspx").status == 200
    assert site.calls[-1][1] == "http://www.moha.gov.vn/default.aspx"
    assert proxy_get(server, "/default.aspx", {"Host": "www.moha.gov.vn:8080"}).status == 200
    assert site.calls[-1][1] == "http://www.moha.gov.vn/default.aspx"


def test_other_hosts_get_403_and_are_counted(server: ReplicaServer, site: KnownSite) -> None:
    before_forbidden, before_calls = server.forbidden_count, len(site.calls)
    assert proxy_get(server, "http://chinhphu.vn/").status == 403
    assert proxy_get(server, "/", {"Host": "snv.hanoi.gov.vn"}).status == 403
    assert proxy_get(server, "https://moha.gov.vn/").status == 403
    connect = raw_exchange(
        server, b"CONNECT chinhphu.vn:443 HTTP/1.1\r\nHost: chinhphu.vn:443\r\nConnection: close\r\n\r\n"
    )
    assert status_of(connect) == 403
    assert server.forbidden_count == before_forbidden + 4
    assert len(site.calls) == before_calls  # none of them reached the site


def test_connect_to_the_site_is_refused_with_405(server: ReplicaServer) -> None:
    raw = raw_exchange(
        server, b"CONNECT moha.gov.vn:443 HTTP/1.1\r\nHost: moha.gov.vn:443\r\nConnection: close\r\n\r\n"
    )
    assert status_of(raw) == 405
    assert b"Allow: GET, HEAD, POST" in raw


@pytest.mark.parametrize(
    "request_bytes, expected",
    [
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET /\r\n\r\n", 400),
        (b"GET / HTTP/1.1 extra\r\nHost: moha.gov.vn\r\n\r\n", 400),
        (b"G@T / HTTP/1.1\r\nHost: moha.gov.vn\r\n\r\n", 400),
        (b"GET / HTTP/2.0\r\nHost: moha.gov.vn\r\n\r\n", 505),
        (b"GET / HTTP/1.1\r\n\r\n", 400),  # HTTP/1.1 without Host
        (b"GET / HTTP/1.1\r\nHost moha.gov.vn\r\n\r\n", 400),  # header without a colon
        (b"GET / HTTP/1.1\r\nHost: moha.gov.vn\r\nContent-Length: x\r\n\r\n", 400),
        (b"GET moha.gov.vn/ HTTP/1.1\r\nHost: moha.gov.vn\r\n\r\n", 400),
    ],
    ids=[
        "no-spaces",
        "no-version",
        "bad-version-token",
        "bad-method",
        "http2",
        "no-host",
        "no-colon",
        "bad-length",
        "relative-target",
    ],
)
def test_malformed_requests_get_4xx_and_the_server_keeps_serving(
    server: ReplicaServer, request_bytes: bytes, expected: int
) -> None:
    raw = raw_exchange(server, request_bytes)
    assert status_of(raw) == expected
    assert b"Connection: close" in raw
    assert proxy_get(server, "http://moha.gov.vn/").status == 200


def test_huge_header_line_gets_431_and_the_server_keeps_serving(server: ReplicaServer) -> None:
    big = b"GET / HTTP/1.1\r\nHost: moha.gov.vn\r\nX-Big: " + b"a" * (17 * 1024) + b"\r\n\r\n"
    assert status_of(raw_exchange(server, big)) == 431
    assert proxy_get(server, "http://moha.gov.vn/").status == 200


def test_too_many_headers_get_431(server: ReplicaServer) -> None:
    many = (
        b"GET / HTTP/1.1\r\nHost: moha.gov.vn\r\n"
        + b"".join(b"X-H%d: v\r\n" % i for i in range(101))
        + b"\r\n"
    )
    assert status_of(raw_exchange(server, many)) == 431
    hundred = (
        b"GET / HTTP/1.1\r\nHost: moha.gov.vn\r\nConnection: close\r\n"
        + b"".join(b"X-H%d: v\r\n" % i for i in range(98))
        + b"\r\n"
    )
    assert status_of(raw_exchange(server, hundred)) == 200


def test_endless_header_block_gets_431_without_eating_memory(server: ReplicaServer) -> None:
    lines = b"".join(b"X-%d: %s\r\n" % (i, b"b" * 8000) for i in range(40))  # 320 KB of valid-looking head
    assert status_of(raw_exchange(server, b"GET / HTTP/1.1\r\nHost: moha.gov.vn\r\n" + lines)) == 431
    assert proxy_get(server, "http://moha.gov.vn/").status == 200


def test_too_large_body_gets_413_and_the_server_keeps_serving(server: ReplicaServer) -> None:
    head = b"POST /echo HTTP/1.1\r\nHost: moha.gov.vn\r\nContent-Length: %d\r\n\r\n" % (
        server.max_body_bytes + 1
    )
    assert status_of(raw_exchange(server, head)) == 413
    assert proxy_get(server, "http://moha.gov.vn/").status == 200


def test_unknown_path_gets_what_the_site_says(server: ReplicaServer) -> None:
    response = proxy_get(server, "http://moha.gov.vn/khong-co.html")
    assert response.status == 404
    assert response.read() == b"<html>404</html>"


def test_site_exception_costs_one_500_not_the_server(server: ReplicaServer) -> None:
    assert proxy_get(server, "http://moha.gov.vn/boom").status == 500
    assert proxy_get(server, "http://moha.gov.vn/text-body").status == 500
    assert proxy_get(server, "http://moha.gov.vn/").status == 200


def test_post_body_and_headers_reach_the_site_intact(server: ReplicaServer) -> None:
    form = "__VIEWSTATE=dDwtMTA%3D&__EVENTTARGET=ctl00%24pager&__EVENTARGUMENT=Page%243"
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request(
        "POST",
        "http://moha.gov.vn/echo",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Test": "Bộ".encode().decode("latin-1"),
        },
    )
    seen = json.loads(conn.getresponse().read())
    assert seen["method"] == "POST"
    assert seen["body"] == form
    assert seen["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert seen["headers"]["X-Test"].encode("latin-1").decode() == "Bộ"


def test_chunked_request_body_is_decoded(server: ReplicaServer) -> None:
    raw = raw_exchange(
        server,
        b"POST /echo HTTP/1.1\r\nHost: moha.gov.vn\r\nTransfer-Encoding: chunked\r\n"
        b"Connection: close\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n",
    )
    assert json.loads(raw.split(b"\r\n\r\n", 1)[1])["body"] == "hello world"


def test_gzip_only_when_the_client_accepts_it(server: ReplicaServer) -> None:
    plain = proxy_get(server, "http://moha.gov.vn/gz")
    plain_body = plain.read()
    assert plain.getheader("Content-Encoding") is None
    assert plain.getheader("Vary") == "Accept-Encoding"
    packed = proxy_get(server, "http://moha.gov.vn/gz", {"Accept-Encoding": "gzip, deflate"})
    packed_body = packed.read()
    assert packed.getheader("Content-Encoding") == "gzip"
    assert int(packed.getheader("Content-Length")) == len(packed_body) < len(plain_body)
    assert gzip.decompress(packed_body) == plain_body == ("Cải cách hành chính " * 200).encode()
    refused = proxy_get(server, "http://moha.gov.vn/gz", {"Accept-Encoding": "gzip;q=0, identity"})
    assert refused.getheader("Content-Encoding") is None
    assert refused.read() == plain_body
    assert (
        proxy_get(server, "http://moha.gov.vn/", {"Accept-Encoding": "gzip"}).getheader("Content-Encoding")
        is None
    )


def test_gzip_output_is_byte_identical_between_requests(server: ReplicaServer) -> None:
    bodies = {
        proxy_get(server, "http://moha.gov.vn/gz", {"Accept-Encoding": "gzip"}).read() for _ in range(3)
    }
    assert len(bodies) == 1


def test_chunked_reply_decodes_to_the_site_body(server: ReplicaServer) -> None:
    raw = raw_exchange(server, b"GET /chunked HTTP/1.1\r\nHost: moha.gov.vn\r\nConnection: close\r\n\r\n")
    head, _, framed = raw.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding: chunked" in head
    assert b"Content-Length" not in head
    decoded, rest = b"", framed
    while True:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            break
        decoded += rest[:size]
        assert rest[size : size + 2] == b"\r\n"
        rest = rest[size + 2 :]
    assert decoded == CHUNKED_BODY
    via_client = proxy_get(server, "http://moha.gov.vn/chunked")
    assert via_client.read() == CHUNKED_BODY  # http.client undoes the chunking the same way


def test_gzip_and_chunked_together(server: ReplicaServer) -> None:
    response = proxy_get(server, "http://moha.gov.vn/gz-chunked", {"Accept-Encoding": "gzip"})
    assert response.getheader("Transfer-Encoding") == "chunked"
    assert response.getheader("Content-Encoding") == "gzip"
    assert gzip.decompress(response.read()) == ("Tôn giáo " * 500).encode()


def test_etag_and_last_modified_give_304(server: ReplicaServer) -> None:
    first = proxy_get(server, "http://moha.gov.vn/photo.jpg")
    assert first.read() == b"\xff\xd8\xff\xe0 jpeg"
    etag, modified = first.getheader("ETag"), first.getheader("Last-Modified")
    assert etag == '"v1-abc"'
    assert modified == "Fri, 07 Mar 2014 08:30:00 GMT"
    by_etag = proxy_get(server, "http://moha.gov.vn/photo.jpg", {"If-None-Match": etag})
    assert (by_etag.status, by_etag.read()) == (304, b"")
    assert by_etag.getheader("ETag") == etag
    by_date = proxy_get(server, "http://moha.gov.vn/photo.jpg", {"If-Modified-Since": modified})
    assert by_date.status == 304
    older = proxy_get(
        server, "http://moha.gov.vn/photo.jpg", {"If-Modified-Since": "Thu, 06 Mar 2014 08:30:00 GMT"}
    )
    assert older.status == 200
    other_tag = proxy_get(
        server, "http://moha.gov.vn/photo.jpg", {"If-None-Match": '"v2-def"', "If-Modified-Since": modified}
    )
    assert other_tag.status == 200  # If-None-Match decides when both are sent (RFC 9110 13.2.2)


def test_conditional_helpers() -> None:
    request = Headers([("if-none-match", 'W/"x", "v1-abc"')])
    assert is_not_modified(request, '"v1-abc"', None)
    assert not is_not_modified(Headers([("If-None-Match", '"zzz"')]), '"v1-abc"', MEDIA_MODIFIED)
    assert not is_not_modified(Headers([("If-Modified-Since", "not a date")]), None, MEDIA_MODIFIED)
    assert accepts_gzip("deflate, *;q=0.5") and not accepts_gzip("br, *;q=0") and not accepts_gzip(None)


def test_keep_alive_serves_several_requests_on_one_connection(server: ReplicaServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    ports = set()
    for path in (
        "http://moha.gov.vn/",
        "http://moha.gov.vn/gz",
        "http://moha.gov.vn/chunked",
        "http://moha.gov.vn/nope",
    ):
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        assert response.getheader("Connection") == "keep-alive"
        ports.add(conn.sock.getsockname()[1])
    assert len(ports) == 1


def test_pipelined_requests_are_answered_in_order(server: ReplicaServer) -> None:
    raw = raw_exchange(
        server,
        b"GET / HTTP/1.1\r\nHost: moha.gov.vn\r\n\r\n"
        b"GET /nope HTTP/1.1\r\nHost: moha.gov.vn\r\n\r\n"
        b"HEAD / HTTP/1.1\r\nHost: moha.gov.vn\r\nConnection: close\r\n\r\n",
    )
    assert [int(code) for code in re.findall(rb"HTTP/1\.1 (\d{3}) ", raw)] == [200, 404, 200]


def test_http10_closes_unless_keep_alive(server: ReplicaServer) -> None:
    raw = raw_exchange(server, b"GET http://moha.gov.vn/ HTTP/1.0\r\n\r\n")
    assert status_of(raw) == 200 and b"Connection: close" in raw


def test_head_sends_length_but_no_body(server: ReplicaServer) -> None:
    raw = raw_exchange(server, b"HEAD / HTTP/1.1\r\nHost: moha.gov.vn\r\nConnection: close\r\n\r\n")
    head, _, body = raw.partition(b"\r\n\r\n")
    assert body == b""
    assert b"Content-Length: %d" % len("<html><title>Bộ Nội vụ</title>trang chủ</html>".encode()) in head


def test_slow_reply_does_not_block_other_clients(server: ReplicaServer) -> None:
    done: dict[str, float] = {}
    start = time.monotonic()

    def fetch_slow() -> None:
        assert proxy_get(server, "http://moha.gov.vn/slow").read() == b"slow page"
        done["slow"] = time.monotonic() - start

    slow = threading.Thread(target=fetch_slow)
    slow.start()
    time.sleep(0.1)
    for _ in range(20):
        assert proxy_get(server, "http://moha.gov.vn/").status == 200
    done["fast"] = time.monotonic() - start
    slow.join(10)
    assert done["fast"] < 1.0  # twenty answers while the slow one was still waiting
    assert done["slow"] >= 1.5


def test_request_log_has_one_json_line_per_request(server: ReplicaServer) -> None:
    log_path = server.log_path
    assert log_path is not None
    before = len(log_path.read_text(encoding="utf-8").splitlines())
    sent = proxy_get(
        server, "http://moha.gov.vn/gz", {"User-Agent": "moha-migrate-test/1.0", "Accept-Encoding": "gzip"}
    ).read()
    proxy_get(server, "http://chinhphu.vn/x", {"User-Agent": "moha-migrate-test/1.0"}).read()
    raw_exchange(server, b"GARBAGE\r\n\r\n")
    lines = [json.loads(line) for line in log_path.read_text(encoding="utf-8").splitlines()[before:]]
    assert [(e["method"], e["url"], e["status"]) for e in lines] == [
        ("GET", "http://moha.gov.vn/gz", 200),
        ("GET", "http://chinhphu.vn/x", 403),
        ("-", "-", 400),
    ]
    assert lines[0]["bytes"] == len(sent) < len(("Cải cách hành chính " * 200).encode())  # gzipped size
    assert lines[0]["user_agent"] == "moha-migrate-test/1.0"
    assert datetime.fromisoformat(lines[0]["time"]).tzinfo is not None
    assert set(lines[0]) >= {"time", "method", "url", "status", "bytes", "user_agent", "ms", "conn"}
    assert len({entry["conn"] for entry in lines}) == 3  # three connections


def test_log_conn_numbers_show_keep_alive_reuse(server: ReplicaServer) -> None:
    assert server.log_path is not None
    before = len(server.log_path.read_text(encoding="utf-8").splitlines())
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    for _ in range(3):
        conn.request("GET", "http://moha.gov.vn/")
        conn.getresponse().read()
    conn.close()
    entries = [json.loads(line) for line in server.log_path.read_text(encoding="utf-8").splitlines()[before:]]
    assert len(entries) == 3 and len({entry["conn"] for entry in entries}) == 1


def test_request_count_counts_every_answer(server: ReplicaServer) -> None:
    before = server.request_count
    for _ in range(5):
        proxy_get(server, "http://moha.gov.vn/").read()
    raw_exchange(server, b"GARBAGE\r\n\r\n")
    assert server.request_count == before + 6


def test_stop_is_quick_and_clean_with_idle_and_in_flight_connections(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site = KnownSite()
    server = ReplicaServer(site, port=0)
    server.start()
    idle = socket.create_connection(("127.0.0.1", server.port))
    idle.sendall(b"GET / HTTP/1.1\r\nHost: moha.gov.vn\r\n\r\n")
    assert idle.recv(100).startswith(b"HTTP/1.1 200")
    waiting = socket.create_connection(("127.0.0.1", server.port))
    waiting.sendall(b"GET /slow HTTP/1.1\r\nHost: moha.gov.vn\r\n\r\n")  # 1.5 s reply in flight
    time.sleep(0.2)
    began = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        server.stop()
        gc.collect()  # "Task was destroyed but it is pending!" is logged when a task is collected
    assert time.monotonic() - began < 1.0
    assert [r.getMessage() for r in caplog.records if r.name == "asyncio"] == []
    waiting.close()
    idle.settimeout(2)
    while idle.recv(65536):  # the rest of the reply, then EOF: the server closed our connection
        pass
    idle.close()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=1).close()


def test_expect_100_continue_gets_the_interim_answer_then_the_reply(server: ReplicaServer) -> None:
    body = b"__VIEWSTATE=" + b"A" * 3000
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(
            b"POST /echo HTTP/1.1\r\nHost: moha.gov.vn\r\nContent-Length: %d\r\n"
            b"Expect: 100-continue\r\nConnection: close\r\n\r\n" % len(body)
        )
        interim = sock.recv(100)
        assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"  # before we sent the body: no 1 s stall
        sock.sendall(body)
        rest = b""
        while chunk := sock.recv(65536):
            rest += chunk
    assert status_of(rest) == 200
    assert json.loads(rest.split(b"\r\n\r\n", 1)[1])["body"] == body.decode()


def test_head_reaches_the_site_as_get(server: ReplicaServer, site: KnownSite) -> None:
    raw_exchange(server, b"HEAD /echo HTTP/1.1\r\nHost: moha.gov.vn\r\nConnection: close\r\n\r\n")
    assert site.calls[-1][0] == "GET"


def test_header_values_beyond_latin1_go_out_as_raw_utf8(server: ReplicaServer) -> None:
    raw = raw_exchange(server, b"GET /moved HTTP/1.1\r\nHost: moha.gov.vn\r\nConnection: close\r\n\r\n")
    assert status_of(raw) == 302
    assert "Location: /Uploads/VanBan/2012/Văn bản 38.pdf\r\n".encode() in raw


def test_concurrent_keep_alive_clients_each_get_their_own_answers(server: ReplicaServer) -> None:
    failures: list[str] = []

    def worker(number: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            for index in range(40):
                url = f"http://moha.gov.vn/echo?client={number}&n={index}"
                conn.request("GET", url)
                seen = json.loads(conn.getresponse().read())
                if seen["url"] != url:
                    failures.append(f"{url} answered with {seen['url']}")
        except Exception as exc:  # noqa: BLE001 - reported to the test's thread below
            failures.append(f"client {number}: {exc!r}")

    threads = [threading.Thread(target=worker, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not failures
    assert not any(thread.is_alive() for thread in threads)


def first_line(server: ReplicaServer, data: bytes) -> bytes:
    """Send raw bytes and return the first line the server answers (the status line)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(data)
        got = b""
        while b"\r\n" not in got:
            chunk = sock.recv(4096)
            if not chunk:
                break
            got += chunk
    return got.split(b"\r\n", 1)[0]


_LINE_BYTES = st.binary(max_size=80).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    request_line=st.one_of(
        _LINE_BYTES,
        st.tuples(
            st.sampled_from([b"GET", b"POST", b"HEAD", b"PUT", b"G\xc3\xa9T"]),
            _LINE_BYTES,
            st.sampled_from([b"HTTP/1.1", b"HTTP/1.0", b"HTTP/9.9", b"HTTX"]),
        ).map(b" ".join),
    ),
    headers=st.lists(_LINE_BYTES, max_size=5),
)
def test_any_request_head_gets_a_status_line_and_the_server_lives_on(
    server: ReplicaServer, request_line: bytes, headers: list[bytes]
) -> None:
    head = request_line + b"\r\n" + b"".join(h + b"\r\n" for h in headers) + b"\r\n"
    status_line = first_line(server, head)
    assert re.fullmatch(rb"HTTP/1\.1 [1-5]\d\d [ -~]+", status_line), (head, status_line)
    assert first_line(server, b"GET / HTTP/1.1\r\nHost: moha.gov.vn\r\n\r\n") == b"HTTP/1.1 200 OK"
