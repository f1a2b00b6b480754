"""archive/fixity.py: clean captures pass; every kind of damage is named with file and offset."""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from archive.fixity import verify_warcs
from archive.index import parse_cdxj_line, write_index
from tests.archive.conftest import write_sample
from tests.archive.damage import append_garbage, cut_short, flip_payload_byte, record_spans
from tests.archive.warcbuild import Exchange, WarcBuilder


def test_clean_sample_has_no_problems(sample_dir: Path, tmp_path: Path) -> None:
    index = tmp_path / "index.cdxj"
    write_index([sample_dir], index)
    result = verify_warcs([sample_dir], index=index)
    assert result.problems == []
    assert result.files == 2
    assert result.records == 2 * 13  # warcinfo + 5 exchanges x 2 + revisit + its request
    assert result.digests_checked >= 2 * 11
    assert result.index_lines == 2 * 6


def test_flipped_payload_byte_fails_the_digest(sample_dir: Path, tmp_path: Path) -> None:
    for src in sorted(sample_dir.iterdir()):
        dst = tmp_path / src.name
        offset, rid = flip_payload_byte(src, dst)
        result = verify_warcs([dst])
        assert [(p.file, p.offset, p.record_id, p.kind) for p in result.problems] == [
            (dst.name, offset, rid, "digest"), (dst.name, offset, rid, "digest")
        ]  # block digest and payload digest
        assert "payload digest failed" in result.problems[-1].what


def test_cut_short_is_found_where_warcio_check_sees_nothing(tmp_path: Path) -> None:
    src = tmp_path / "src.warc.gz"
    with src.open("wb") as fh:
        b = WarcBuilder(fh)
        b.warcinfo(src.name)
        b.exchange(Exchange("http://moha.gov.vn/a.html", b"<html>a</html>"))
        noise = random.Random(3).randbytes(20000)  # incompressible: the cut falls inside the payload
        b.exchange(Exchange("http://moha.gov.vn/Uploads/VanBan/big.pdf", noise, headers=[("Content-Type", "application/pdf")]))
    dst = tmp_path / "cut.warc.gz"
    offset = cut_short(src, dst, 300)
    warcio_check = subprocess.run([str(Path(sys.executable).with_name("warcio")), "check", str(dst)],
                                  capture_output=True, timeout=60)
    assert warcio_check.returncode == 0  # warcio issue 138: the cut goes unnoticed there
    [problem] = [p for p in verify_warcs([dst]).problems if p.kind == "damaged"]
    assert (problem.file, problem.offset) == ("cut.warc.gz", offset)
    assert "cut short" in problem.what


def test_cut_in_gzip_trailer_and_plain_warc(sample_dir: Path, tmp_path: Path) -> None:
    for src, nbytes in ((sample_dir / "sample-a.warc.gz", 3), (sample_dir / "sample-b.warc", 250)):
        dst = tmp_path / f"cut-{src.name}"
        offset = cut_short(src, dst, nbytes)
        damaged = [p for p in verify_warcs([dst]).problems if p.kind == "damaged"]
        assert [(p.file, p.offset) for p in damaged] == [(dst.name, offset)], damaged


def test_garbage_tail_empty_and_foreign_files(sample_dir: Path, tmp_path: Path) -> None:
    src = sample_dir / "sample-a.warc.gz"
    garbage_at = append_garbage(src, tmp_path / "tail.warc.gz")
    append_garbage(sample_dir / "sample-b.warc", tmp_path / "tail.warc")
    (tmp_path / "empty.warc.gz").write_bytes(b"")
    (tmp_path / "notes.warc").write_bytes(b"Just some notes\nabout the crawl\n")
    write_sample(tmp_path / "zz-clean.warc.gz")
    result = verify_warcs([tmp_path])
    damaged = {p.file: p for p in result.problems if p.kind == "damaged"}
    assert set(damaged) == {"tail.warc.gz", "tail.warc", "empty.warc.gz", "notes.warc"}
    assert damaged["tail.warc.gz"].offset == garbage_at and "garbage" in damaged["tail.warc.gz"].what
    assert damaged["empty.warc.gz"].offset == 0 and "empty" in damaged["empty.warc.gz"].what
    assert damaged["notes.warc"].offset == 0 and "not a WARC" in damaged["notes.warc"].what
    assert not [p for p in result.problems if p.file == "zz-clean.warc.gz"]
    # the records before the garbage were all checked
    assert result.records >= 13 * 3


