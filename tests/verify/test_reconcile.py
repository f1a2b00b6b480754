"""verify: a clean migration is all green; each injected fault turns its check red, naming the item."""

from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from loaders.load import load_records
from moha_migrate.cli import cli
from moha_migrate.jsonl import iter_records
from tests.verify.browser import chromium, render, screenshot
from tests.verify.conftest import Migrated
from tests.verify.test_report import ARTIFACTS, figures, lookup
from transform.pipeline import transform_warcs
from verify.reconcile import VerifyInputs, text_similarity, verify_migration
from verify.report import write_report


def verify_of(m: Migrated, warcs: tuple[Path, ...] | None = None):
    return verify_migration(
        VerifyInputs(records=m.records, db_url=m.db_url, warcs=warcs or (m.warc_dir,), index=m.index,
                     errors=m.errors, files_dir=m.files_dir)
    )


def red(verification) -> dict[str, list[str]]:
    return {c.name: c.failures for c in verification.checks if not c.ok}


def test_text_similarity_measures_words_of_the_row_found_on_the_page() -> None:
    assert text_similarity("Bộ Nội vụ khai trương", "Trang chủ | BỘ NỘI VỤ khai trương Cổng | Bản quyền") == 1.0
    assert text_similarity("một hai ba bốn", "một hai") == 0.5
    assert text_similarity("", "anything") == 1.0


def test_clean_migration_is_all_green_with_numbers_per_kind(migrated: Migrated, truth_records) -> None:
    verification = verify_of(migrated)
    assert red(verification) == {}
    truth_counts: dict[str, int] = {}
    for record in truth_records:
        truth_counts[record.kind] = truth_counts.get(record.kind, 0) + 1
    for kind, n in truth_counts.items():
        assert verification.funnel[kind] == {"captured": n, "records": n, "loaded": n}, kind
    assert {c.name for c in verification.checks} >= {
        "capture_readable", "capture_to_records", "transform_errors", "records_valid", "records_loaded",
        "rows_match", "files", "redirects", "text_similarity",
    }
    assert all(c.total > 0 for c in verification.checks)
    assert verification.lost == []


def test_injected_faults_are_red_and_name_their_items(migrated: Migrated, tmp_path: Path) -> None:
    m = migrated.copy(tmp_path / "damaged")
    records = {r.source_url: r for r in iter_records(m.records)}
    article = next(r for r in records.values() if r.kind == "article")
    media = next(r for r in records.values() if r.kind == "media")
    redirected = next(r for r in records.values() if r.kind == "document")
    with sqlite3.connect(m.db_path) as db:
        # 1. a record deleted from the database
        db.execute("DELETE FROM articles WHERE item_id = ?", (article.item_id,))
        # 3. a redirect removed
        removed = redirected.old_urls[0]
        assert db.execute("DELETE FROM redirects WHERE old_url = ?", (removed,)).rowcount == 1
    # 2. a file in the store altered
    stored = m.files_dir / media.sha256[:2] / media.sha256
    stored.write_bytes(stored.read_bytes()[:-10] + b"0123456789")

    failures = red(verify_of(m))
    assert set(failures) == {"records_loaded", "files", "redirects"}, failures
    assert any(article.source_url in f for f in failures["records_loaded"])
    assert any(media.url in f and "altered" in f for f in failures["files"])
    assert any(removed in f for f in failures["redirects"])


def test_files_a_record_uses_but_the_capture_lacks_are_red_with_the_reason(migrated: Migrated, tmp_path: Path) -> None:
    """An image the crawl never got (sha256 null in the record) is a gap, named with what the old site said."""
    m = migrated.copy(tmp_path / "m")
    lines = m.records.read_text("utf-8").splitlines()
    error_url = next(e["url"] for line in (m.warc_dir.parent / "crawl.log").read_text("utf-8").splitlines()
                     if (e := json.loads(line)).get("kind") == "fetch" and e.get("status") == 404)
    edited = []
    for n, line in enumerate(lines):
        record = json.loads(line)
        if record["kind"] == "article" and record["images"] and len(edited) < 2:
            record["images"][0].update(url=error_url if not edited else "http://moha.gov.vn/Uploads/mat-tich.jpg",
                                       sha256=None)
            edited.append(record["source_url"])
            lines[n] = json.dumps(record, ensure_ascii=False)
    m.records.write_text("\n".join(lines) + "\n", "utf-8")
    assert load_records(m.records, m.db_url, update=True, files_from=[m.warc_dir], files_dir=m.files_dir).ok

    failures = red(verify_of(m))
    assert set(failures) == {"files"}, failures
    assert len(failures["files"]) == 2
    assert any(edited[0] in f and error_url in f and "answered 404" in f for f in failures["files"])
    assert any(edited[1] in f and "mat-tich.jpg" in f and "not in the capture" in f for f in failures["files"])


