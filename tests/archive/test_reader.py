"""archive/reader.py on tiny WARCs written here: coded payloads, revisits, POSTs, damage."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.reader import CapturedResponse, iter_responses, iter_warc_paths
from moha_migrate.errors import ArchiveError
from tests.archive.warcbuild import Exchange, WarcBuilder, chunked, gzip_bytes, payload_digest_of, raw_response_record

HTML = "<html><head><title>Bộ Nội vụ</title></head><body>Tin tức</body></html>".encode() * 40
PNG = bytes(range(256)) * 30


def _write(path: Path, *, gz: bool = True, version: str = "1.1") -> dict[str, str]:
    ids: dict[str, str] = {}
    with path.open("wb") as fh:
        b = WarcBuilder(fh, gzip=gz, version=version)
        b.warcinfo(path.name)
        ids["plain"], _ = b.exchange(Exchange("http://moha.gov.vn/a.html", HTML))
        ids["coded"], _ = b.exchange(Exchange(
            "http://moha.gov.vn/b.html", chunked(gzip_bytes(HTML)),
            headers=[("Content-Type", "text/html; charset=UTF-8"), ("Content-Encoding", "gzip"),
                     ("Transfer-Encoding", "chunked")]))
        ids["img"], _ = b.exchange(Exchange("http://moha.gov.vn/Uploads/Images/2015/08/a.png", PNG,
                                            headers=[("Content-Type", "image/png")]))
        ids["post"], _ = b.exchange(Exchange(
            "http://moha.gov.vn/Default.aspx?tabid=100", HTML, method="POST",
            request_body=b"__EVENTTARGET=pager&__EVENTARGUMENT=Page%242&__VIEWSTATE=abc", response_first=True))
        ids["post2"], _ = b.exchange(Exchange(
            "http://moha.gov.vn/Default.aspx?tabid=101", HTML, method="POST", request_body=b"x=1"))
    digest = payload_digest_of(path, ids["img"])
    with path.open("ab") as fh:
        b = WarcBuilder(fh, gzip=gz, version=version)
        ids["revisit"] = b.revisit("http://moha.gov.vn/Uploads/Images/2015/08/b.png",
                                   "http://moha.gov.vn/Uploads/Images/2015/08/a.png", ids["img"], digest,
                                   headers=[("Content-Type", "image/png")])
    return ids


@pytest.fixture(params=["gz-1.1", "plain-1.0"])
def warc(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    gz = request.param.startswith("gz")
    path = tmp_path / ("t.warc.gz" if gz else "t.warc")
    return path, _write(path, gz=gz, version=request.param.split("-")[1])


def _by_url(path: Path) -> dict[str, CapturedResponse]:
    return {r.url: r for r in iter_responses([path])}


def test_plain_and_coded_payloads_decode_to_the_same_bytes(warc: tuple[Path, dict[str, str]]) -> None:
    path, ids = warc
    got = _by_url(path)
    for url in ("http://moha.gov.vn/a.html", "http://moha.gov.vn/b.html"):
        r = got[url]
        assert r.body == HTML
        assert r.sha256 == hashlib.sha256(HTML).hexdigest()
        assert r.size == len(HTML)
        assert r.head == HTML[:4096]
        assert (r.status, r.reason, r.content_type, r.charset, r.method) == (200, "OK", "text/html", "utf-8", "GET")
        assert r.captured_at.tzinfo is not None and r.captured_at.year == 2026
    assert got["http://moha.gov.vn/b.html"].record_id == ids["coded"]
    assert ("Transfer-Encoding", "chunked") in got["http://moha.gov.vn/b.html"].headers


def test_offsets_point_at_the_records(warc: tuple[Path, dict[str, str]]) -> None:
    path, _ = warc
    for r in iter_responses([path]):
        with path.open("rb") as fh:
            fh.seek(r.offset)
            rec = next(iter(ArchiveIterator(fh)))
            assert rec.rec_headers.get_header("WARC-Record-ID") == r.record_id
            assert rec.rec_headers.get_header("WARC-Target-URI") == r.url
        assert r.warc_file == path.name


def test_revisit_resolves_to_the_original_payload(warc: tuple[Path, dict[str, str]]) -> None:
    path, ids = warc
    got = _by_url(path)
    rev = got["http://moha.gov.vn/Uploads/Images/2015/08/b.png"]
    orig = got["http://moha.gov.vn/Uploads/Images/2015/08/a.png"]
    assert rev.body == PNG == orig.body
    assert rev.record_id == ids["revisit"] and rev.revisit_of == ids["img"]
    assert rev.payload_digest == orig.payload_digest
    assert rev.content_type == "image/png" and rev.status == 200
    assert rev.captured_at.hour == 11
    assert orig.revisit_of is None


def test_post_requests_paired_in_either_order(warc: tuple[Path, dict[str, str]]) -> None:
    path, _ = warc
    got = _by_url(path)
    first = got["http://moha.gov.vn/Default.aspx?tabid=100"]
    assert first.method == "POST"
    assert first.request_body == b"__EVENTTARGET=pager&__EVENTARGUMENT=Page%242&__VIEWSTATE=abc"
    second = got["http://moha.gov.vn/Default.aspx?tabid=101"]
    assert (second.method, second.request_body) == ("POST", b"x=1")
    assert got["http://moha.gov.vn/a.html"].request_body is None


def test_file_order_and_count(warc: tuple[Path, dict[str, str]]) -> None:
    path, _ = warc
    urls = [r.url for r in iter_responses([path])]
    assert urls == [
        "http://moha.gov.vn/a.html", "http://moha.gov.vn/b.html",
        "http://moha.gov.vn/Uploads/Images/2015/08/a.png", "http://moha.gov.vn/Default.aspx?tabid=100",
        "http://moha.gov.vn/Default.aspx?tabid=101", "http://moha.gov.vn/Uploads/Images/2015/08/b.png",
    ]


def test_large_body_is_hashed_not_kept(tmp_path: Path) -> None:
    path = tmp_path / "big.warc.gz"
    _write(path)
    r = next(r for r in iter_responses([path], max_body_bytes=1000) if r.url.endswith("a.png"))
    assert r.body is None
    assert r.size == len(PNG) and r.sha256 == hashlib.sha256(PNG).hexdigest() and r.head == PNG[:4096]


def test_unwanted_bodies_are_digested_not_kept(warc: tuple[Path, dict[str, str]]) -> None:
    path, _ = warc
    got = {r.url: r for r in iter_responses([path], wants_body=lambda url: "/Uploads/" not in url)}
    for url in ("http://moha.gov.vn/Uploads/Images/2015/08/a.png", "http://moha.gov.vn/Uploads/Images/2015/08/b.png"):
        r = got[url]  # the original and its revisit
        assert r.body is None
        assert r.size == len(PNG) and r.sha256 == hashlib.sha256(PNG).hexdigest() and r.head == PNG[:4096]
    assert got["http://moha.gov.vn/a.html"].body == HTML


def test_revisit_before_its_original_is_resolved_at_the_end(tmp_path: Path) -> None:
    first, second = tmp_path / "a.warc.gz", tmp_path / "b.warc.gz"
    ids = _write(second)
    digest = payload_digest_of(second, ids["img"])
    with first.open("wb") as fh:
        WarcBuilder(fh).revisit("http://moha.gov.vn/early.png", "http://moha.gov.vn/Uploads/Images/2015/08/a.png",
                                ids["img"], digest)
    got = list(iter_responses([tmp_path]))
    assert got[-1].url == "http://moha.gov.vn/early.png"
    assert got[-1].body == PNG and got[-1].warc_file == "a.warc.gz" and got[-1].status == 200


def test_revisit_without_original_is_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "lonely.warc.gz"
    with path.open("wb") as fh:
        WarcBuilder(fh).revisit("http://moha.gov.vn/x.png", "http://moha.gov.vn/y.png", "<urn:uuid:nope>",
                                "sha1:AAAA")
    assert list(iter_responses([path])) == []
    assert "in none of the given WARCs" in caplog.text


def test_non_ascii_header_bytes_survive(tmp_path: Path) -> None:
    utf8_name = "Quyết định số 1.doc".encode()
    latin_name = "Quy\xeat \xf0inh.doc".encode("latin-1")  # windows-1258-ish bytes, not UTF-8
    block = (b"HTTP/1.1 200 OK\r\nContent-Type: application/msword\r\n"
             b"Content-Disposition: attachment; filename=\"" + utf8_name + b"\"\r\n"
             b"X-Legacy-Name: " + latin_name + b"\r\n\r\nDOC")
    data, record_id = raw_response_record("http://moha.gov.vn/Uploads/VanBan/2015/a.doc", block)
    path = tmp_path / "raw.warc.gz"
    path.write_bytes(data)
    [r] = list(iter_responses([path]))
    assert r.record_id == record_id and r.body == b"DOC"
    disposition = r.header("content-disposition")
    assert disposition is not None and disposition.encode("utf-8") == b'attachment; filename="' + utf8_name + b'"'
    legacy = r.header("X-Legacy-Name")
    assert legacy is not None and legacy.encode("latin-1") == latin_name


@pytest.mark.parametrize("cut", [4, 300])
def test_truncated_gzip_yields_records_before_then_names_file_and_offset(tmp_path: Path, cut: int) -> None:
    path = tmp_path / "cut.warc.gz"
    _write(path)
    data = path.read_bytes()
    with path.open("rb") as fh:
        it = ArchiveIterator(fh)
        offsets = []
        for rec in it:
            rec.content_stream().read()
            offsets.append(it.get_record_offset())
    path.write_bytes(data[:-cut])
    got: list[CapturedResponse] = []
    with pytest.raises(ArchiveError) as err:
        for r in iter_responses([path]):
            got.append(r)
    assert "cut.warc.gz@" in str(err.value)
    assert f"@{offsets[-1]}" in str(err.value)
    # every response before the damaged last record (the revisit) came out
    assert [r.url for r in got][-1] == "http://moha.gov.vn/Default.aspx?tabid=101"
    assert len(got) == 5


def test_truncated_plain_warc_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "cut.warc"
    _write(path, gz=False)
    path.write_bytes(path.read_bytes()[:-200])
    with pytest.raises(ArchiveError, match=r"cut\.warc@\d+: .*cut short"):
        list(iter_responses([path]))


def test_on_error_reports_and_continues_with_next_file(tmp_path: Path) -> None:
    bad, good = tmp_path / "a-bad.warc.gz", tmp_path / "b-good.warc.gz"
    _write(good)
    bad.write_bytes(good.read_bytes() + b"\x00garbage tail\x00" * 20)
    errors: list[ArchiveError] = []
    got = list(iter_responses([tmp_path], on_error=errors.append))
    assert len(got) == 12
    assert len(errors) == 1 and "a-bad.warc.gz@" in str(errors[0]) and "garbage" in str(errors[0])


@pytest.mark.parametrize("content,reason", [(b"", "empty file"), (b"hello\nnot a warc\n", "not a WARC")])
def test_empty_and_foreign_files(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "x.warc.gz"
    path.write_bytes(content)
    with pytest.raises(ArchiveError, match=f"x.warc.gz@0: {reason}"):
        list(iter_responses([path]))


def test_iter_warc_paths_expands_and_sorts(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    for name in ("sub/c.warc.gz", "b.warc", "a.warc.gz", "notes.txt"):
        (tmp_path / name).write_bytes(b"")
    assert [p.name for p in iter_warc_paths([tmp_path])] == ["a.warc.gz", "b.warc", "c.warc.gz"]
    with pytest.raises(ArchiveError, match="missing.warc.gz: no such file"):
        iter_warc_paths([tmp_path / "missing.warc.gz"])
