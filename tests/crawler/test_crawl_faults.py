"""A crawl of the mini server (one path per misbehaviour): bytes kept as served, faults recorded.

The replica tests (test_crawl_replica.py) check coverage; these check the archival details on
responses whose exact bytes the test controls.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.run import CrawlResult, crawl_site
from crawler.settings import CrawlOptions
from tests.crawler.helpers import log_entries, raw_block, warc_records
from tests.crawler.miniserver import BIG_SIZE, MiniServer


@pytest.fixture(scope="module")
def mini_crawl(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("mini") / "crawl"
    with MiniServer() as server:
        result = crawl_site(CrawlOptions(out=out, proxy=server.proxy_url, ignore_crawl_delay=True, timeout_s=5,
                                         retry_backoff_s=0.05, max_response_bytes=1024 * 1024))
        yield out, result, list(server.requests)


def fetches(out: Path, path: str) -> list[dict]:
    return [e for e in log_entries(out, "fetch") if e["url"].split("moha.gov.vn", 1)[1].split("?")[0] == path]


def test_crawl_finishes_with_every_file_passing_warcio_check(mini_crawl) -> None:
    out, result, _ = mini_crawl
    assert isinstance(result, CrawlResult) and result.ok and result.pages >= 30
    files = sorted((out / "warc").glob("*.warc.gz"))
    assert files and not list((out / "warc").glob("*.open"))
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", *map(str, files)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    for path in files:  # each file ends on a complete gzip member
        gzip.decompress(path.read_bytes())


def test_status_line_and_headers_are_stored_as_they_came_off_the_wire(mini_crawl) -> None:
    out, _, _ = mini_crawl
    [entry] = fetches(out, "/weird.html")
    assert raw_block(out, entry) == (b"HTTP/1.1 200 Very OK\r\ncontent-TYPE: text/html\r\nX-L\xe9gacy: Vi\xea\xf2t\r\n"
                                     b"Content-Length: 20\r\n\r\n<p>weird headers</p>")


def test_gzip_and_chunked_bodies_are_stored_encoded_and_their_links_followed(mini_crawl) -> None:
    out, _, requests = mini_crawl
    [gz] = fetches(out, "/gz.html")
    block = raw_block(out, gz)
    assert b"Content-Encoding: gzip\r\n" in block
    assert gzip.decompress(block.split(b"\r\n\r\n", 1)[1]).startswith(b"<html>")
    [ch] = fetches(out, "/chunked.html")
    assert b"Transfer-Encoding: chunked\r\n\r\n64\r\n<html>" in raw_block(out, ch)
    paths = {r[2] for r in requests}
    assert {"/from-gzip.html", "/from-chunked.html"} <= paths


def test_request_records_are_origin_form_with_host_and_post_bodies(mini_crawl) -> None:
    out, _, _ = mini_crawl
    records = warc_records(out)
    requests = [r for r in records if r["type"] == "request"]
    responses = {r["headers"]["WARC-Record-ID"] for r in records if r["type"] in ("response", "revisit")}
    assert requests and all(r["headers"]["WARC-Concurrent-To"] in responses for r in requests)
    home = next(r for r in requests if r["uri"] == "http://moha.gov.vn/")
    assert (home["http"].protocol, home["http"].statusline) == ("GET", "/ HTTP/1.1") and home["http"].get_header("Host") == "moha.gov.vn"
    posts = [r for r in requests if r["http"].protocol == "POST"]
    assert len(posts) == 2 and all(r["http"].statusline.startswith("/listing.aspx?tabid=219") for r in posts)
    assert sorted(b"__EVENTARGUMENT=Page%242" in r["payload"] or b"__EVENTARGUMENT=Page%243" in r["payload"]
                  for r in posts) == [True, True]
    assert all(b"__VIEWSTATE=VS" in r["payload"] for r in posts)


def test_postback_pages_each_captured_once(mini_crawl) -> None:
    out, _, requests = mini_crawl
    posts = [r for r in requests if r[0] == "POST"]
    pages = sorted(body.split(b"__EVENTARGUMENT=")[1].split(b"&")[0] for *_, body in posts)
    assert pages == [b"Page%242", b"Page%243"]
    assert {r[2] for r in requests} >= {"/item-1.html", "/item-2.html", "/item-3.html"}


def test_same_payload_under_another_url_is_a_revisit(mini_crawl) -> None:
    out, _, _ = mini_crawl
    entries = fetches(out, "/dup1.html") + fetches(out, "/dup2.html")
    assert sorted(e["type"] for e in entries) == ["response", "revisit"]
    revisit = next(r for r in warc_records(out) if r["type"] == "revisit" and r["uri"].endswith("/dup1.html")
                   or r["type"] == "revisit" and r["uri"].endswith("/dup2.html"))
    original = next(e for e in entries if e["type"] == "response")
    assert revisit["headers"]["WARC-Profile"].endswith("/revisit/identical-payload-digest")
    assert revisit["headers"]["WARC-Refers-To"] == original["record_id"]
    assert revisit["headers"]["WARC-Refers-To-Target-URI"] == original["url"]
    assert revisit["headers"]["WARC-Payload-Digest"] == original["digest"]


def test_redirect_hops_each_recorded_and_loop_stopped(mini_crawl) -> None:
    out, _, requests = mini_crawl
    statuses = [(e["url"].rsplit("/", 1)[1], e["status"]) for e in log_entries(out, "fetch")
                if e["url"].rsplit("/", 1)[1] in ("redirect1", "redirect2", "final.html")]
    assert sorted(statuses) == [("final.html", 200), ("redirect1", 301), ("redirect2", 302)]
    final = fetches(out, "/final.html")[0]
    assert final["hops"].endswith("RR")
    loop = [r for r in requests if r[2] in ("/loop1", "/loop2")]
    assert len(loop) == 2


def test_500_is_retried_and_404_soft_404_flagged(mini_crawl) -> None:
    out, result, _ = mini_crawl
    flaky = fetches(out, "/flaky.html")
    assert [(e["status"], e["final"]) for e in flaky] == [(500, False), (200, True)]
    assert "404" in fetches(out, "/missing.html")[0]["flags"]
    assert "soft-404" in fetches(out, "/soft404.html")[0]["flags"]
    assert result.not_found == 1 and result.soft_404 == 1 and result.retried == 1


def test_robots_and_scope_exclusions_are_never_requested_only_logged(mini_crawl) -> None:
    out, _, requests = mini_crawl
    hosts = {r[1] for r in requests}
    assert hosts <= {"moha.gov.vn", "www.moha.gov.vn"}
    paths = {r[2] for r in requests}
    assert not any(p.startswith(("/Admin/", "/TimKiem.aspx")) or "(S(" in p for p in paths)
    assert "/session.html" in paths  # the session segment was stripped, the page still captured
    skipped = {(e["reason"], e["url"]) for e in log_entries(out, "skip")}
    assert ("out-of-scope", "http://chinhphu.vn/portal") in skipped
    assert any(reason == "excluded" and "/Admin/" in url for reason, url in skipped)
    robots = [r for r in requests if r[2] == "/robots.txt"]
    assert robots and requests.index(robots[0]) == 0


def test_bad_input_never_stops_the_crawl(mini_crawl) -> None:
    out, result, _ = mini_crawl
    [bad] = fetches(out, "/badgzip.html")
    assert "bad-content-encoding" in bad["flags"] and "Content-Encoding gzip" in bad["error"]
    assert raw_block(out, bad).endswith(b"\x1f\x8b\x08\x00garbage-not-gzip")
    [binary] = fetches(out, "/binary.html")
    assert binary["status"] == 200 and binary["size"] == 2048
    [reset] = fetches(out, "/reset.html")
    assert reset["flags"] == ["truncated-disconnect"] and raw_block(out, reset).endswith(b"\r\n\r\npartial")
    assert result.ok  # and the crawl went on to capture pages linked after these


def test_oversized_body_is_cut_at_the_limit_with_warc_truncated(mini_crawl) -> None:
    out, _, _ = mini_crawl
    [big] = fetches(out, "/Uploads/big.bin")
    assert big["size"] == 1024 * 1024 < BIG_SIZE and "truncated-length" in big["flags"]
    record = next(r for r in warc_records(out) if r["type"] == "response" and r["uri"].endswith("/Uploads/big.bin"))
    assert record["headers"]["WARC-Truncated"] == "length"