def test_missing_pairs_and_warcinfo(tmp_path: Path) -> None:
    path = tmp_path / "odd.warc.gz"
    with path.open("wb") as fh:
        b = WarcBuilder(fh)
        rid, req_id = b.exchange(Exchange("http://moha.gov.vn/a.html", b"<html>a</html>"))
        lone = b.writer.create_warc_record("http://moha.gov.vn/b.html", "response",
                                           payload=io.BytesIO(b"HTTP/1.1 200 OK\r\n\r\nb"))
        b.writer.write_record(lone)
    problems = verify_warcs([path]).problems
    kinds = sorted((p.kind, p.record_id or "") for p in problems)
    assert kinds == sorted([("no-warcinfo", ""), ("pair", lone.rec_headers.get_header("WARC-Record-ID"))])
    assert "has no request record" in next(p.what for p in problems if p.kind == "pair")


def test_index_pointing_nowhere_is_reported(sample_dir: Path, tmp_path: Path) -> None:
    warc = sample_dir / "sample-a.warc.gz"
    index = tmp_path / "index.cdxj"
    write_index([warc], index)
    lines = [parse_cdxj_line(line) for line in index.read_text().splitlines()]
    lines[0].fields["offset"] = "5"
    lines[1].fields["digest"] = "sha1:XXXX"
    lines[2].fields["filename"] = "elsewhere.warc.gz"
    index.write_text("".join(f"{ln.urlkey} {ln.timestamp} {json.dumps(ln.fields)}\n" for ln in lines))
    problems = verify_warcs([warc], index=index).problems
    assert {p.kind for p in problems} == {"index"}
    whats = sorted(p.what for p in problems)
    assert len(problems) == 5, whats  # 3 bad lines + 2 records no line points at
    assert any("line 1" in w and "5, where no record starts" in w for w in whats)
    assert any("line 2" in w and "digest 'sha1:XXXX'" in w for w in whats)
    assert any("line 3" in w and "'elsewhere.warc.gz', not among the WARCs" in w for w in whats)
    assert sum("is not in index.cdxj" in w for w in whats) == 2


def test_revisit_without_original(tmp_path: Path) -> None:
    full = tmp_path / "full.warc.gz"
    ids = write_sample(full)
    # keep only the records from the listing on: the revisit's original image is gone
    spans = record_spans(full)
    start = next(off for off, _, rtype, rid in spans if rid == ids["listing"]) - 0
    start = max(off for off, _, rtype, _ in spans if off < start and rtype == "request")
    part = tmp_path / "part.warc.gz"
    part.write_bytes(full.read_bytes()[:spans[1][0]] + full.read_bytes()[start:])
    problems = verify_warcs([part]).problems
    assert [p.kind for p in problems] == ["revisit"]
    assert problems[0].record_id == ids["revisit"] and "in none of the files" in problems[0].what


def test_verify_goes_on_past_a_corrupt_member(tmp_path: Path) -> None:
    src = tmp_path / "src.warc.gz"
    write_sample(src)
    spans = record_spans(src)
    offset, length, _, _ = [s for s in spans if s[2] == "response"][2]
    data = bytearray(src.read_bytes())
    for i in range(offset + 40, offset + length - 20, 7):
        data[i] ^= 0x55  # compressed bytes scrambled: the member no longer inflates
    bad = tmp_path / "bad.warc.gz"
    bad.write_bytes(bytes(data))
    result = verify_warcs([bad])
    damaged = [p for p in result.problems if p.kind == "damaged"]
    assert damaged[0].offset == offset and "corrupt" in damaged[0].what
    assert f"checking on from {offset + length}" in damaged[1].what
    # every record after the bad member was still checked
    assert result.records == len(spans) - 1
    assert result.digests_checked == len(spans) - 1 - 1  # all but the revisit (warcio checks no revisit digest)


def test_unsorted_index_is_reported_once(sample_dir: Path, tmp_path: Path) -> None:
    warc = sample_dir / "sample-a.warc.gz"
    index = tmp_path / "index.cdxj"
    write_index([warc], index)
    lines = index.read_text().splitlines()
    index.write_text("\n".join(reversed(lines)) + "\n")
    problems = verify_warcs([warc], index=index).problems
    assert [p.what.split(":")[0] for p in problems] == ["index.cdxj line 2"]
    assert "not sorted" in problems[0].what


@pytest.mark.parametrize("name", ["sample-a.warc.gz", "sample-b.warc"])
def test_random_damage_never_escapes_as_an_exception(sample_dir: Path, tmp_path: Path, name: str) -> None:
    data = (sample_dir / name).read_bytes()
    rng = random.Random(20261125)
    for case in range(40):
        damaged = bytearray(data)
        if case % 2:
            cut = rng.randrange(1, len(data) - 1)
            damaged = damaged[:cut]
        for _ in range(rng.randrange(1, 4)):
            pos = rng.randrange(len(damaged))
            damaged[pos] = rng.randrange(256)
        path = tmp_path / f"{case}-{name}"
        path.write_bytes(bytes(damaged))
        result = verify_warcs([path])  # must return, whatever the bytes
        if case % 2:  # a cut at a record boundary is no damage, but it leaves a request without its response
            assert result.problems, case
        path.unlink()
