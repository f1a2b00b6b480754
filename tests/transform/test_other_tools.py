"""Transform on a capture our crawler did not make: GNU wget's recursive `--warc-file` crawl of the
replica (WARC/1.0, its own record order and headers, no postbacks, revisits of its own kind).
The records must still be the replica's truth, field by field."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from moha_migrate.jsonl import iter_records
from replica.server import ReplicaServer
from replica.site import Site
from tests.archive.conftest import ensure_wget
from tests.transform.test_pipeline import assert_accepted
from transform.accuracy import score_records
from transform.pipeline import transform_warcs

# What a polite crawl leaves out (the site profile's traps and robots.txt), as a POSIX regex for wget.
WGET_REJECT = r"(\(S\(|TimKiem\.aspx|EmailArticle\.aspx|/Admin/|LichCongTac\.aspx)"


@pytest.fixture(scope="module")
def wget_capture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wget = ensure_wget()
    work = tmp_path_factory.mktemp("wget-capture")
    with ReplicaServer(Site(seed=1, scale="test"), host="127.0.0.1", port=0) as server:
        cmd = [wget, "-r", "-p", "--level=inf", "-H", "-D", "moha.gov.vn", "-e", "robots=on", "--tries=3",
               "--waitretry=0", "-e", "use_proxy=on", "-e", f"http_proxy={server.proxy_url}",
               "--reject-regex", WGET_REJECT, "--compression=auto", "--warc-file", str(work / "wget"),
               "--delete-after", "-nv", "-o", str(work / "wget.log"), "-P", str(work / "files"), "http://moha.gov.vn/"]
        done = subprocess.run(cmd, timeout=240, check=False)
    # wget exits 8 when some answer was an HTTP error: the replica's 404s and first-try 500s are meant
    assert done.returncode in (0, 8), (work / "wget.log").read_text(errors="replace")[-2000:]
    return work / "wget.warc.gz"


@pytest.mark.slow
def test_wget_capture_transforms_to_the_truth(wget_capture: Path, truth_records, tmp_path: Path) -> None:
    result = transform_warcs([wget_capture], tmp_path / "records.jsonl", tmp_path / "errors.jsonl")
    records = list(iter_records(tmp_path / "records.jsonl"))
    report = score_records(records, truth_records)
    assert report.expected == len(truth_records) == report.produced
    assert_accepted(report, result)
    assert result.fallback_urls == []
    provenance = {r.provenance.warc_file for r in records if r.provenance is not None}
    assert provenance == {wget_capture.name}
