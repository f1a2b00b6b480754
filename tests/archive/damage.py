"""Make damaged copies of a WARC the way disks, transfers and tools damage them."""

from __future__ import annotations

import gzip
import random
import zlib
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator


def record_spans(path: Path) -> list[tuple[int, int, str, str]]:
    """(offset, length, WARC-Type, WARC-Record-ID) of every record, read with warcio."""
    spans = []
    with path.open("rb") as fh:
        it = ArchiveIterator(fh)
        for rec in it:
            rec.content_stream().read()
            spans.append((it.get_record_offset(), it.get_record_length(), rec.rec_type,
                          rec.rec_headers.get_header("WARC-Record-ID")))
    return spans


def flip_payload_byte(src: Path, dst: Path, *, record_index: int | None = None) -> tuple[int, str]:
    """Copy `src` with one byte of a response payload flipped; for .warc.gz the member is
    recompressed, so the file still decompresses cleanly and only the digests can tell.
    Returns (offset, record id) of the damaged record."""
    data = bytearray(src.read_bytes())
    spans = [s for s in record_spans(src) if s[2] == "response"]
    offset, length, _, rid = spans[record_index if record_index is not None else len(spans) // 2]
    member = bytes(data[offset : offset + length])
    gz = member[:2] == b"\x1f\x8b"
    raw = bytearray(gzip.decompress(member) if gz else member)
    start = raw.index(b"\r\n\r\n", raw.index(b"\r\n\r\n") + 4) + 4  # after WARC and HTTP headers
    end = len(raw) - 4  # the record's closing CRLF CRLF
    assert end > start, "the chosen response has an empty payload"
    pos = (start + end) // 2
    raw[pos] ^= 0x01
    if gz:
        comp = zlib.compressobj(6, zlib.DEFLATED, 31)
        new = comp.compress(bytes(raw)) + comp.flush()
    else:
        new = bytes(raw)
    dst.write_bytes(bytes(data[:offset]) + new + bytes(data[offset + length :]))
    return offset, rid


def cut_short(src: Path, dst: Path, nbytes: int) -> int:
    """Copy without its last `nbytes`; returns the offset of the record the cut falls in."""
    data = src.read_bytes()
    dst.write_bytes(data[:-nbytes])
    cut_at = len(data) - nbytes
    return max(off for off, _, _, _ in record_spans(src) if off < cut_at)


def append_garbage(src: Path, dst: Path, nbytes: int = 700, seed: int = 7) -> int:
    """Copy with random bytes appended; returns the original size (where the garbage starts)."""
    data = src.read_bytes()
    rng = random.Random(seed)
    dst.write_bytes(data + bytes(rng.randrange(256) for _ in range(nbytes)))
    return len(data)
