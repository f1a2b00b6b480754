"""Payload-digest deduplication: the first capture of a payload is a response, later ones revisits.

The index maps a WARC-Payload-Digest to the capture holding the bytes (target URI, WARC-Date,
record id): what WARC/1.1's identical-payload-digest revisit profile must point at with
`WARC-Refers-To-Target-URI`, `WARC-Refers-To-Date` and `WARC-Refers-To`. It is rebuilt from crawl
logs (this crawl's on `--resume`, a previous crawl's for an incremental recrawl); with `--redis` it
lives in Redis so workers share it (first writer wins, `HSETNX`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

# Payloads smaller than this are not worth a revisit (empty bodies, tiny redirects' bodies).
MIN_DEDUP_BYTES = 1


@dataclass(frozen=True, slots=True)
class Original:
    """The capture a revisit refers to."""

    uri: str
    date: str
    record_id: str

    def as_json(self) -> str:
        return json.dumps([self.uri, self.date, self.record_id])

    @classmethod
    def from_json(cls, text: str | bytes) -> Original:
        uri, date, record_id = json.loads(text)
        return cls(uri, date, record_id)


class DigestIndex:
    """In-memory digest -> Original (a few hundred bytes per distinct payload)."""

    def __init__(self) -> None:
        self._map: dict[str, Original] = {}

    def claim(self, digest: str, original: Original) -> Original | None:
        """Register `original` for `digest` unless one exists; return the existing one (-> revisit)."""
        found = self._map.get(digest)
        if found is None:
            self._map[digest] = original
        return found

    def add(self, digest: str, original: Original) -> None:
        self._map.setdefault(digest, original)

    def __len__(self) -> int:
        return len(self._map)

    def load_crawl_log(self, entries: Iterable[dict[str, Any]]) -> int:
        """Add every response record of a crawl log; return how many were new."""
        before = len(self)
        for e in entries:
            if e.get("kind") == "fetch" and e.get("type") == "response" and e.get("digest") and e.get("size"):
                self.add(e["digest"], Original(e["url"], e["warc_date"], e["record_id"]))
        return len(self) - before


class RedisDigestIndex(DigestIndex):
    """The same index in a Redis hash shared by every worker of a crawl."""

    def __init__(self, server: Any, key: str) -> None:
        super().__init__()
        self.server = server
        self.key = key

    def claim(self, digest: str, original: Original) -> Original | None:
        if self.server.hsetnx(self.key, digest, original.as_json()):
            return None
        found = self.server.hget(self.key, digest)
        return Original.from_json(found) if found else None

    def add(self, digest: str, original: Original) -> None:
        self.server.hsetnx(self.key, digest, original.as_json())

    def __len__(self) -> int:
        return int(self.server.hlen(self.key))
