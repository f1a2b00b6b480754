"""Session fixtures shared by every stage's tests: the replica site, its server and its ground truth.

- `replica_site`: `Site(seed=1, scale="test")`, the site every stage is tested against.
- `replica`: a running `ReplicaServer` on the same site (a separate instance: 127.0.0.1, free
  port); use `replica.proxy_url` as a client's HTTP proxy. Its 500-once URLs fail once per session.
- `truth_records`: the list of the site's truth records.
- `truth_dir`: a directory with `records.jsonl` and `inventory.json` (as `replica truth` writes).
- `replica_tables`: the same site in the "tables" skin (direct `handle` calls; no server).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from moha_migrate.jsonl import write_records
from moha_migrate.records import Record
from replica.site import Site


@pytest.fixture(scope="session")
def replica_site() -> Site:
    return Site(seed=1, scale="test")


@pytest.fixture(scope="session")
def replica_tables() -> Site:
    return Site(seed=1, scale="test", skin="tables")


@pytest.fixture(scope="session")
def replica() -> Iterator[object]:
    # The same site as `replica_site` (seed 1, test scale) but its own instance, so that tests
    # calling replica_site.handle() directly never spend the server's 500-once failures.
    from replica.server import ReplicaServer

    with ReplicaServer(Site(seed=1, scale="test"), host="127.0.0.1", port=0) as server:
        yield server


@pytest.fixture(scope="session")
def truth_records(replica_site: Site) -> list[Record]:
    return list(replica_site.truth_records())


@pytest.fixture(scope="session")
def truth_dir(
    tmp_path_factory: pytest.TempPathFactory, replica_site: Site, truth_records: list[Record]
) -> Path:
    out = tmp_path_factory.mktemp("truth")
    write_records(truth_records, out / "records.jsonl")
    (out / "inventory.json").write_text(
        json.dumps(replica_site.inventory(), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return out


@pytest.fixture(scope="session")
def replica_crawl(tmp_path_factory: pytest.TempPathFactory):
    """A finished crawl of the test replica (seed 1, scale "test"), shared read-only by every stage.

    Attributes (also readable as `replica_crawl["warc_dir"]`): `dir` (the crawl directory),
    `warc_dir` (warc/*.warc.gz), `crawl_log` (crawl.log), `request_log` (the replica's JSON log of
    every request it received) and `result` (crawler.run.CrawlResult). The crawl runs against its
    own fresh replica server, so its 500-once URLs fail once for it whatever other tests requested.
    """
    from crawler.run import crawl_site
    from crawler.settings import CrawlOptions
    from replica.server import ReplicaServer

    root = tmp_path_factory.mktemp("replica_crawl")
    out = root / "crawl"
    request_log = root / "replica-requests.jsonl"
    with ReplicaServer(Site(seed=1, scale="test"), host="127.0.0.1", port=0, log_path=request_log) as server:
        result = crawl_site(
            CrawlOptions(out=out, proxy=server.proxy_url, ignore_crawl_delay=True, retry_backoff_s=0.1)
        )
    return ReplicaCrawl(
        dir=out, warc_dir=out / "warc", crawl_log=out / "crawl.log", request_log=request_log, result=result
    )


class ReplicaCrawl:
    """The `replica_crawl` fixture's value: paths of one finished crawl (see the fixture)."""

    def __init__(self, **fields: object) -> None:
        self.__dict__.update(fields)

    def __getitem__(self, name: str) -> object:
        return self.__dict__[name]
