"""archive/replay.py: pywb on 127.0.0.1 replays GET pages, revisits and POST postbacks of a capture."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest

from archive.replay import ReplayServer, build_collection
from tests.archive.conftest import IMAGE, LISTING_1, LISTING_2, PAGE, POSTBACK

pytestmark = pytest.mark.timeout(120)


def fetch(url: str, data: bytes | None = None) -> bytes:
    with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=30) as reply:
        return reply.read()


def test_pywb_replays_get_revisit_and_postback(sample_dir: Path, tmp_path: Path) -> None:
    collection = build_collection([sample_dir / "sample-a.warc.gz"], tmp_path / "pywb")
    assert collection.index_lines == 6
    with ReplayServer(collection) as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        article = "http://moha.gov.vn/tin-tuc-su-kien/ton-giao/bai-1-101.html"
        assert fetch(server.replay_url(article, "20261125080000", "id_")) == PAGE
        assert fetch(server.replay_url("http://moha.gov.vn/Uploads/Images/2015/08/copy.jpg",
                                       "20261125110000", "id_")) == IMAGE
        listing = "http://moha.gov.vn/Default.aspx?tabid=100"
        assert fetch(server.replay_url(listing, "20261125100000", "id_")) == LISTING_1
        assert fetch(server.replay_url(listing, "20261125100000", "id_"), data=POSTBACK) == LISTING_2
        rewritten = fetch(server.replay_url(listing, "20261125100000"), data=POSTBACK)
        assert b"PAGE TWO of the listing" in rewritten and b"wbinfo" in rewritten
        process_port = server.port
    # stopped: nothing listens there any more
    with pytest.raises(OSError):
        fetch(f"http://127.0.0.1:{process_port}/")
