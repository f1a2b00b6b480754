"""The crawl log: one JSON line per fetch (or skipped link), flushed as written.

It is the crawl's own account of itself, for people and for `--resume`: every fetch with its time,
URL, status, size, payload digest, WARC file and offset, referrer and hop path (Heritrix's hop codes:
L link, E embed, R redirect, P prerequisite such as robots.txt, X form post). Kinds of line:
`fetch` (a record was written), `error` (no response: reset, timeout, refused), `skip` (a link not
followed: out of scope, trap, robots). Lines are written after the WARC records they describe are
flushed, so a line always points at bytes that exist.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

log = logging.getLogger(__name__)


class CrawlLog:
    """Append-only JSON-lines writer."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: IO[str] | None = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()

    def write(self, entry: dict[str, Any]) -> None:
        assert self._fh is not None
        self._fh.write(json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n")
        self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def iter_crawl_log(path: Path) -> Iterator[dict[str, Any]]:
    """Entries of a crawl log; an incomplete last line (a kill mid-write) is skipped with a warning."""
    if not path.exists():
        return
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, 1):
            if not raw.endswith(b"\n"):
                log.warning("%s line %d: incomplete last line ignored", path, number)
                return
            try:
                yield json.loads(raw)
            except ValueError:
                log.warning("%s line %d: not JSON, ignored", path, number)


def truncate_incomplete_tail(path: Path) -> int:
    """Cut an incomplete last line (no newline) off a JSON-lines file; return bytes removed."""
    if not path.exists():
        return 0
    size = path.stat().st_size
    if size == 0:
        return 0
    with open(path, "rb+") as fh:
        fh.seek(max(0, size - 1))
        if fh.read(1) == b"\n":
            return 0
        keep = 0
        fh.seek(0)
        pos = 0
        for line in fh:
            if line.endswith(b"\n"):
                keep = pos + len(line)
            pos += len(line)
        fh.truncate(keep)
        return size - keep
