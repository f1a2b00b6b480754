"""loaders/filestore.py: content-addressed, verified before storing, filled from WARC payloads
(through archive.reader) or plain files, and loaded by `load --files-from`."""

from __future__ import annotations

import gzip
import hashlib
from io import BytesIO
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from loaders.filestore import FileStore, default_store_root, fill_store
from loaders.load import load_records
from moha_migrate.jsonl import write_records
from moha_migrate.records import Media

GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_put_verifies_the_digest_and_never_overwrites(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "files")
    assert store.put_bytes(GIF, sha(GIF)) is True
    assert store.path_for(sha(GIF)) == tmp_path / "files" / sha(GIF)[:2] / sha(GIF)
    assert store.path_for(sha(GIF)).read_bytes() == GIF
    assert store.put_bytes(GIF, sha(GIF)) is False
    with pytest.raises(ValueError, match="hash to"):
        store.put_bytes(PDF, sha(GIF)[:-1] + "0")
    assert list(store.iter_digests()) == [sha(GIF)]
    source = tmp_path / "x.pdf"
    source.write_bytes(PDF)
    with pytest.raises(ValueError, match="hashes to"):
        store.put_file(source, "0" * 64)
    assert not list((tmp_path / "files").glob("*/.incoming-*")), "a rejected copy left a temporary file"
    assert store.put_file(source, sha(PDF)) is True
    assert store.prune({sha(PDF)}) == [sha(GIF)]
    assert list(store.iter_digests()) == [sha(PDF)]


def test_default_root_is_next_to_a_sqlite_file(tmp_path: Path) -> None:
    assert default_store_root(f"sqlite:///{tmp_path}/p.db") == tmp_path / "files"
    assert default_store_root("postgresql+psycopg://postgres@127.0.0.1/test") == Path.cwd() / "files"
    assert default_store_root(None, tmp_path / "store") == tmp_path / "store"


def _write_warc(path: Path, items: list[tuple[str, bytes, bool]]) -> None:
    """A WARC with one response per (url, payload, gzip-encoded?)."""
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, payload, encoded in items:
            body = gzip.compress(payload) if encoded else payload
            headers = [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(body)))]
            if encoded:
                headers.append(("Content-Encoding", "gzip"))
            http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=BytesIO(body), http_headers=http))


def test_fill_from_warcs_decodes_and_verifies_payloads(tmp_path: Path) -> None:
    warcs = tmp_path / "warc"
    warcs.mkdir()
    _write_warc(warcs / "a.warc.gz", [("http://moha.gov.vn/Uploads/Images/a.gif", GIF, False),
                                      ("http://moha.gov.vn/Uploads/VanBan/b.pdf", PDF, True)])
    store = FileStore(tmp_path / "files")
    report = fill_store(store, {sha(GIF), sha(PDF), "f" * 64}, [warcs])
    assert (report.stored, report.missing) == (2, ["f" * 64])
    assert store.path_for(sha(PDF)).read_bytes() == PDF, "the gzip content coding must be undone"


def _media(url: str, data: bytes) -> Media:
    return Media(source_url=url, old_urls=(url,), title=url.rsplit("/", 1)[1], url=url, sha256=sha(data),
                 mime="image/gif", size=len(data), referenced_by=())


def test_load_files_from_warcs_reports_what_is_missing(tmp_path: Path) -> None:
    warcs = tmp_path / "warc"
    warcs.mkdir()
    _write_warc(warcs / "a.warc.gz", [("http://moha.gov.vn/Uploads/Images/a.gif", GIF, False)])
    records = tmp_path / "records.jsonl"
    write_records([_media("http://moha.gov.vn/Uploads/Images/a.gif", GIF),
                   _media("http://moha.gov.vn/Uploads/VanBan/b.pdf", PDF)], records)
    db_url = f"sqlite:///{tmp_path / 'portal.db'}"
    result = load_records(records, db_url, files_from=[warcs])
    assert (result.inserted, result.files_stored, result.files_missing) == (2, 1, 1)
    assert not result.ok
    assert any(sha(PDF) in p for p in result.problems)
    assert (tmp_path / "files" / sha(GIF)[:2] / sha(GIF)).read_bytes() == GIF
    # the missing file turns up later: a rerun with it stores only that one
    extra = tmp_path / "downloads"
    extra.mkdir()
    (extra / "b.pdf").write_bytes(PDF)
    again = load_records(records, db_url, files_from=[warcs, extra])
    assert (again.unchanged, again.files_stored, again.files_missing) == (2, 1, 0)
    assert again.ok
