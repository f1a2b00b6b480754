"""archive/index.py: the same lines as the `cdxj-indexer` command, POST keys, damage, atomic writes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from archive.index import iter_index, parse_cdxj_line, write_index
from moha_migrate.errors import ArchiveError
from tests.archive.conftest import POSTBACK
from tests.archive.damage import append_garbage

CDXJ_INDEXER = Path(sys.executable).with_name("cdxj-indexer")


def command_lines(paths: list[Path], *extra: str) -> set[tuple[str, str, str]]:
    """The `cdxj-indexer -s -p` lines for the same files, fields in a canonical order."""
    out = subprocess.run([str(CDXJ_INDEXER), "-s", "-p", *extra, *map(str, paths)], check=True,
                         capture_output=True, timeout=120).stdout.decode("utf-8")
    return canonical(out.splitlines())


def canonical(lines: list[str]) -> set[tuple[str, str, str]]:
    out = set()
    for line in lines:
        if line.strip():
            parsed = parse_cdxj_line(line)
            out.add((parsed.urlkey, parsed.timestamp, json.dumps(parsed.fields, sort_keys=True)))
    return out


def test_same_lines_as_the_cdxj_indexer_command(sample_dir: Path, tmp_path: Path) -> None:
    warcs = sorted(sample_dir.iterdir())
    out = tmp_path / "index.cdxj"
    result = write_index([sample_dir], out)
    ours = out.read_text(encoding="utf-8").splitlines()
    assert canonical(ours) == command_lines(warcs)
    assert result.lines == len(ours) == 12 and result.files == 2 and not result.problems
    assert ours == sorted(ours)  # sorted by SURT key then timestamp, as pywb needs


def test_parallel_jobs_write_the_same_bytes(sample_dir: Path, tmp_path: Path) -> None:
    one, two = tmp_path / "one.cdxj", tmp_path / "two.cdxj"
    write_index([sample_dir], one, jobs=1)
    result = write_index([sample_dir], two, jobs=2)
    assert two.read_bytes() == one.read_bytes() and result.lines == 12


def test_post_is_keyed_with_its_form_fields(sample_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "index.cdxj"
    write_index([sample_dir / "sample-a.warc.gz"], out)
    lines = [line for line in iter_index(out) if line.url == "http://moha.gov.vn/Default.aspx?tabid=100"]
    assert sorted(line.method for line in lines) == ["GET", "POST"]
    post = next(line for line in lines if line.method == "POST")
    assert "__wb_method=post" in post.urlkey and "__eventargument=page$2" in post.urlkey
    assert post.fields["requestBody"].startswith("__EVENTTARGET=ctl00$main$pager&__EVENTARGUMENT=Page$2")
    assert POSTBACK.startswith(b"__EVENTTARGET")
    get = next(line for line in lines if line.method == "GET")
    assert get.urlkey == "vn,gov,moha)/default.aspx?tabid=100"
    # without POST folding the two share one key, as with `cdxj-indexer` without -p
    plain = tmp_path / "plain.cdxj"
    write_index([sample_dir / "sample-a.warc.gz"], plain, post_append=False)
    keys = [line.urlkey for line in iter_index(plain) if "tabid=100" in line.url]
    assert keys == ["vn,gov,moha)/default.aspx?tabid=100"] * 2


def test_revisit_and_non_ascii_lines(sample_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "index.cdxj"
    write_index([sample_dir / "sample-a.warc.gz"], out)
    by_url = {line.url: line for line in iter_index(out)}
    revisit = by_url["http://moha.gov.vn/Uploads/Images/2015/08/copy.jpg"]
    assert revisit.is_revisit and revisit.status == "200"
    image = by_url["http://moha.gov.vn/Uploads/Images/2015/08/ảnh%201.jpg"]
    assert image.digest == revisit.digest and image.mime == "image/jpeg"


def test_damaged_file_is_named_and_the_rest_indexed(sample_dir: Path, tmp_path: Path) -> None:
    shutil.copy(sample_dir / "sample-a.warc.gz", tmp_path / "a.warc.gz")
    garbage_at = append_garbage(sample_dir / "sample-b.warc", tmp_path / "b.warc")
    result = write_index([tmp_path], tmp_path / "out" / "index.cdxj")
    assert len(result.problems) == 1 and result.problems[0].startswith(f"b.warc: not indexed past offset {garbage_at} ")
    assert result.lines == 12  # every record before the garbage, in both files


def test_failed_run_leaves_the_old_index(tmp_path: Path) -> None:
    out = tmp_path / "index.cdxj"
    out.write_text("previous index\n")
    with pytest.raises(ArchiveError, match="missing.warc.gz: no such file"):
        write_index([tmp_path / "missing.warc.gz"], out)
    assert out.read_text() == "previous index\n"
    assert [p.name for p in tmp_path.iterdir()] == ["index.cdxj"]


def test_bad_index_line_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.cdxj"
    bad.write_text('vn,gov,moha)/ 20150815072500 {"url": "http://moha.gov.vn/"}\nnot cdxj at all\n')
    with pytest.raises(ArchiveError, match="bad.cdxj line 2: not a CDXJ line"):
        list(iter_index(bad))


def test_dir_root_writes_relative_filenames(sample_dir: Path, tmp_path: Path) -> None:
    nested = tmp_path / "crawl" / "warc"
    nested.mkdir(parents=True)
    shutil.copy(sample_dir / "sample-a.warc.gz", nested / "a.warc.gz")
    out = tmp_path / "index.cdxj"
    write_index([tmp_path / "crawl"], out, dir_root=tmp_path)
    assert {line.filename for line in iter_index(out)} == {"crawl/warc/a.warc.gz"}
