"""Fixtures of the archive tests: small clean WARCs written with warcio (session scope, read-only)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urljoin

import pytest

from tests.archive.postback import form_action, postback_form

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


# ------------------------------------------------------------------ captures of the replica


@pytest.fixture(scope="session")
def replica_for_archive(request: pytest.FixtureRequest) -> tuple[Any, Any]:
    """(site, running server): the shared `replica_site` and `replica` of tests/conftest.py."""
    return request.getfixturevalue("replica_site"), request.getfixturevalue("replica")


def replica_plan(site: Any) -> dict[str, Any]:
    """What the interop captures fetch: an article under its canonical URL and aliases, a
    postback listing (page 1 and its page-2 POST), a gzip page, a chunked page, media with
    spaces and Vietnamese letters in the name, and both URLs of a duplicated image."""
    quirks = site.quirk_urls()
    article = next(r for r in site.truth_records() if r.kind == "article")
    aliases = [u for u in article.old_urls if "tabid/" in u or "Default.aspx" in u][:2]
    gets = [article.source_url, *aliases, quirks["gzip"][0], quirks["chunked"][0],
            quirks["media-name-vietnamese"][0], *quirks["duplicate-image"][:2], "http://moha.gov.vn/"]
    return {"article": article.source_url, "aliases": aliases, "get": list(dict.fromkeys(gets)),
            "postback": quirks["postback-pager"][:1]}


@pytest.fixture(scope="session")
def replica_captures(replica_for_archive: tuple[Any, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """WARCs of the replica made by other tools: warcio's capture_http (+ requests) and GNU wget
    (GETs, and a POST postback), all through the replica as an HTTP proxy."""
    site, server = replica_for_archive
    folder = tmp_path_factory.mktemp("replica-captures")
    plan = replica_plan(site)
    plan_file = folder / "plan.json"
    plan_file.write_text(json.dumps(plan), encoding="utf-8")
    out = {"plan": plan}
    capture = folder / "capture_http" / "capture.warc.gz"
    capture.parent.mkdir()
    subprocess.run([sys.executable, "-W", "ignore", "-m", "tests.archive.capture_script", str(capture),
                    server.proxy_url, str(plan_file)], check=True, timeout=120, cwd=Path(__file__).parents[2])
    out["capture_http"] = capture
    wget = ensure_wget()
    wget_dir = folder / "wget"
    wget_dir.mkdir()
    env = dict(os.environ, http_proxy=server.proxy_url, no_proxy="")
    base = [wget, "--no-verbose", "--tries=3", "--timeout=20", "-e", "use_proxy=yes", "-e", "robots=off",
            "-O", "/dev/null", "--compression=auto"]
    subprocess.run([*base, f"--warc-file={wget_dir / 'wget-get'}", *plan["get"]], env=env, check=False,
                   timeout=120, capture_output=True)
    listing = plan["postback"][0]
    page = site.handle("GET", listing, {}, b"")
    form = postback_form(page.body.decode("utf-8"))
    action = urljoin(listing, form_action(page.body.decode("utf-8")))
    subprocess.run([*base, f"--warc-file={wget_dir / 'wget-post'}", f"--post-data={urlencode(form)}", action],
                   env=env, check=True, timeout=120, capture_output=True)
    out["wget"] = wget_dir
    out["postback_form"] = form
    out["postback_action"] = action
    return out


def ensure_wget() -> str:
    """Debian's wget, installed with apt-get when absent (the interop tests drive it for real)."""
    found = shutil.which("wget")
    if found is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", "wget"], check=False, timeout=300, capture_output=True)
        found = shutil.which("wget")
    if found is None:
        pytest.fail("GNU wget is needed for the WARC interop tests and could not be installed (apt-get install wget)")
    return found
