"""`moha-migrate transform`: exit codes 0/1/3, the --json summary, the files it writes."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from moha_migrate.cli import cli
from moha_migrate.jsonl import iter_records
from tests.transform.warcs import CaptureWriter, write_capture


def test_transform_writes_records_and_exits_0(replica_site, tmp_path: Path) -> None:
    warc = tmp_path / "warc" / "a.warc.gz"
    warc.parent.mkdir()
    write_capture(replica_site, warc, limit=120)
    result = CliRunner().invoke(cli, ["transform", str(warc.parent), "--out", str(tmp_path / "records.jsonl"), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["command"] == "transform" and summary["ok"] is True
    records = list(iter_records(tmp_path / "records.jsonl"))
    assert summary["counts"]["records"] == len(records) > 0
    assert (tmp_path / "errors.jsonl").read_text() == ""
    assert summary["outputs"]["errors"] == str(tmp_path / "errors.jsonl")


def test_a_failed_page_gives_exit_1_and_an_error_line(replica_site, tmp_path: Path) -> None:
    warc = tmp_path / "bad.warc.gz"
    with warc.open("wb") as fh:
        CaptureWriter(fh).write("http://moha.gov.vn/gioi-thieu/lien-he.html", 200, "OK",
                                [("Content-Type", "text/html; charset=utf-8")], b"<html><body><p>cut sh")
    errors = tmp_path / "errs.jsonl"
    result = CliRunner().invoke(cli, ["transform", str(warc), "--out", str(tmp_path / "r.jsonl"), "--errors", str(errors)])
    assert result.exit_code == 1
    assert result.stdout.strip().splitlines()[-1].startswith("transform: 1 problem(s)")
    line = json.loads(errors.read_text("utf-8"))
    assert line["url"] == "http://moha.gov.vn/gioi-thieu/lien-he.html" and "truncated" in line["reason"]


def test_missing_input_is_exit_3_with_one_error_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["transform", str(tmp_path / "nope"), "--out", str(tmp_path / "r.jsonl")])
    assert result.exit_code == 3
    assert result.stderr.strip().splitlines()[-1] == f"Error: {tmp_path / 'nope'}: no such file or directory"


def test_help_has_an_example() -> None:
    result = CliRunner().invoke(cli, ["transform", "--help"])
    assert result.exit_code == 0 and "Example:" in result.output and "moha-migrate transform" in result.output
