"""The crawl of the test replica (the shared `replica_crawl` fixture) against the replica's inventory."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys

import pytest

from crawler.readback import read_payload
from crawler.rules import load_rules
from crawler.traps import frontier_key
from moha_migrate.profile import load_profile
from moha_migrate.urls import normalize_url
from replica.site import Site
from tests.crawler.helpers import log_entries, raw_block

RULES = load_rules(load_profile())


@pytest.fixture(scope="module")
def inventory(replica_site: Site) -> dict:
    return replica_site.inventory()


@pytest.fixture(scope="module")
def requests_seen(replica_crawl) -> list[dict]:
    with open(replica_crawl.request_log, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def captured_keys(crawl_dir) -> set[str]:
    keys = set()
    for e in log_entries(crawl_dir, "fetch"):
        if e["method"] == "POST":
            keys.add(e["key"])
        elif e["final"]:
            keys.add(frontier_key(e["url"], RULES))
    return keys


def test_every_must_capture_url_is_in_the_warcs(replica_crawl, inventory) -> None:
    keys = captured_keys(replica_crawl.dir)
    missing = []
    for url in inventory["must_capture"]:
        if url.startswith("POST "):
            _, listing, argument = url.split(" ")
            key = f"POST {frontier_key(listing, RULES)}"
            if not any(k.startswith(key) and k.endswith(" " + argument) for k in keys):
                missing.append(url)
        elif frontier_key(url, RULES) not in keys:
            missing.append(url)
    assert missing == [], f"{len(missing)} of {len(inventory['must_capture'])} not captured"


def test_nothing_forbidden_was_requested_and_no_other_host(requests_seen, inventory) -> None:
    urls = [r["url"] for r in requests_seen]
    assert urls, "the replica logged no request"
    # Compared as written (normalize_url): the frontier key would fold a session path onto its page.
    forbidden = {normalize_url(u) for u in inventory["must_not_capture"]}
    assert [u for u in urls if normalize_url(u) in forbidden] == []
    patterns = [re.compile(p) for p in inventory["must_not_capture_patterns"]]
    assert [u for u in urls if any(p.search(u) for p in patterns)] == []
    assert {r["url"].split("/")[2] for r in requests_seen} <= {"moha.gov.vn", "www.moha.gov.vn"}


def test_robots_txt_first_and_its_rules_obeyed(requests_seen) -> None:
    assert requests_seen[0]["url"].endswith("/robots.txt")
    disallowed = ("/Admin/", "/TimKiem.aspx", "/EmailArticle.aspx")
    assert not [r for r in requests_seen if r["url"].split("moha.gov.vn", 1)[1].startswith(disallowed)]


def test_each_url_fetched_once_except_retries(requests_seen, inventory) -> None:
    seen: dict[str, int] = {}
    for r in requests_seen:
        if r["method"] == "GET":
            key = frontier_key(r["url"], RULES)
            seen[key] = seen.get(key, 0) + 1
    retried = {frontier_key(u, RULES) for u, s in inventory["special"].items() if s.get("kind") == "error-500-once"}
    robots = {frontier_key(f"http://{h}/robots.txt", RULES) for h in ("moha.gov.vn", "www.moha.gov.vn")}
    assert {k: n for k, n in seen.items() if n > 1 and k not in retried | robots} == {}


def test_postback_pages_submitted_with_view_state_once_each(replica_crawl, inventory) -> None:
    posts = [e for e in log_entries(replica_crawl.dir, "fetch") if e["method"] == "POST"]
    expected = [u for u in inventory["must_capture"] if u.startswith("POST ")]
    assert len(posts) == len({e["key"] for e in posts}) == len(expected)
    for entry in posts:
        page = entry["key"].rsplit("$", 1)[1]
        body, _ = read_payload(replica_crawl.warc_dir / entry["warc"], entry["offset"])
        assert entry["status"] == 200 and f"Trang {page}".encode() in body, entry["key"]


def test_special_urls_behave_and_are_flagged(replica_crawl, inventory) -> None:
    by_key: dict[str, list[dict]] = {}
    for e in log_entries(replica_crawl.dir, "fetch"):
        by_key.setdefault(frontier_key(e["url"], RULES), []).append(e)
    for url, spec in inventory["special"].items():
        got = by_key.get(frontier_key(url, RULES), [])
        assert got, f"{url} ({spec['kind']}) was not fetched"
        if spec["kind"] == "error-500-once":
            assert [e["status"] for e in got] == [500, 200], url
        elif spec["kind"] == "soft-404":
            assert "soft-404" in got[-1].get("flags", []), url
        elif spec["kind"] == "deleted-404":
            assert got[-1]["status"] == 404 and "404" in got[-1]["flags"], url
        elif spec["kind"] == "large-attachment":
            # whole, not cut (the replica's own min_size hint is 3 MiB; its body is a little smaller)
            served = Site(seed=1, scale="test").handle("GET", url, {}, b"").body
            assert got[-1]["size"] == len(served) > 3_000_000 and "flags" not in got[-1], url
        elif "chain" in spec:
            assert got[0]["status"] == spec["chain"][0], url


def test_every_warc_passes_warcio_check(replica_crawl) -> None:
    files = sorted(replica_crawl.warc_dir.glob("*.warc.gz"))
    assert files and not list(replica_crawl.warc_dir.glob("*.open"))
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", *map(str, files)],
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout[-2000:]


def test_records_hold_exactly_the_bytes_the_replica_served(replica_crawl) -> None:
    site = Site(seed=1, scale="test")
    entries = [e for e in log_entries(replica_crawl.dir, "fetch")
               if e["type"] == "response" and e["method"] == "GET" and e["status"] == 200]
    gzipped = chunked = 0
    for entry in entries[::7]:  # a bounded sample of every kind of page and file
        block = raw_block(replica_crawl.dir, entry)
        head, _, body = block.partition(b"\r\n\r\n")
        reply = site.handle("GET", entry["url"], {"Accept-Encoding": "gzip"}, b"")
        if reply.status == 500:  # a URL that fails on its first request only: the crawl's 200 was its retry
            reply = site.handle("GET", entry["url"], {"Accept-Encoding": "gzip"}, b"")
        if b"transfer-encoding: chunked" in head.lower():
            chunked += 1
            body = dechunk(body)
        if b"content-encoding: gzip" in head.lower():
            gzipped += 1
            body = gzip.decompress(body)
        assert body == reply.body, entry["url"]
        assert head.startswith(b"HTTP/1.1 200 " + reply.reason.encode("latin-1")), entry["url"]
    assert gzipped and chunked and len(entries) > 300


def dechunk(data: bytes) -> bytes:
    out, pos = [], 0
    while True:
        line_end = data.index(b"\r\n", pos)
        size = int(data[pos:line_end].split(b";")[0], 16)
        if size == 0:
            return b"".join(out)
        out.append(data[line_end + 2:line_end + 2 + size])
        pos = line_end + 2 + size + 2
