"""archive/lookup.py: closest capture, revisits, raw records, URL forms, POST kept apart."""

from __future__ import annotations

import gzip
from datetime import datetime, timezone
from pathlib import Path

import pytest

from archive.index import write_index
from archive.lookup import CaptureFinder, find_index_near, parse_at
from moha_migrate.errors import ArchiveError
from tests.archive.conftest import IMAGE, LISTING_1, LISTING_2, PAGE, POSTBACK

ARTICLE = "http://moha.gov.vn/tin-tuc-su-kien/ton-giao/bai-1-101.html"


@pytest.fixture()
def finder(sample_dir: Path) -> CaptureFinder:
    with CaptureFinder([sample_dir / "sample-a.warc.gz"]) as found:
        yield found


def test_parse_at_forms() -> None:
    utc = timezone.utc
    assert parse_at("2026") == datetime(2026, 1, 1, tzinfo=utc)
    assert parse_at("20261125") == datetime(2026, 11, 25, tzinfo=utc)
    assert parse_at("20261125113000") == datetime(2026, 11, 25, 11, 30, tzinfo=utc)
    assert parse_at("2026-11-25T18:30:00+07:00") == datetime(2026, 11, 25, 11, 30, tzinfo=utc)
    with pytest.raises(ArchiveError, match="--at 'yesterday'"):
        parse_at("yesterday")


def test_closest_capture_by_time(finder: CaptureFinder) -> None:
    early = finder.payload(finder.closest(ARTICLE, parse_at("20261125070000")))
    late = finder.payload(finder.closest(ARTICLE, parse_at("20261125110000")))
    latest = finder.payload(finder.closest(ARTICLE))
    assert early.body == PAGE
    assert late.body == latest.body == PAGE + b"<!--v2-->"  # gzip + chunked undone
    assert late.captured_at.hour == 12


def test_revisit_gives_the_original_bytes(finder: CaptureFinder) -> None:
    capture = finder.closest("http://moha.gov.vn/Uploads/Images/2015/08/copy.jpg")
    assert capture.line.is_revisit and capture.original is not None
    resp = finder.payload(capture)
    assert resp.body == IMAGE and resp.revisit_of is not None and resp.content_type == "image/jpeg"


def test_url_forms_find_the_same_capture(finder: CaptureFinder) -> None:
    raw = finder.payload(finder.closest("http://moha.gov.vn/Uploads/Images/2015/08/ảnh 1.jpg"))
    quoted = finder.payload(finder.closest("http://www.moha.gov.vn/Uploads/Images/2015/08/%E1%BA%A3nh%201.jpg"))
    assert raw.body == quoted.body == IMAGE


def test_post_capture_is_not_the_get_answer(finder: CaptureFinder) -> None:
    assert finder.payload(finder.closest("http://moha.gov.vn/Default.aspx?tabid=100")).body == LISTING_1


def test_raw_is_the_record_as_stored(finder: CaptureFinder, sample_dir: Path) -> None:
    capture = finder.closest(ARTICLE)
    record = finder.raw(capture)
    data = (sample_dir / "sample-a.warc.gz").read_bytes()
    member = data[capture.line.offset : capture.line.offset + capture.line.length]
    assert record == gzip.decompress(member)
    assert record.startswith(b"WARC/1.1\r\n") and b"Transfer-Encoding: chunked" in record


def test_not_captured_is_an_error(finder: CaptureFinder) -> None:
    with pytest.raises(ArchiveError, match=r"http://moha.gov.vn/nope.html: not captured in 1 WARC file"):
        finder.closest("http://moha.gov.vn/nope.html")


def test_index_near_is_used_only_when_fresh(sample_dir: Path, tmp_path: Path) -> None:
    warc = tmp_path / "crawl" / "warc" / "a.warc.gz"
    warc.parent.mkdir(parents=True)
    warc.write_bytes((sample_dir / "sample-a.warc.gz").read_bytes())
    index = tmp_path / "index.cdxj"
    write_index([warc], index)
    assert find_index_near(tmp_path / "crawl" / "warc", [warc]) == index
    import os

    os.utime(index, (1, 1))
    assert find_index_near(tmp_path / "crawl" / "warc", [warc]) is None


def test_postback_found_by_its_form_body(finder: CaptureFinder) -> None:
    capture = finder.closest("http://moha.gov.vn/Default.aspx?tabid=100", post_data=POSTBACK)
    assert capture.line.method == "POST"
    assert finder.payload(capture).body == LISTING_2
    with pytest.raises(ArchiveError, match="not a POST of that form"):
        finder.closest("http://moha.gov.vn/Default.aspx?tabid=100", post_data=b"__EVENTARGUMENT=Page%249")
