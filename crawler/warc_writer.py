"""Rotating WARC/1.1 files: one gzip member per record, Heritrix-style names, a warcinfo first.

warcio's `WARCWriter` re-serialises the HTTP header block from a parsed `StatusAndHeaders`
(`compute_headers_buffer`), which loses the reason phrase's exact bytes, header-name case, and any
non-UTF-8 header byte, and it cannot write a revisit whose block is raw bytes. So the record framing
is written here: warcio's `StatusAndHeaders` serialises the WARC header block, the HTTP block is
written as the bytes we received, streamed from the exchange's spool into the gzip member.

Files are written as `NAME.warc.gz.open` and renamed when closed (as Heritrix does), so readers never
pick up a file that is still growing; every record is flushed when complete, so a kill -9 leaves at
most one incomplete trailing member, which `crawler.state` trims on `--resume`.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import socket
import uuid
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders

log = logging.getLogger(__name__)

OPEN_SUFFIX = ".open"
GZIP_LEVEL = 6  # zlib's default: Heritrix and wget use it; level 9 costs 3x the CPU for ~2 % size


def warc_date(moment: datetime) -> str:
    """WARC-Date with microseconds (WARC/1.1 allows sub-second precision)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def sha1_label(digest: bytes) -> str:
    return "sha1:" + base64.b32encode(digest).decode("ascii")


@dataclass(frozen=True, slots=True)
class WrittenRecord:
    """Where a record went: file name, offset of its gzip member, and the offset just after it."""

    warc_file: str
    offset: int
    end: int
    record_id: str


class WarcFileWriter:
    """Writes records to `<prefix>-<timestamp>-<serial>-<pid>~<host>.warc.gz`, rotating at max_size."""

    def __init__(
        self,
        directory: Path,
        *,
        prefix: str = "MOHA",
        max_size: int = 1024**3,
        warcinfo: dict[str, str] | None = None,
        first_serial: int = 0,
        fsync: bool = False,
    ) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.prefix = prefix
        self.max_size = max_size
        self.warcinfo_fields = dict(warcinfo or {})
        self.serial = first_serial
        self.fsync = fsync
        self.tag = f"{os.getpid()}~{socket.gethostname()}"
        self._fh = None
        self._warcinfo_id = ""
        self._name = ""
        self._path: Path | None = None
        self.files_written: list[str] = []

    # -- files -------------------------------------------------------------------------------------
    def _open_new(self) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")[:17]
        self._name = f"{self.prefix}-{stamp}-{self.serial:05d}-{self.tag}.warc.gz"
        self.serial += 1
        self._path = self.directory / (self._name + OPEN_SUFFIX)
        self._fh = open(self._path, "xb")  # noqa: SIM115 - kept open across records, closed in close()
        self._write_warcinfo()
        log.info("opened %s", self._name)

    def _write_warcinfo(self) -> None:
        fields = {"format": "WARC File Format 1.1",
                  "conformsTo": "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
                  **self.warcinfo_fields}
        block = "".join(f"{k}: {v}\r\n" for k, v in fields.items()).encode("utf-8")
        self._warcinfo_id = new_record_id()
        self._write_record(
            [("WARC-Type", "warcinfo"), ("WARC-Record-ID", self._warcinfo_id),
             ("WARC-Date", warc_date(datetime.now(UTC))), ("WARC-Filename", self._name),
             ("Content-Type", "application/warc-fields")],
            [block],
        )

    def close(self) -> None:
        """Flush and close the current file and drop its `.open` suffix."""
        if self._fh is None:
            return
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        self._fh = None
        assert self._path is not None
        final = self.directory / self._name
        self._path.rename(final)
        self.files_written.append(self._name)
        log.info("closed %s", self._name)

    def _ensure_open(self) -> None:
        if self._fh is not None and self._fh.tell() >= self.max_size:
            self.close()
        if self._fh is None:
            self._open_new()

    # -- records -----------------------------------------------------------------------------------
    def _write_record(self, headers: list[tuple[str, str]], block: Iterable[bytes]) -> WrittenRecord:
        """Write one record whose block is the concatenation of `block`; headers lack Content-Length,
        Block-Digest is computed here when absent (it needs the whole block, so it is passed in)."""
        assert self._fh is not None
        offset = self._fh.tell()
        compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
        out = self._fh
        record_id = next(v for k, v in headers if k == "WARC-Record-ID")
        chunks = block if isinstance(block, list) else list(block)
        length = sum(len(c) for c in chunks)
        if not any(k == "WARC-Block-Digest" for k, _ in headers):
            digest = hashlib.sha1()
            for c in chunks:
                digest.update(c)
            headers = headers + [("WARC-Block-Digest", sha1_label(digest.digest()))]
        headers = headers + [("Content-Length", str(length))]
        head = StatusAndHeaders("WARC/1.1", headers, protocol="").to_bytes(encoding="utf-8")
        out.write(compressor.compress(head))
        for c in chunks:
            out.write(compressor.compress(c))
        out.write(compressor.compress(b"\r\n\r\n"))
        out.write(compressor.flush())
        out.flush()
        if self.fsync:
            os.fsync(out.fileno())
        return WrittenRecord(self._name, offset, out.tell(), record_id)

    def write_streamed(
        self, headers: list[tuple[str, str]], head: bytes, body: Iterator[bytes], length: int, block_digest: str
    ) -> WrittenRecord:
        """Write a record whose block is `head` + a streamed body of known length and digest."""
        self._ensure_open()
        assert self._fh is not None
        offset = self._fh.tell()
        compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
        record_id = next(v for k, v in headers if k == "WARC-Record-ID")
        all_headers = headers + [("WARC-Warcinfo-ID", self._warcinfo_id), ("WARC-Block-Digest", block_digest),
                                 ("Content-Length", str(length))]
        out = self._fh
        out.write(compressor.compress(StatusAndHeaders("WARC/1.1", all_headers, protocol="").to_bytes(encoding="utf-8")))
        out.write(compressor.compress(head))
        written = len(head)
        for buf in body:
            written += len(buf)
            out.write(compressor.compress(buf))
        if written != length:
            raise OSError(f"{self._name}: body changed while writing ({written} != {length} bytes)")
        out.write(compressor.compress(b"\r\n\r\n"))
        out.write(compressor.flush())
        out.flush()
        if self.fsync:
            os.fsync(out.fileno())
        return WrittenRecord(self._name, offset, out.tell(), record_id)

    def write_block(self, headers: list[tuple[str, str]], block: list[bytes]) -> WrittenRecord:
        """Write a record whose (small) block is given whole."""
        self._ensure_open()
        return self._write_record(headers + [("WARC-Warcinfo-ID", self._warcinfo_id)], block)

    @property
    def current_file(self) -> str:
        return self._name
