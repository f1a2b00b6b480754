"""Read one captured payload back from a WARC (for `--resume` and incremental recrawls).

The crawler needs a page's body again in two cases: a page captured just before a crash but never
parsed, and an unchanged page answered with 304 in an incremental recrawl, whose links must still be
followed. Both know the record's file and offset from a crawl log, so this reads exactly one record
with warcio, which undoes chunked transfer coding and gzip/deflate content coding.
"""

from __future__ import annotations

from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from moha_migrate.errors import ArchiveError


def read_payload(path: Path, offset: int) -> tuple[bytes, list[tuple[str, str]]]:
    """(decoded payload, HTTP headers) of the response record at `offset` of `path`."""
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            record = next(iter(ArchiveIterator(fh)), None)
            if record is None or record.rec_type not in ("response", "revisit"):
                raise ArchiveError(f"{path.name}@{offset}: no response record there")
            headers = list(record.http_headers.headers) if record.http_headers else []
            return record.content_stream().read(), headers
    except (OSError, ArchiveLoadFailed) as exc:
        raise ArchiveError(f"{path.name}@{offset}: cannot read the captured payload: {exc}") from exc
