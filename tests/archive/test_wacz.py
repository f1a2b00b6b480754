"""archive/wacz.py: a WACZ that `wacz validate` accepts, with our pages.jsonl and digests."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

from archive.wacz import write_wacz

WACZ = Path(sys.executable).with_name("wacz")


def test_package_validates_and_lists_pages(sample_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "moha.wacz"
    result = write_wacz([sample_dir / "sample-a.warc.gz"], out, title="moha.gov.vn")
    assert result.pages == 2 and not result.unmatched_pages
    check = subprocess.run([str(WACZ), "validate", "-f", str(out)], capture_output=True, timeout=120, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "is valid" in check.stdout
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        assert {"archive/sample-a.warc.gz", "indexes/index.cdx.gz", "indexes/index.idx", "pages/pages.jsonl",
                "datapackage.json", "datapackage-digest.json"} <= names
        pages = [json.loads(line) for line in zf.read("pages/pages.jsonl").decode().splitlines()[1:]]
        package = json.loads(zf.read("datapackage.json"))
    by_url = {p["url"]: p for p in pages}
    article = by_url["http://moha.gov.vn/tin-tuc-su-kien/ton-giao/bai-1-101.html"]
    assert article["title"] == "Bộ Nội vụ & Tin tức"
    assert article["ts"].startswith("2026-11-25T08:00:00")
    assert by_url["http://moha.gov.vn/Default.aspx?tabid=100"]["title"] == "Listing"
    assert package["title"] == "moha.gov.vn"
    digests = {r["path"]: r["hash"] for r in package["resources"]}
    assert digests["archive/sample-a.warc.gz"].startswith("sha256:")


def test_heritrix_style_names_still_validate(sample_dir: Path, tmp_path: Path) -> None:
    warc = tmp_path / "MOHA-20261125120000000-00000-4242~host.warc.gz"
    warc.write_bytes((sample_dir / "sample-a.warc.gz").read_bytes())
    out = tmp_path / "named.wacz"
    result = write_wacz([warc], out)
    assert result.renamed == {warc.name: "MOHA-20261125120000000-00000-4242-host.warc.gz"}
    check = subprocess.run([str(WACZ), "validate", "-f", str(out)], capture_output=True, timeout=120, text=True)
    assert check.returncode == 0, check.stdout
    with zipfile.ZipFile(out) as zf:
        assert "archive/MOHA-20261125120000000-00000-4242-host.warc.gz" in zf.namelist()
