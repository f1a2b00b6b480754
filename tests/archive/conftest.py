"""Fixtures of the archive tests: small clean WARCs written with warcio (session scope, read-only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.archive.warcbuild import Exchange, WarcBuilder, chunked, gzip_bytes, payload_digest_of

PAGE = ("<html><head><meta charset='utf-8'><title>Bộ Nội vụ &amp; Tin tức</title></head>"
        "<body><p>Cải cách hành chính</p></body></html>").encode() * 3
IMAGE = bytes(range(256)) * 20
LISTING_1 = b"<html><head><title>Listing</title></head><body>PAGE ONE of the listing</body></html>"
LISTING_2 = b"<html><head><title>Listing</title></head><body>PAGE TWO of the listing</body></html>"
POSTBACK = b"__EVENTTARGET=ctl00%24main%24pager&__EVENTARGUMENT=Page%242&__VIEWSTATE=dDwtMTA4%2B%2F%3D"


def write_sample(path: Path, *, gz: bool = True, version: str = "1.1") -> dict[str, str]:
    """A small capture: pages (one gzip+chunked), an image, its revisit, GET and POST listing pages."""
    ids: dict[str, str] = {}
    with path.open("wb") as fh:
        b = WarcBuilder(fh, gzip=gz, version=version)
        b.warcinfo(path.name)
        ids["page"], _ = b.exchange(Exchange("http://moha.gov.vn/tin-tuc-su-kien/ton-giao/bai-1-101.html", PAGE,
                                             date="2026-11-25T08:00:00Z"))
        ids["page_new"], _ = b.exchange(Exchange(
            "http://moha.gov.vn/tin-tuc-su-kien/ton-giao/bai-1-101.html", chunked(gzip_bytes(PAGE + b"<!--v2-->")),
            headers=[("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip"),
                     ("Transfer-Encoding", "chunked")], date="2026-11-25T12:00:00Z"))
        ids["image"], _ = b.exchange(Exchange("http://moha.gov.vn/Uploads/Images/2015/08/ảnh 1.jpg", IMAGE,
                                              headers=[("Content-Type", "image/jpeg")]))
        ids["listing"], _ = b.exchange(Exchange("http://moha.gov.vn/Default.aspx?tabid=100", LISTING_1))
        ids["postback"], _ = b.exchange(Exchange("http://moha.gov.vn/Default.aspx?tabid=100", LISTING_2,
                                                 method="POST", request_body=POSTBACK, response_first=True))
    digest = payload_digest_of(path, ids["image"])
    with path.open("ab") as fh:
        b = WarcBuilder(fh, gzip=gz, version=version)
        ids["revisit"] = b.revisit("http://moha.gov.vn/Uploads/Images/2015/08/copy.jpg",
                                   "http://moha.gov.vn/Uploads/Images/2015/08/ảnh 1.jpg", ids["image"], digest,
                                   headers=[("Content-Type", "image/jpeg")])
    return ids


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two clean WARCs (gzip WARC/1.1 and plain WARC/1.0) of the same small capture."""
    folder = tmp_path_factory.mktemp("sample")
    write_sample(folder / "sample-a.warc.gz")
    write_sample(folder / "sample-b.warc", gz=False, version="1.0")
    return folder
