"""`--redis`: two worker processes share one frontier in Redis (127.0.0.1:6379)."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import pytest
import redis

from crawler.rules import load_rules
from crawler.run import crawl_site
from crawler.settings import CrawlOptions
from moha_migrate.profile import load_profile
from replica.server import ReplicaServer
from replica.site import Site
from tests.crawler.helpers import log_entries
from tests.crawler.test_resume import fetch_key, final_keys

RULES = load_rules(load_profile())
REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture()
def crawl_id():
    crawl_id = f"test-{uuid.uuid4().hex[:12]}"
    yield crawl_id
    server = redis.Redis.from_url(REDIS_URL)
    for key in server.scan_iter(f"moha-migrate:{crawl_id}:*"):
        server.delete(key)


@pytest.mark.slow
def test_two_workers_same_coverage_nothing_fetched_twice(tmp_path: Path, replica_crawl, crawl_id: str) -> None:
    out = tmp_path / "crawl"
    request_log = tmp_path / "requests.jsonl"
    with ReplicaServer(Site(seed=1, scale="test"), host="127.0.0.1", port=0, log_path=request_log) as server:
        result = crawl_site(CrawlOptions(out=out, proxy=server.proxy_url, ignore_crawl_delay=True, redis_url=REDIS_URL,
                                         crawl_id=crawl_id, workers=2, retry_backoff_s=0.1))
    assert result.ok
    entries = log_entries(out, "fetch")
    # both workers took part, each writing its own WARC files
    writers = {e["warc"].rsplit("-", 1)[1] for e in entries}
    assert len(writers) == 2 and len(result.warc_files) >= 2
    assert final_keys(out) == final_keys(replica_crawl.dir)
    finals = Counter(fetch_key(e) for e in entries if e["final"])
    assert [k for k, n in finals.items() if n > 1] == []
    # the replica saw each URL once (retries of its 500-once URLs aside)
    with open(request_log, encoding="utf-8") as fh:
        requests = [json.loads(line) for line in fh]
    retried = {e["url"] for e in entries if not e["final"]}
    counted = Counter((r["method"], r["url"]) for r in requests if r["url"] not in retried and r["method"] == "GET")
    assert [u for u, n in counted.items() if n > 1] == []
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", *map(str, sorted((out / "warc").iterdir()))],
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout[-2000:]
