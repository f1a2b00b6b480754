"""Reading a crawl directory back in tests: crawl-log entries, raw record blocks, all WARC records."""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator


def log_entries(crawl_dir: Path, kind: str | None = None) -> list[dict[str, Any]]:
    with open(crawl_dir / "crawl.log", encoding="utf-8") as fh:
        entries = [json.loads(line) for line in fh]
    return [e for e in entries if kind is None or e["kind"] == kind]


def raw_block(crawl_dir: Path, entry: dict[str, Any]) -> bytes:
    """The record block (HTTP head + body as stored) of the record a crawl-log entry points at."""
    data = (crawl_dir / "warc" / entry["warc"]).read_bytes()[entry["offset"]:]
    record = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(data)
    _, _, block = record.partition(b"\r\n\r\n")
    assert block.endswith(b"\r\n\r\n")
    return block[:-4]


def warc_records(crawl_dir: Path) -> list[dict[str, Any]]:
    """Every record of every WARC: type, URI, headers, decoded payload (content_stream)."""
    out = []
    for path in sorted((crawl_dir / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                out.append({
                    "type": record.rec_type,
                    "uri": record.rec_headers.get_header("WARC-Target-URI"),
                    "headers": dict(record.rec_headers.headers),
                    "http": record.http_headers,
                    "payload": record.content_stream().read() if record.rec_type != "warcinfo" else b"",
                    "file": path.name,
                })
    return out
