"""The server in front of the real replica Site: media, validators, encodings and forms end to end.

A server of its own on a fresh `Site(seed=1, scale="test")`, so the shared session replica's
first-request-only quirks (500 once) stay untouched for the other stages' tests.
"""

from __future__ import annotations

import gzip
import http.client
import io
import re
import zipfile
from collections.abc import Iterator
from urllib.parse import urljoin

import olefile
import pypdf
import pytest
from PIL import Image

from replica.media import content_type_for
from replica.server import ReplicaServer
from replica.site import Site

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def site() -> Site:
    return Site(seed=1, scale="test")


@pytest.fixture(scope="module")
def server(site: Site) -> Iterator[ReplicaServer]:
    with ReplicaServer(site, port=0) as running:
        yield running


def fetch(server: ReplicaServer, url: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("GET", url, headers=headers or {})
    response = conn.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    conn.close()
    return response


def fetch_ok(server: ReplicaServer, url: str) -> http.client.HTTPResponse:
    """GET, retried once: some URLs answer 500 on their first request only (legacy-site.md)."""
    response = fetch(server, url)
    if response.status == 500:
        response = fetch(server, url)
    return response


def assert_opens(path: str, data: bytes) -> None:
    ext = path.rsplit(".", 1)[-1].lower()
    if ext in ("jpg", "jpeg", "png", "gif"):
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            assert image.format == {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "gif": "GIF"}[ext]
    elif ext == "pdf":
        assert len(pypdf.PdfReader(io.BytesIO(data), strict=True).pages) >= 1
    elif ext in ("doc", "xls"):
        with olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT) as ole:
            assert ole.exists("WordDocument" if ext == "doc" else "Workbook")
    elif ext in ("docx", "zip"):
        assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    else:
        raise AssertionError(f"unexpected media type {path}")


def test_every_media_url_of_the_inventory_is_a_valid_file(server: ReplicaServer, site: Site) -> None:
    media_urls = [url for url in site.inventory()["must_capture"] if "/Uploads/" in url]
    assert len(media_urls) > 50
    sizes = {}
    for url in media_urls:
        response = fetch_ok(server, url)
        assert response.status == 200, url
        assert response.getheader("Content-Type") == content_type_for(url.split("?")[0]), url
        length = response.getheader("Content-Length")
        assert length is None or int(length) == len(response.body), url  # type: ignore[attr-defined]
        assert_opens(url, response.body)  # type: ignore[attr-defined]
        sizes[url] = len(response.body)  # type: ignore[attr-defined]
    large = site.quirk_urls()["large-attachment"][0]
    others = sorted(size for url, size in sizes.items() if url != large)
    assert sizes[large] > 1_000_000 and sizes[large] > 10 * others[-1]


def test_media_validators_give_304(server: ReplicaServer, site: Site) -> None:
    url = site.quirk_urls()["media-validators"][0]
    first = fetch_ok(server, url)
    etag, modified = first.getheader("ETag"), first.getheader("Last-Modified")
    assert first.status == 200 and etag and modified
    assert fetch(server, url, {"If-None-Match": etag}).status == 304
    assert fetch(server, url, {"If-Modified-Since": modified}).status == 304
    assert fetch(server, url, {"If-None-Match": '"something-else"'}).status == 200


def test_home_page_same_in_proxy_form_origin_form_and_under_www(server: ReplicaServer) -> None:
    proxy = fetch(server, "http://moha.gov.vn/")
    origin = fetch(server, "/", {"Host": "moha.gov.vn"})
    assert proxy.status == origin.status == 200
    assert proxy.body == origin.body  # type: ignore[attr-defined]
    assert "Bộ Nội vụ" in proxy.body.decode("utf-8")  # type: ignore[attr-defined]
    www = fetch(server, "http://www.moha.gov.vn/")
    assert www.status == 200


def test_site_gzip_and_chunked_quirks_go_out_as_such(server: ReplicaServer, site: Site) -> None:
    gz_url = site.quirk_urls()["gzip"][0]
    plain = fetch_ok(server, gz_url)
    assert plain.getheader("Content-Encoding") is None
    packed = fetch(server, gz_url, {"Accept-Encoding": "gzip"})
    assert packed.getheader("Content-Encoding") == "gzip"
    assert gzip.decompress(packed.body) == plain.body  # type: ignore[attr-defined]
    chunked = fetch_ok(server, site.quirk_urls()["chunked"][0])
    assert chunked.getheader("Transfer-Encoding") == "chunked" and chunked.getheader("Content-Length") is None
    assert b"</html>" in chunked.body.lower()  # type: ignore[attr-defined]


def test_out_of_scope_link_targets_are_refused(server: ReplicaServer) -> None:
    before = server.forbidden_count
    for url in ("http://chinhphu.vn/", "http://snv.hanoi.gov.vn/", "http://moha.gov.vn.evil.example/"):
        assert fetch(server, url).status == 403
    assert server.forbidden_count == before + 3


def test_full_scale_site_serves_at_once() -> None:
    site = Site(seed=1, scale="full")
    with ReplicaServer(site, port=0) as server:
        home = fetch(server, "http://moha.gov.vn/")
        assert home.status == 200
        article_links = re.findall(rb'href="([^"]+-(\d+)\.html)"', home.body)  # type: ignore[attr-defined]
        assert article_links
        newest = max(article_links, key=lambda link: int(link[1]))[0].decode()
        article = fetch(server, urljoin("http://moha.gov.vn/", newest))
        assert article.status == 200 and len(article.body) > 2000  # type: ignore[attr-defined]
