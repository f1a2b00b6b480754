"""Every archive verb on WARCs other tools wrote: warcio's capture_http and GNU wget, of the replica."""

from __future__ import annotations

import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from archive.fixity import verify_warcs
from archive.index import iter_index, write_index
from archive.lookup import CaptureFinder
from archive.reader import iter_responses, iter_warc_paths
from archive.replay import ReplayServer, build_collection
from archive.wacz import validate_wacz, write_wacz
from tests.archive.test_index import canonical, command_lines

pytestmark = pytest.mark.timeout(240)


def served(site: Any, url: str, method: str = "GET", body: bytes = b"") -> bytes:
    """The payload the replica sends for one request (before any gzip/chunked coding)."""
    return site.handle(method, url, {}, body).body


@pytest.mark.parametrize("tool", ["capture_http", "wget"])
def test_index_matches_the_cdxj_indexer_command(replica_captures: dict[str, Any], tool: str, tmp_path: Path) -> None:
    warcs = iter_warc_paths([replica_captures[tool]])
    out = tmp_path / "index.cdxj"
    result = write_index(warcs, out)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert result.lines == len(lines) >= len(replica_captures["plan"]["get"])
    assert canonical(lines) == command_lines(warcs)
    posts = [line for line in iter_index(out) if line.method == "POST"]
    assert len(posts) == 1 and "__wb_method=post" in posts[0].urlkey and "__eventargument=page$2" in posts[0].urlkey


def test_verify_other_tools_warcs(replica_captures: dict[str, Any], tmp_path: Path) -> None:
    for tool in ("capture_http", "wget"):
        warcs = iter_warc_paths([replica_captures[tool]])
        index = tmp_path / f"{tool}.cdxj"
        write_index(warcs, index)
        result = verify_warcs(warcs, index=index)
        kinds = {p.kind for p in result.problems}
        if tool == "capture_http":
            # capture_http writes no warcinfo record (field-notes); everything else checks out
            assert kinds == {"no-warcinfo"}, [p.line() for p in result.problems]
        else:
            assert result.problems == [], [p.line() for p in result.problems]
        assert result.digests_checked > 0 and result.index_lines > 0


@pytest.mark.parametrize("tool", ["capture_http", "wget"])
def test_get_returns_what_the_replica_served(replica_captures: dict[str, Any], replica_for_archive: Any,
                                             tool: str) -> None:
    site, _ = replica_for_archive
    with CaptureFinder([replica_captures[tool]]) as finder:
        for url in replica_captures["plan"]["get"]:
            capture = finder.closest(url)
            resp = finder.payload(capture)
            expected = served(site, url)
            assert resp.body == expected, url
            assert resp.sha256 and resp.size == len(expected)


def test_reader_pairs_postback_requests(replica_captures: dict[str, Any], replica_for_archive: Any) -> None:
    site, _ = replica_for_archive
    form = replica_captures["postback_form"]
    for tool in ("capture_http", "wget"):
        posts = [r for r in iter_responses([replica_captures[tool]]) if r.method == "POST"]
        assert len(posts) == 1, tool
        post = posts[0]
        assert post.request_body is not None and b"__EVENTARGUMENT=Page%242" in post.request_body
        assert post.body == served(site, post.url, "POST", post.request_body)
        assert post.body != served(site, post.url)  # page 2 is not page 1
        assert form["__EVENTARGUMENT"] == "Page$2"


def test_wacz_of_wget_warcs_validates(replica_captures: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "wget.wacz"
    result = write_wacz([replica_captures["wget"]], out)
    valid, messages = validate_wacz(out)
    assert valid, messages
    assert result.pages >= 3 and not result.unmatched_pages


@pytest.mark.parametrize("tool", ["capture_http", "wget"])
def test_pywb_replays_article_alias_and_postback(replica_captures: dict[str, Any], replica_for_archive: Any,
                                                 tool: str, tmp_path: Path) -> None:
    site, _ = replica_for_archive
    plan = replica_captures["plan"]
    collection = build_collection([replica_captures[tool]], tmp_path / "pywb")
    with ReplayServer(collection) as server:
        for url in (plan["article"], plan["aliases"][0]):
            with urllib.request.urlopen(server.replay_url(url, mode="id_"), timeout=30) as reply:
                assert reply.read() == served(site, url), url
        action = replica_captures["postback_action"]
        body = urllib.parse.urlencode(replica_captures["postback_form"]).encode()
        with urllib.request.urlopen(urllib.request.Request(server.replay_url(action, mode="id_"), data=body),
                                    timeout=30) as reply:
            assert reply.read() == served(site, action, "POST", body)
