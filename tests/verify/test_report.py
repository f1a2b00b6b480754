"""report.py: a self-contained page whose figures are report.json's, red where a check failed."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from functools import reduce
from pathlib import Path

import pytest
from lxml import html as lxml_html

from tests.verify.browser import chromium, render, screenshot
from verify.model import Check, ItemReport, Lost, SpooledItems, Verification
from verify.report import write_report

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def sample(fail: bool) -> Verification:
    items = [
        ItemReport(
            kind="article",
            source_url=f"http://moha.gov.vn/tin-tuc-su-kien/ton-giao/bai-{i}-{i}.html",
            title=f"Bài viết số {i} về công tác tôn giáo <script>alert(1)</script>",
            new_path=f"/tin-tuc/ton-giao/bai-{i}-{i}",
            year=2009 + i % 7,
            category="ton-giao",
            old_urls=[f"http://moha.gov.vn/tin-tuc-su-kien/ton-giao/bai-{i}-{i}.html"],
            provenance={"warc_file": "a.warc.gz", "offset": i * 100, "record_id": f"<urn:uuid:{i}>",
                        "payload_digest": "sha1:X", "captured_at": "2026-11-25T04:00:00+00:00"},
            similarity=0.999,
            problems=(["database row differs from its record"] if fail and i == 3 else []),
        )
        for i in range(250)
    ]
    checks = [
        Check("records_loaded", "Every record is in the database", 250, 1 if fail else 0, "rows per record",
              ["article http://moha.gov.vn/tin-tuc-su-kien/ton-giao/bai-3-3.html: row differs"] if fail else []),
        Check("redirects", "Every old URL redirects to a loaded row", 500, 0, "one redirect per old URL"),
    ]
    return Verification(
        generated_at="2026-11-25T12:00:00+07:00",
        inputs={"records": "records.jsonl", "db": "sqlite:///portal.db"},
        funnel={"article": {"captured": 250, "records": 250, "loaded": 250 - int(fail)},
                "media": {"captured": 40, "records": 40, "loaded": 40}},
        checks=checks,
        lost=[Lost("article", "http://moha.gov.vn/x-1.html", "records -> loaded", "row deleted")] if fail else [],
        items=items,
        per_year={"2009": {"article": 36}, "2010": {"article": 36, "media": 40}},
        per_category={"ton-giao": 250},
        capture={"responses": 700, "bytes": 123456, "bytes_per_mime": {"text/html": 100000, "image/jpeg": 23456}},
    )


def figures(dom: str) -> dict[str, str]:
    tree = lxml_html.fromstring(dom)
    return {el.get("data-key"): el.text_content() for el in tree.xpath("//*[@data-key]")}


def lookup(data: dict, key: str) -> object:
    return reduce(lambda node, part: node[int(part)] if isinstance(node, list) else node[part], key.split("."), data)


@pytest.mark.parametrize("fail", [False, True], ids=["all-green", "one-red"])
def test_static_figures_equal_report_json(tmp_path: Path, fail: bool) -> None:
    html_path, json_path = write_report(sample(fail), tmp_path / "report.html")
    data = json.loads(json_path.read_text("utf-8"))
    page = html_path.read_text("utf-8")
    shown = figures(page)
    assert len(shown) >= 10
    for key, value in shown.items():
        assert str(lookup(data, key)) == value, key
    assert data["ok"] is (not fail)
    assert ("PASSED" in page) is (not fail)
    # self-contained: nothing fetched from anywhere
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "<script>alert(1)</script>" not in page.split('id="items-data"')[0]


@pytest.mark.skipif(chromium() is None, reason="Debian's chromium is not installed (make test installs it)")
def test_report_renders_in_chromium_without_console_errors(tmp_path: Path) -> None:
    html_path, json_path = write_report(sample(True), tmp_path / "report.html")
    data = json.loads(json_path.read_text("utf-8"))
    rendered = render(html_path)
    assert rendered.dom, "chromium printed no DOM"
    assert not [m for m in rendered.console if "error" in m.lower() or "Uncaught" in m], rendered.console
    for key, value in figures(rendered.dom).items():
        assert str(lookup(data, key)) == value, key
    tree = lxml_html.fromstring(rendered.dom)
    rows = tree.xpath("//table[@id='items']/tbody/tr")
    assert len(rows) == 100  # first page of 250 items, drawn by the script
    assert tree.xpath("//*[@id='count']")[0].text_content().startswith("250 items")
    assert [li.get("data-check") for li in tree.xpath("//li[contains(@class,'bad')]")] == ["records_loaded"]
    shot = screenshot(html_path, ARTIFACTS / "report-sample.png")
    assert shot.exists() and shot.stat().st_size > 10_000


@pytest.mark.parametrize("spooled", [False, True], ids=["list", "spooled"])
def test_report_json_is_written_item_by_item_as_one_dump_would_write_it(tmp_path: Path, spooled: bool) -> None:
    """write_report streams report.json and the embedded item list; the text must stay exactly what
    one json.dumps of the whole report gave (readers diff reports of successive runs)."""
    verification = sample(True)
    if spooled:
        items = SpooledItems()
        for item in verification.items:
            items.append(item)
        verification = replace(verification, items=items)
    html_path, json_path = write_report(verification, tmp_path / "report.html")
    whole = verification.head_dict() | {"items": [item.as_dict() for item in verification.items]}
    assert json_path.read_text("utf-8") == json.dumps(whole, ensure_ascii=False, indent=1, sort_keys=True)
    embedded = json.dumps(whole["items"], ensure_ascii=False).replace("</", "<\\/")
    assert f'<script type="application/json" id="items-data">{embedded}</script>' in html_path.read_text("utf-8")


def test_an_empty_item_list_is_written_as_one_dump_would_write_it(tmp_path: Path) -> None:
    verification = replace(sample(False), items=SpooledItems())
    _, json_path = write_report(verification, tmp_path / "report.html")
    data = json.loads(json_path.read_text("utf-8"))
    assert data["items"] == [] and '"items": [],' in json_path.read_text("utf-8")
