"""Find the capture of a URL closest to a time, and hand out its payload (or the record as stored).

Lookups go through a CDXJ index, as pywb's do: the one given, else `index.cdxj` in the directory
given, else one built on the fly with `archive.index.write_index`. A URL matches a line by SURT key
(cdxj-indexer's own key function, so `www.` and parameter order fold the same way) or, failing
that, by the URL text after unquoting and NFC, so a raw Vietnamese file name and its
percent-encoded form find the same capture. POST captures are keyed apart (`__wb_method=post`) and
are not returned for a plain URL. A revisit resolves to the response holding its payload: the line
with the same digest, preferring the same URL and the nearest time.
"""

from __future__ import annotations

import io
import logging
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from cdxj_indexer.main import CDXJIndexer
from cdxj_indexer.postquery import append_method_query

from archive.index import CdxjLine, iter_index, write_index
from archive.reader import CapturedResponse, iter_warc_paths, read_record_bytes, read_response_at
from moha_migrate.errors import ArchiveError
from moha_migrate.urls import comparable

log = logging.getLogger(__name__)

_DIGITS = re.compile(r"^\d{4,14}$")


@dataclass(frozen=True, slots=True)
class Capture:
    """A chosen index line with the WARC file it points into (and its original, for a revisit)."""

    line: CdxjLine
    path: Path
    original: tuple[CdxjLine, Path] | None = None


def parse_at(value: str) -> datetime:
    """`--at`: a 4-14 digit WARC timestamp prefix (20150815, 201508150725) or ISO 8601 (UTC if no zone)."""
    text = value.strip()
    if _DIGITS.match(text):
        padded = text + "0101000000"[len(text) - 4 :] if len(text) < 14 else text
        try:
            return datetime.strptime(padded[:14], "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)
        except ValueError as exc:
            raise ArchiveError(f"--at {value!r}: not a valid timestamp") from exc
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ArchiveError(f"--at {value!r}: use YYYYMMDDhhmmss (a prefix is fine) or ISO 8601") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def url_key(url: str) -> str:
    """The SURT key cdxj-indexer (and so pywb) files a URL under."""
    return str(CDXJIndexer.get_url_key(None, url))  # type: ignore[arg-type]


def _form_query(url: str, post_data: bytes) -> str:
    query, _ = append_method_query("POST", "application/x-www-form-urlencoded", len(post_data),
                                   io.BytesIO(post_data), url)
    return str(query)


def post_key(url: str, post_data: bytes) -> str:
    """The SURT key cdxj-indexer `-p` files a form POST under (`__wb_method=post` + the fields)."""
    _, suffix = append_method_query("POST", "application/x-www-form-urlencoded", len(post_data),
                                    io.BytesIO(post_data), url)
    return url_key(url + suffix)


def _ts(line: CdxjLine) -> datetime:
    return datetime.strptime(line.timestamp[:14].ljust(14, "0"), "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)


class CaptureFinder:
    """Look captures up in one index over one set of WARC files."""

    def __init__(self, warcs: Iterable[Path | str], index: Path | None = None) -> None:
        self.warcs = iter_warc_paths(warcs)
        self._by_name = {p.name: p for p in self.warcs}
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if index is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="moha-lookup-")
            index = Path(self._tmp.name) / "index.cdxj"
            write_index(self.warcs, index)
        self.index = Path(index)

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> CaptureFinder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _path(self, line: CdxjLine) -> Path:
        name = Path(line.filename).name
        if name not in self._by_name:
            raise ArchiveError(
                f"{self.index.name}: {line.url} points into {line.filename!r}, which is not among the WARC files"
            )
        return self._by_name[name]

    def captures(self, url: str, post_data: bytes | None = None) -> list[CdxjLine]:
        """Every GET capture of `url` in the index, oldest first; with `post_data` (a form body as
        sent), the POST captures of that form instead, matched as pywb does (form fields in the key)."""
        wanted = comparable(url)
        if post_data is not None:
            key = post_key(url, post_data)
            found = [line for line in iter_index(self.index)
                     if line.method.upper() == "POST" and (line.urlkey == key or (
                         comparable(line.url) == wanted and line.fields.get("requestBody") == _form_query(url, post_data)))]
        else:
            key = url_key(url)
            found = [
                line for line in iter_index(self.index)
                if line.method.upper() not in ("POST", "PUT")
                and (line.urlkey == key or comparable(line.url) == wanted)
            ]
        return sorted(found, key=lambda line: line.timestamp)

    def closest(self, url: str, at: datetime | None = None, post_data: bytes | None = None) -> Capture:
        """The capture nearest `at` (the latest when None); raises ArchiveError when there is none."""
        lines = self.captures(url, post_data)
        if not lines:
            what = "a POST of that form" if post_data is not None else "captured"
            raise ArchiveError(f"{url}: not {what} in {len(self.warcs)} WARC file(s) (index {self.index})")
        line = lines[-1] if at is None else min(lines, key=lambda ln: (abs((_ts(ln) - at).total_seconds()), ln.timestamp))
        original = self._original(line) if line.is_revisit else None
        return Capture(line=line, path=self._path(line), original=original)

    def _original(self, revisit: CdxjLine) -> tuple[CdxjLine, Path]:
        candidates = [
            line for line in iter_index(self.index)
            if not line.is_revisit and line.digest == revisit.digest and line.digest
        ]
        if not candidates:
            raise ArchiveError(
                f"{revisit.url}: the capture at {revisit.timestamp} is a revisit of {revisit.digest}, "
                "whose original response is in none of the WARC files"
            )
        when = _ts(revisit)
        best = min(candidates, key=lambda ln: (ln.url != revisit.url, abs((_ts(ln) - when).total_seconds())))
        return best, self._path(best)

    def payload(self, capture: Capture) -> CapturedResponse:
        """The capture's response with its payload decoded (a revisit's from its original)."""
        original = (capture.original[1], capture.original[0].offset) if capture.original else None
        return read_response_at(capture.path, capture.line.offset, original=original, max_body_bytes=1 << 62)

    def raw(self, capture: Capture) -> bytes:
        """The capture's WARC record exactly as stored (decompressed from its gzip member)."""
        return read_record_bytes(capture.path, capture.line.offset, capture.line.length)


def find_index_near(source: Path, warcs: list[Path]) -> Path | None:
    """`index.cdxj` in a work or WARC directory (or up to two levels above), when there is one newer
    than every WARC file (an older one may miss captures, so it is not used)."""
    base = source if source.is_dir() else source.parent
    newest = max((p.stat().st_mtime for p in warcs), default=0.0)
    for candidate in (base / "index.cdxj", base.parent / "index.cdxj", base.parent.parent / "index.cdxj"):
        if candidate.is_file():
            if candidate.stat().st_mtime >= newest:
                return candidate
            log.info("%s is older than the WARC files; indexing them afresh", candidate)
    return None