def test_a_page_that_failed_transform_is_red_and_named(migrated: Migrated, tmp_path: Path) -> None:
    """A capture holding one more article whose page cannot be read: transform logs it, verify names it."""
    extra = tmp_path / "warc"
    extra.mkdir()
    for warc in migrated.warc_dir.iterdir():
        (extra / warc.name).symlink_to(warc)
    broken_url = "http://moha.gov.vn/tin-tuc-su-kien/ton-giao/bai-viet-bi-hong-99999.html"
    with (extra / "broken.warc.gz").open("wb") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="1.1")
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                              ("Content-Encoding", "gzip")], protocol="HTTP/1.1")
        body = gzip.compress(b"<html><body>" + b"<table><tr><td>" * 5000 + b"x")[:-40]  # cut short
        writer.write_record(writer.create_warc_record(broken_url, "response", payload=__import__("io").BytesIO(body),
                                                      http_headers=headers))
    m = migrated.copy(tmp_path / "m")
    transform_warcs([extra], m.records, m.errors)
    load_records(m.records, m.db_url, files_from=[extra], files_dir=m.files_dir)
    errors = [json.loads(line) for line in m.errors.read_text("utf-8").splitlines()]
    assert [e["url"] for e in errors] == [broken_url]
    failures = red(verify_of(m, warcs=(extra,)))
    assert "transform_errors" in failures
    assert any(broken_url in f for f in failures["transform_errors"])


def test_cli_writes_report_and_exits_1_on_a_gap(migrated: Migrated, tmp_path: Path) -> None:
    m = migrated.copy(tmp_path / "m")
    args = ["verify", "--warc", str(m.warc_dir), "--index", str(m.index), "--records", str(m.records),
            "--db", m.db_url, "--files-dir", str(m.files_dir), "--report", str(tmp_path / "report.html"), "--json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["ok"] is True and summary["counts"]["checks_failed"] == 0
    assert (tmp_path / "report.json").exists() and (tmp_path / "report.html").exists()
    with sqlite3.connect(m.db_path) as db:
        db.execute("DELETE FROM redirects WHERE id = (SELECT MIN(id) FROM redirects)")
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert "redirects" in json.loads(result.stdout)["problems"][0].lower()
    missing = CliRunner().invoke(cli, ["verify", "--records", str(tmp_path / "nope.jsonl"), "--db", m.db_url])
    assert missing.exit_code == 3 and missing.stderr.startswith("Error: cannot read")


@pytest.mark.skipif(chromium() is None, reason="Debian's chromium is not installed (make test installs it)")
def test_real_report_in_chromium_shows_report_json_numbers(migrated: Migrated, tmp_path: Path) -> None:
    html_path, json_path = write_report(verify_of(migrated), tmp_path / "report.html")
    data = json.loads(json_path.read_text("utf-8"))
    rendered = render(html_path)
    assert not [m for m in rendered.console if "error" in m.lower() or "Uncaught" in m], rendered.console
    shown = figures(rendered.dom)
    assert any(k.startswith("funnel.article") for k in shown)
    for key, value in shown.items():
        assert str(lookup(data, key)) == value, key
    assert 'data-ok="true"' in rendered.dom
    assert screenshot(html_path, ARTIFACTS / "report-replica.png").stat().st_size > 10_000


def test_a_record_listed_twice_keeps_its_first_place_and_its_last_facts(migrated: Migrated, tmp_path: Path) -> None:
    """The scratch store keeps what a dict keyed by (kind, source_url) kept: the later line wins."""
    m = migrated.copy(tmp_path / "m")
    lines = m.records.read_text("utf-8").splitlines()
    first = json.loads(lines[0])
    again = dict(first, title=first["title"] + " (again)")
    m.records.write_text("\n".join([*lines, json.dumps(again, ensure_ascii=False)]) + "\n", "utf-8")
    verification = verify_of(m)
    assert red(verification) == {"rows_match": [f"{first['kind']} {first['source_url']}: database row differs from its record"]}
    mine = [i for i in verification.items if (i.kind, i.source_url) == (first["kind"], first["source_url"])]
    assert [i.title for i in mine] == [again["title"]]
    assert verification.funnel[first["kind"]]["records"] == verification.funnel[first["kind"]]["loaded"]
