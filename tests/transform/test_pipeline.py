"""Acceptance of transform_warcs on real captures of the replica, against its ground truth."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from moha_migrate.jsonl import iter_records
from moha_migrate.records import Article, Media
from tests.transform.warcs import write_capture
from transform.accuracy import AccuracyReport, score_records
from transform.pipeline import TransformOptions, TransformResult, transform_warcs


def assert_accepted(report: AccuracyReport, result: TransformResult) -> None:
    detail = "\n".join(report.lines() + [m for misses in report.field_misses.values() for m in misses])
    assert report.missing == [] and report.extra == [], detail
    for name in report.field_total:
        assert report.accuracy(name) >= 0.995, f"{name}: {report.accuracy(name):.4f}\n{detail}"
    assert report.similarity_avg >= 0.99 and report.similarity_min >= 0.95, detail
    assert report.mojibake == [] and report.not_nfc == [] and report.unsafe_html == [], detail
    assert report.old_urls_missing == [], detail
    assert result.errors == 0, result.error_samples


@pytest.fixture(scope="module")
def crawl_transform(replica_crawl, tmp_path_factory) -> tuple[TransformResult, list]:
    out = tmp_path_factory.mktemp("transform-crawl")
    result = transform_warcs([replica_crawl.warc_dir], out / "records.jsonl", out / "errors.jsonl")
    return result, list(iter_records(out / "records.jsonl"))


@pytest.mark.slow
def test_acceptance_on_the_crawl_of_the_replica(crawl_transform, truth_records) -> None:
    result, records = crawl_transform
    report = score_records(records, truth_records)
    assert report.expected == len(truth_records) == report.produced
    assert_accepted(report, result)
    assert result.fallback_urls == []


@pytest.mark.slow
def test_provenance_points_at_the_warc_record(crawl_transform, replica_crawl) -> None:
    from archive.reader import iter_responses

    _, records = crawl_transform
    article = next(r for r in records if isinstance(r, Article))
    by_offset = {(r.warc_file, r.offset): r for r in iter_responses([replica_crawl.warc_dir]) if r.url in article.old_urls or r.offset == article.provenance.offset}
    source = by_offset[(article.provenance.warc_file, article.provenance.offset)]
    assert source.record_id == article.provenance.record_id
    assert source.payload_digest == article.provenance.payload_digest
    assert source.captured_at == article.provenance.captured_at


@pytest.mark.slow
def test_same_holds_on_the_tables_skin(replica_tables, tmp_path: Path) -> None:
    warc = tmp_path / "tables.warc.gz"
    write_capture(replica_tables, warc, gzip_bodies=True)
    result = transform_warcs([warc], tmp_path / "records.jsonl", tmp_path / "errors.jsonl")
    report = score_records(iter_records(tmp_path / "records.jsonl"), replica_tables.truth_records())
    assert_accepted(report, result)


def test_merging_aliases_redirects_and_duplicate_media(crawl_transform, replica_site) -> None:
    _, records = crawl_transform
    quirks = replica_site.quirk_urls()
    by_url = {u: r for r in records for u in r.old_urls}
    article = by_url[quirks["alias-www"][0]]
    for quirk in ("alias-default", "alias-reordered-query", "alias-dnn", "print-view"):
        assert by_url[quirks[quirk][0]] is article, quirk
    assert article.source_url.startswith("http://moha.gov.vn/tin-tuc-su-kien/")
    chain = quirks["redirect-chain"][0]
    assert chain in by_url and by_url[chain].kind == "article"
    same_bytes = [by_url[u] for u in quirks["duplicate-image"]]
    assert same_bytes[0] is same_bytes[1] and isinstance(same_bytes[0], Media)
    upper, lower = (by_url[u] for u in quirks["media-name-case"][:2])
    assert upper is not lower and upper.sha256 != lower.sha256
    for url in quirks["soft-404"] + quirks["deleted-404"] + quirks["session-path"] + quirks["redirect-loop"]:
        assert url not in by_url, url


def test_page_matching_no_template_falls_back_and_is_flagged(tmp_path: Path) -> None:
    from moha_migrate.records import Page
    from tests.transform.warcs import CaptureWriter

    paragraphs = "".join(
        f"<p>Đoạn {i}: Bộ Nội vụ công bố sơ đồ cổng thông tin điện tử, hướng dẫn người dùng tra cứu văn bản, "
        f"tin tức và thủ tục hành chính theo từng chuyên mục của Bộ.</p>" for i in range(8)
    )
    page = (f"<html><head><title>Sơ đồ cổng thông tin</title></head><body><div id='nav'><a href='/'>Trang chủ</a></div>"
            f"<div><h2>Sơ đồ cổng thông tin</h2>{paragraphs}</div></body></html>").encode()
    warc = tmp_path / "odd.warc.gz"
    with warc.open("wb") as fh:
        CaptureWriter(fh).write("http://moha.gov.vn/SoDoWebsite.aspx", 200, "OK", [("Content-Type", "text/html; charset=utf-8")], page)
    result = transform_warcs([warc], tmp_path / "records.jsonl", tmp_path / "errors.jsonl")
    records = list(iter_records(tmp_path / "records.jsonl"))
    assert result.ok and result.fallback_urls == ["http://moha.gov.vn/SoDoWebsite.aspx"]
    assert len(records) == 1 and isinstance(records[0], Page)
    assert records[0].title == "Sơ đồ cổng thông tin" and records[0].slug == "sodowebsite"
    assert "Đoạn 7:" in records[0].body_text and "Trang chủ" not in records[0].body_text
    summary = result.summary()
    assert summary.counts["fallback_pages"] == 1 and "matched no template" in summary.message


def test_a_reused_extraction_gives_the_records_of_a_fresh_one(replica_site, tmp_path: Path) -> None:
    """The www. form captured first and the canonical URL second with the same bytes: the second is
    a reused extraction, yet the item's primary page (the bare host sorts first), so the record
    takes its content from the first page's extraction and its provenance from the second's
    capture, exactly as when each page is extracted on its own."""
    from warcio.archiveiterator import ArchiveIterator

    from tests.transform.warcs import CaptureWriter, crawl_site

    fetched = crawl_site(replica_site, limit=300)
    url, reply = next((u, r) for u, r in fetched if re.search(r"/tin-tuc-su-kien/[a-z0-9-]+/[^/]+-\d+\.html$", u) and r.status == 200)
    url = url.replace("http://www.moha.gov.vn/", "http://moha.gov.vn/", 1)
    www = url.replace("http://moha.gov.vn/", "http://www.moha.gov.vn/", 1)
    warc = tmp_path / "both-hosts.warc.gz"
    headers = [(k, v) for k, v in reply.headers if k.lower() not in ("content-length", "transfer-encoding")]
    with warc.open("wb") as fh:
        writer = CaptureWriter(fh)
        for form in (www, url):
            writer.write(form, 200, "OK", headers, reply.body, allow_revisit=False)
    with warc.open("rb") as fh:
        second_id = [r.rec_headers.get_header("WARC-Record-ID") for r in ArchiveIterator(fh) if r.rec_type == "response"][1]
    outputs = []
    for reuse in (True, False):
        out = tmp_path / f"reuse-{reuse}"
        result = transform_warcs([warc], out / "records.jsonl", out / "errors.jsonl", options=TransformOptions(reuse_identical_payloads=reuse))
        assert result.ok, result.error_samples
        outputs.append((out / "records.jsonl").read_bytes())
    assert outputs[0] == outputs[1]
    article = next(r for r in iter_records(tmp_path / "reuse-True" / "records.jsonl") if isinstance(r, Article))
    assert article.provenance.record_id == second_id
    assert {url, www} <= set(article.old_urls)
