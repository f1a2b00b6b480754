"""Incremental recrawl: a second crawl against the first writes revisits for what did not change."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from crawler.run import crawl_site
from crawler.settings import CrawlOptions
from replica.server import ReplicaServer
from replica.site import Site
from tests.crawler.helpers import log_entries, warc_records


def served(site: Site, url: str) -> bytes:
    """The body a site serves for a URL (past its 500-once failure)."""
    reply = site.handle("GET", url, {}, b"")
    return site.handle("GET", url, {}, b"").body if reply.status == 500 else reply.body


@pytest.mark.slow
def test_second_crawl_revisits_unchanged_and_captures_changed(tmp_path: Path, replica_crawl) -> None:
    before, after = Site(seed=1, scale="test"), Site(seed=1, scale="test", revision=1)
    out = tmp_path / "crawl2"
    with ReplicaServer(after, host="127.0.0.1", port=0) as server:
        result = crawl_site(CrawlOptions(out=out, proxy=server.proxy_url, ignore_crawl_delay=True,
                                         previous=replica_crawl.dir, retry_backoff_s=0.1))
    assert result.ok
    records = {r["headers"]["WARC-Record-ID"]: r for r in warc_records(out)}
    changed = unchanged = not_modified = 0
    for entry in log_entries(out, "fetch"):
        if entry["method"] != "GET" or entry["status"] not in (200, 304) or not entry["final"]:
            continue
        if served(before, entry["url"]) != served(after, entry["url"]):
            changed += 1
            # new bytes: a response, or a revisit of the same new bytes captured under another URL now
            assert entry["type"] == "response" or records[entry["record_id"]]["headers"]["WARC-Refers-To"] \
                in records, f"changed but not captured: {entry['url']}"
        else:
            unchanged += 1
            assert entry["type"] == "revisit", f"unchanged but captured again: {entry['url']}"
            not_modified += entry["status"] == 304
    assert changed >= 3 and unchanged > 300 and not_modified > 10
    earlier = {e["record_id"]: e for e in log_entries(replica_crawl.dir, "fetch")}
    profiles = set()
    for entry in log_entries(out, "fetch"):
        if entry["type"] != "revisit":
            continue
        record = records[entry["record_id"]]
        profiles.add(record["headers"]["WARC-Profile"].rsplit("/", 1)[1])
        refers = record["headers"]["WARC-Refers-To"]
        # every revisit points at a record that holds the bytes: in the earlier crawl or this one
        assert refers in earlier or refers in records, entry["url"]
    assert profiles == {"identical-payload-digest", "server-not-modified"}
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", *map(str, sorted((out / "warc").iterdir()))],
                           capture_output=True, text=True, timeout=120, check=False)
    assert check.returncode == 0, check.stdout[-2000:]
    # the links of pages answered 304 were still followed: the crawl reached as much as the first
    assert result.pages >= len([e for e in log_entries(replica_crawl.dir, "fetch") if e["final"]]) - 5
