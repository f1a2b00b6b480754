"""The acceptance points of issue 4 on the shared crawl of the replica (`replica_crawl`)."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from archive.index import iter_index, write_index
from archive.lookup import CaptureFinder
from archive.reader import iter_responses, iter_warc_paths
from archive.replay import ReplayServer, build_collection
from moha_migrate.cli import cli
from tests.archive.damage import append_garbage, cut_short, flip_payload_byte
from tests.archive.test_index import canonical, command_lines
from tests.archive.test_wacz import WACZ

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def crawl_index(replica_crawl: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("crawl-index") / "index.cdxj"
    write_index([replica_crawl.warc_dir], out)
    return out


def served(site: Any, url: str, method: str = "GET", body: bytes = b"") -> bytes:
    return site.handle(method, url, {}, body).body


def test_index_is_the_cdxj_indexer_commands(replica_crawl: Any, crawl_index: Path) -> None:
    warcs = iter_warc_paths([replica_crawl.warc_dir])
    lines = crawl_index.read_text(encoding="utf-8").splitlines()
    assert canonical(lines) == command_lines(warcs)
    assert len(lines) == replica_crawl.result.pages
    assert any(line.method == "POST" and "__wb_method=post" in line.urlkey for line in iter_index(crawl_index))


def test_verify_clean_crawl_exits_0(replica_crawl: Any, crawl_index: Path) -> None:
    result = CliRunner().invoke(cli, ["archive", "verify", str(replica_crawl.warc_dir), "--index", str(crawl_index),
                                      "--json"])
    summary = json.loads(result.stdout)
    assert result.exit_code == 0, summary["problems"][:5]
    assert summary["ok"] and summary["counts"]["index_lines"] == replica_crawl.result.pages
    assert summary["counts"]["records"] >= 2 * replica_crawl.result.pages


def test_wacz_of_the_crawl_validates(replica_crawl: Any, tmp_path: Path) -> None:
    out = tmp_path / "moha.wacz"
    result = CliRunner().invoke(cli, ["archive", "wacz", str(replica_crawl.warc_dir), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["counts"]["pages"] > 100
    check = subprocess.run([str(WACZ), "validate", "-f", str(out)], capture_output=True, text=True, timeout=120)
    assert check.returncode == 0 and "is valid" in check.stdout, check.stdout


def test_get_gives_the_served_bytes_including_a_revisited_image(replica_crawl: Any, crawl_index: Path,
                                                                 replica_site: Any) -> None:
    lines = list(iter_index(crawl_index))
    revisited = [ln for ln in lines if ln.is_revisit and "/Uploads/Images/" in ln.url]
    assert revisited, "the crawl holds no image captured as a revisit"
    responses = [r for r in iter_responses([replica_crawl.warc_dir]) if r.status == 200 and r.method == "GET"]
    gzip_page = next(r.url for r in responses if (r.header("Content-Encoding") or "").lower() == "gzip")
    chunked_page = next(r.url for r in responses if (r.header("Transfer-Encoding") or "").lower() == "chunked")
    with CaptureFinder([replica_crawl.warc_dir], crawl_index) as finder:
        for url in (revisited[0].url, gzip_page, chunked_page):
            resp = finder.payload(finder.closest(url))
            assert resp.body == served(replica_site, url), url
        assert finder.closest(revisited[0].url).original is not None
    runner = CliRunner()
    out = Path(str(crawl_index) + ".jpg")
    result = runner.invoke(cli, ["archive", "get", revisited[0].url, "--from", str(replica_crawl.dir),
                                 "--index", str(crawl_index), "--out", str(out)])
    assert result.exit_code == 0 and out.read_bytes() == served(replica_site, revisited[0].url)


def test_pywb_replays_article_alias_and_postback(replica_crawl: Any, crawl_index: Path, replica_site: Any,
                                                 tmp_path: Path) -> None:
    article = next(r for r in replica_site.truth_records() if r.kind == "article")
    captured = {ln.url for ln in iter_index(crawl_index)}
    alias = next(u for u in article.old_urls if u in captured and u != article.source_url and "tabid/" in u)
    post = next(r for r in iter_responses([replica_crawl.warc_dir]) if r.method == "POST")
    assert post.request_body and b"__EVENTARGUMENT" in post.request_body
    collection = build_collection([replica_crawl.warc_dir], tmp_path / "pywb", index=crawl_index)
    with ReplayServer(collection) as server:
        for url in (article.source_url, alias):
            with urllib.request.urlopen(server.replay_url(url, mode="id_"), timeout=30) as reply:
                assert reply.read() == served(replica_site, url), url
        request = urllib.request.Request(server.replay_url(post.url, mode="id_"), data=post.request_body,
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(request, timeout=30) as reply:
            page_2 = reply.read()
        assert page_2 == served(replica_site, post.url, "POST", post.request_body)
        assert page_2 != served(replica_site, post.url)
        # and the rewritten (browser) view shows the article's title
        with urllib.request.urlopen(server.replay_url(article.source_url), timeout=30) as reply:
            assert article.title in reply.read().decode("utf-8")
    # `archive get --data` finds the same postback page in the WARCs
    result = CliRunner().invoke(cli, ["archive", "get", post.url, "--from", str(replica_crawl.warc_dir), "--index",
                                      str(crawl_index), "--data", post.request_body.decode("ascii")])
    assert result.exit_code == 0 and result.stdout_bytes == page_2


def test_verify_names_each_damaged_copy_of_the_crawl(replica_crawl: Any, tmp_path: Path) -> None:
    [warc] = iter_warc_paths([replica_crawl.warc_dir])
    flipped_at, flipped_id = flip_payload_byte(warc, tmp_path / "flipped.warc.gz")
    cut_at = cut_short(warc, tmp_path / "cut.warc.gz", 300)
    garbage_at = append_garbage(warc, tmp_path / "garbage.warc.gz")
    (tmp_path / "empty.warc.gz").write_bytes(b"")
    (tmp_path / "notes.warc").write_bytes(b"crawl notes, not a WARC\n")
    result = CliRunner().invoke(cli, ["archive", "verify", str(tmp_path), "--json"])
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    problems = json.loads(result.stdout)["problems"]
    damage = [p for p in problems if "duplicate-id" not in p and ": pair:" not in p]
    assert any(p.startswith(f"flipped.warc.gz@{flipped_at} {flipped_id}: digest: payload digest failed") for p in damage)
    assert any(p.startswith(f"cut.warc.gz@{cut_at}: damaged: record cut short") for p in damage)
    assert any(p.startswith(f"garbage.warc.gz@{garbage_at}: damaged: garbage") for p in damage)
    assert "empty.warc.gz@0: damaged: empty file (0 bytes), not a WARC" in damage
    assert any(p.startswith("notes.warc@0: damaged: not a WARC file") for p in damage)
