"""The crawler on the replica's second markup skin ("tables": layout tables, other ids, classes and
order): the regex link extraction and the postback pager must not depend on one template."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.rules import load_rules
from crawler.run import crawl_site
from crawler.settings import CrawlOptions
from crawler.traps import frontier_key
from moha_migrate.profile import load_profile
from replica.server import ReplicaServer
from replica.site import Site
from tests.crawler.helpers import log_entries

RULES = load_rules(load_profile())


@pytest.mark.slow
def test_tables_skin_full_coverage(tmp_path: Path) -> None:
    site = Site(seed=1, scale="test", skin="tables")
    inventory = site.inventory()
    out = tmp_path / "crawl"
    with ReplicaServer(site, host="127.0.0.1", port=0) as server:
        result = crawl_site(CrawlOptions(out=out, proxy=server.proxy_url, ignore_crawl_delay=True,
                                         retry_backoff_s=0.05))
    assert result.ok
    keys = {e["key"] if e["method"] == "POST" else frontier_key(e["url"], RULES)
            for e in log_entries(out, "fetch") if e["final"]}
    missing = []
    for url in inventory["must_capture"]:
        if url.startswith("POST "):
            _, listing, argument = url.split(" ")
            if not any(k.startswith(f"POST {frontier_key(listing, RULES)} ") and k.endswith(" " + argument)
                       for k in keys):
                missing.append(url)
        elif frontier_key(url, RULES) not in keys:
            missing.append(url)
    assert missing == []
