"""The `archive` verbs through click: exit codes, --json summaries, Error lines, no tracebacks."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from click.testing import CliRunner

from moha_migrate.cli import cli
from tests.archive.conftest import IMAGE
from tests.archive.damage import append_garbage, cut_short, flip_payload_byte
from tests.archive.warcbuild import raw_response_record


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["archive", *args])
    return result.exit_code, result.stdout_bytes.decode("utf-8", "replace"), result.stderr


def test_every_verb_has_help_with_an_example() -> None:
    for verb in ("index", "verify", "wacz", "get", "replay"):
        code, out, _ = run(verb, "--help")
        assert code == 0 and "Example:" in out, verb


def test_index_then_verify_clean(sample_dir: Path, tmp_path: Path) -> None:
    index = tmp_path / "index.cdxj"
    code, out, _ = run("index", str(sample_dir), "--out", str(index), "--json")
    summary = json.loads(out)
    assert code == 0 and summary["ok"] and summary["counts"]["lines"] == 12
    code, out, _ = run("verify", str(sample_dir), "--index", str(index))
    assert code == 0
    assert out.strip().splitlines()[-1].startswith("archive verify: ok - files 2, records 26")


def test_verify_damaged_copies_exit_1_naming_each(sample_dir: Path, tmp_path: Path) -> None:
    src = sample_dir / "sample-a.warc.gz"
    flipped_at, _ = flip_payload_byte(src, tmp_path / "flipped.warc.gz")
    cut_at = cut_short(src, tmp_path / "cut.warc.gz", 300)
    garbage_at = append_garbage(src, tmp_path / "garbage.warc.gz")
    (tmp_path / "empty.warc.gz").write_bytes(b"")
    (tmp_path / "readme.warc").write_text("not a warc\n")
    report = tmp_path / "problems.jsonl"
    code, out, err = run("verify", str(tmp_path), "--json", "--report", str(report))
    assert code == 1 and "Traceback" not in err
    summary = json.loads(out)
    assert not summary["ok"]
    problems = "\n".join(summary["problems"])
    assert f"flipped.warc.gz@{flipped_at} " in problems and "payload digest failed" in problems
    assert f"cut.warc.gz@{cut_at}: damaged: record cut short" in problems
    assert f"garbage.warc.gz@{garbage_at}: damaged: garbage" in problems
    assert "empty.warc.gz@0: damaged: empty file" in problems
    assert "readme.warc@0: damaged: not a WARC file" in problems
    rows = [json.loads(line) for line in report.read_text().splitlines()]
    assert {r["file"] for r in rows} >= {"flipped.warc.gz", "cut.warc.gz", "garbage.warc.gz", "empty.warc.gz",
                                         "readme.warc"}
    assert all({"file", "offset", "record_id", "kind", "what"} == set(r) for r in rows)


def test_get_saves_the_revisit_payload(sample_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "copy.jpg"
    code, stdout, _ = run("get", "http://moha.gov.vn/Uploads/Images/2015/08/copy.jpg", "--from", str(sample_dir),
                          "--out", str(out), "--json")
    assert code == 0 and out.read_bytes() == IMAGE
    assert json.loads(stdout)["outputs"]["revisit_of"].startswith("sample-")


def test_get_to_stdout_and_missing_url(sample_dir: Path) -> None:
    code, out, err = run("get", "http://moha.gov.vn/Default.aspx?tabid=100", "--from", str(sample_dir / "sample-b.warc"))
    assert code == 0 and "PAGE ONE of the listing" in out and "archive get: ok" in err
    code, _, err = run("get", "http://moha.gov.vn/missing", "--from", str(sample_dir))
    assert code == 3 and "Error: http://moha.gov.vn/missing: not captured" in err


def test_missing_input_is_exit_3(tmp_path: Path) -> None:
    code, _, err = run("index", str(tmp_path / "nope"), "--out", str(tmp_path / "i.cdxj"))
    assert code == 3 and err.strip().endswith("nope: no such file or directory")


def test_non_ascii_header_bytes_verify_and_come_back_raw(tmp_path: Path) -> None:
    block = (b"HTTP/1.1 200 OK\r\nContent-Type: application/msword\r\n"
             b"Content-Disposition: attachment; filename=\"" + "Quyết định.doc".encode() + b"\"\r\n"
             b"X-Legacy-Name: Quy\xeat \xf0inh.doc\r\n\r\nDOC")
    data, _ = raw_response_record("http://moha.gov.vn/Uploads/VanBan/2015/qd.doc", block)
    warc = tmp_path / "raw.warc.gz"
    warc.write_bytes(data)
    code, out, _ = run("verify", str(warc), "--json")
    problems = json.loads(out)["problems"]
    assert not [p for p in problems if "digest" in p], problems  # digests hold over the raw bytes
    saved = tmp_path / "record.bin"
    code, _, _ = run("get", "http://moha.gov.vn/Uploads/VanBan/2015/qd.doc", "--from", str(warc), "--raw",
                     "--out", str(saved))
    assert code == 0 and saved.read_bytes() == gzip.decompress(data)
    assert b"X-Legacy-Name: Quy\xeat \xf0inh.doc\r\n" in saved.read_bytes()


def test_replay_verb_serves_and_stops(sample_dir: Path) -> None:
    code, out, err = run("replay", str(sample_dir / "sample-a.warc.gz"), "--port", "0", "--seconds", "1", "--json")
    summary = json.loads(out)
    assert code == 0 and summary["ok"] and summary["outputs"]["url"].startswith("http://127.0.0.1:")
    assert summary["counts"]["index_lines"] == 6 and "replaying 1 WARC file(s)" in err
