"""crawler.warc_writer: WARC/1.1 records, one gzip member each, rotation with Heritrix-style names."""

import gzip
import hashlib
import re
import subprocess
import sys
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from crawler.warc_writer import OPEN_SUFFIX, WarcFileWriter, new_record_id, sha1_label

NAME = re.compile(r"^TEST-\d{17}-\d{5}-\d+~[^.]+\.warc\.gz$")
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\n"


def write_response(writer: WarcFileWriter, body: bytes = b"0123456789") -> str:
    rid = new_record_id()
    headers = [("WARC-Type", "response"), ("WARC-Record-ID", rid), ("WARC-Date", "2026-01-01T00:00:00.000000Z"),
               ("WARC-Target-URI", "http://moha.gov.vn/x"), ("Content-Type", "application/http; msgtype=response"),
               ("WARC-Payload-Digest", sha1_label(hashlib.sha1(body).digest()))]
    writer.write_streamed(headers, HEAD, iter([body[:4], body[4:]]), len(HEAD) + len(body),
                          sha1_label(hashlib.sha1(HEAD + body).digest()))
    return rid


def test_records_read_back_and_pass_warcio_check(tmp_path: Path) -> None:
    writer = WarcFileWriter(tmp_path, prefix="TEST", warcinfo={"software": "moha-migrate test"})
    rid = write_response(writer)
    assert [p.name.endswith(OPEN_SUFFIX) for p in tmp_path.iterdir()] == [True]
    writer.close()
    [path] = list(tmp_path.iterdir())
    assert NAME.match(path.name)
    with open(path, "rb") as fh:
        records = [(r.rec_type, r.rec_headers.protocol, r.rec_headers.get_header("WARC-Record-ID"),
                    r.content_stream().read()) for r in ArchiveIterator(fh)]
    assert [r[0] for r in records] == ["warcinfo", "response"]
    assert {r[1] for r in records} == {"WARC/1.1"}
    assert records[1][2] == rid and records[1][3] == b"0123456789"
    with open(path, "rb") as fh:
        info, response = list(ArchiveIterator(fh))[:2]
        assert response.rec_headers.get_header("WARC-Warcinfo-ID") == info.rec_headers.get_header("WARC-Record-ID")
    assert b"software: moha-migrate test" in records[0][3]
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", "-v", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count("digest pass") == 2 and "fail" not in check.stdout  # warcinfo + response
    # one gzip member per record: each member decompresses to exactly one record
    data = path.read_bytes()
    members = data.count(b"\x1f\x8b\x08")
    assert members >= 2 and gzip.decompress(data).count(b"WARC/1.1\r\n") == 2


def test_rotation_at_max_size_keeps_serials_and_a_warcinfo_per_file(tmp_path: Path) -> None:
    writer = WarcFileWriter(tmp_path, prefix="TEST", max_size=300, first_serial=7)
    for _ in range(3):
        write_response(writer)
    writer.close()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 3 and all(NAME.match(n) for n in names)
    assert [n.split("-")[2] for n in names] == ["00007", "00008", "00009"]
    for name in names:
        with open(tmp_path / name, "rb") as fh:
            assert [r.rec_type for r in ArchiveIterator(fh)] == ["warcinfo", "response"]
