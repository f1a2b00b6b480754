"""Walk one WARC file record by record and stop, naming the offset, at damage warcio lets pass.

warcio's `ArchiveIterator` parses the records, but it ends silently on a `.warc.gz` whose last gzip
member is cut short (warcio issue 138), on a record whose block is shorter than its Content-Length,
and on an empty file. `WarcFile` adds those checks around it: after each record it drains the block,
compares the bytes read with Content-Length and, for gzip files, checks that the record's member
reached its gzip trailer; after the last record it checks that nothing but blank lines follows.
Every problem becomes a `WarcDamaged` error carrying the file and the byte offset of the damage.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord

from moha_migrate.errors import ArchiveError

log = logging.getLogger(__name__)

GZIP_MAGIC = b"\x1f\x8b"


class WarcDamaged(ArchiveError):
    """A WARC file is damaged (empty, not a WARC, truncated, garbage) at a known byte offset."""

    def __init__(self, path: Path, offset: int, reason: str) -> None:
        self.path = Path(path)
        self.offset = offset
        self.reason = reason
        super().__init__(f"{self.path.name}@{offset}: {reason}")


class WarcFile:
    """Iterate the records of one WARC file; `offset`/`length` of the current record after reading it.

    Read the record's content first: asking for the offset drains what is left of the record (a
    warcio rule). Iteration raises `WarcDamaged` after the last intact record when the file is damaged;
    records before the damage have been yielded by then.
    """

    def __init__(self, path: Path, *, check_digests: bool = False, start: int = 0) -> None:
        self.path = Path(path)
        self.check_digests = check_digests
        self.start = start
        self.is_gzip = False
        self.records_read = 0
        self._it: Any = None
        self._end = start  # byte offset just past the last intact record

    @property
    def last_end(self) -> int:
        """Byte offset just past the last intact record (where damage begins)."""
        return self._end

    def offset(self) -> int:
        """Byte offset of the current record (drains it)."""
        return int(self._it.get_record_offset())

    def length(self) -> int:
        """Stored length of the current record (its gzip member, or its bytes without the blank lines)."""
        return int(self._it.get_record_length())

    def __iter__(self) -> Iterator[ArcWarcRecord]:
        try:
            size = self.path.stat().st_size
            fh = self.path.open("rb")
        except OSError as exc:
            raise ArchiveError(f"{self.path}: cannot open: {exc.strerror or exc}") from exc
        with fh:
            if size == 0:
                raise WarcDamaged(self.path, 0, "empty file (0 bytes), not a WARC")
            self.is_gzip = fh.read(2) == GZIP_MAGIC
            fh.seek(self.start)
            self._it = ArchiveIterator(fh, check_digests=self.check_digests)
            try:
                for record in self._it:
                    if record.format != "warc" and not self.path.name.lower().endswith((".arc", ".arc.gz")):
                        # warcio reads any line of five words as an ARC header: such text is not a WARC
                        raise WarcDamaged(self.path, self._end, "not a WARC record (no WARC/1.x header line)"
                                          if self.records_read else "not a WARC file (no WARC/1.x header line)")
                    yield record
                    self._after_record(record)
            except WarcDamaged:
                raise
            except (ArchiveLoadFailed, zlib.error, EOFError, ValueError, AttributeError, TypeError) as exc:
                # warcio fails on broken bytes with whatever its parser trips on (AttributeError on a
                # header block cut mid-way, ArchiveLoadFailed on garbage): all mean damage here.
                first = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
                if self.records_read == 0 and self.start == 0 and not self.is_gzip:
                    what = f"not a WARC file ({first})"
                else:
                    what = self._describe_tail(fh, size) or (
                        f"garbage: {size - self._end} byte(s) that are not a WARC record ({first})")
                raise WarcDamaged(self.path, self._end, what) from exc
            self._check_tail(fh, size)

    def _after_record(self, record: ArcWarcRecord) -> None:
        offset, length = self.offset(), self.length()
        if record.format.startswith("warc") and record.rec_headers.get_header("Content-Length") is None:
            raise WarcDamaged(self.path, offset, "record header block cut short (no Content-Length)")
        left = getattr(record.raw_stream, "limit", 0) or 0
        if left > 0:
            raise WarcDamaged(
                self.path, offset,
                f"record {_record_id(record)} cut short: {left} byte(s) of its Content-Length missing",
            )
        decompressor = getattr(self._it.reader, "decompressor", None)
        if self.is_gzip and decompressor is not None and not getattr(decompressor, "eof", True):
            raise WarcDamaged(
                self.path, offset,
                f"record {_record_id(record)}: gzip member cut short (no gzip trailer)",
            )
        self.records_read += 1
        self._end = offset + length

    def _check_tail(self, fh: Any, size: int) -> None:
        if self.records_read == 0:
            raise WarcDamaged(self.path, self.start, "no WARC record could be read (not a WARC file or cut short)")
        if self._end >= size:
            return
        fh.seek(self._end)
        tail = fh.read(min(size - self._end, 1 << 16))
        # Uncompressed WARCs end each record with CRLF CRLF, which the stored length does not include.
        if not self.is_gzip and not tail.strip(b"\r\n") and size - self._end <= len(tail):
            return
        raise WarcDamaged(self.path, self._end, self._describe_tail(fh, size) or
                          f"{size - self._end} byte(s) of garbage after the last record")

    def _describe_tail(self, fh: Any, size: int) -> str | None:
        """Name what follows the last intact record when it is a record cut short, else None."""
        fh.seek(self._end)
        tail = fh.read(min(size - self._end, 1 << 20))
        if tail.startswith(GZIP_MAGIC):
            inflater = zlib.decompressobj(31)
            try:
                inflater.decompress(tail)
            except zlib.error as exc:
                return f"corrupt gzip member ({exc})"
            if not inflater.eof:
                if len(tail) >= size - self._end:
                    return f"record cut short: the file ends inside its gzip member ({len(tail)} byte(s) left)"
                return "gzip member ends early (corrupt or cut short)"
            return None
        if tail.startswith(b"WARC/"):
            if len(tail) >= size - self._end:
                return f"record cut short: the file ends inside it ({len(tail)} byte(s) left)"
            return "record malformed or cut short (its Content-Length does not match what follows)"
        if not tail:
            return "no WARC record could be read"
        return None


def find_next_record(path: Path, after: int, *, is_gzip: bool, window: int = 1 << 20) -> int | None:
    """Offset of the first intact-looking record start after `after` (a gzip member that inflates
    to `WARC/`, or a `WARC/1.x` line), so a check can go on past damage; None when there is none."""
    marker = b"\x1f\x8b\x08" if is_gzip else b"WARC/1."
    with Path(path).open("rb") as fh:
        pos = after + 1
        while True:
            fh.seek(pos)
            block = fh.read(window + 64)
            if len(block) < len(marker):
                return None
            found = block.find(marker)
            while found != -1:
                candidate = pos + found
                if _looks_like_record(fh, candidate, is_gzip):
                    return candidate
                found = block.find(marker, found + 1)
            pos += window


def _looks_like_record(fh: Any, offset: int, is_gzip: bool) -> bool:
    fh.seek(offset)
    head = fh.read(1 << 16)
    if not is_gzip:
        return head.startswith((b"WARC/1.0\r\n", b"WARC/1.1\r\n"))
    try:
        return zlib.decompressobj(31).decompress(head, 16).startswith(b"WARC/")
    except zlib.error:
        return False


def _record_id(record: ArcWarcRecord) -> str:
    return record.rec_headers.get_header("WARC-Record-ID") or "(no WARC-Record-ID)"
