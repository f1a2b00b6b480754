"""Write and read CDXJ indexes of WARC files, through cdxj-indexer.

We use cdxj-indexer's `CDXJIndexer` (what `cdxj-indexer -s -p` runs, and what py-wacz builds on)
rather than writing lines ourselves, so the index is the one pywb and the Webrecorder tools expect:
SURT keys, sorted, the fields pywb reads (url, mime, status, digest, length, offset, filename) and
POST/PUT requests folded into the key as pywb does (`__wb_method=post&<form fields>`), which is what
lets postback listing pages replay. What we add: a file that cannot be read is reported by name and
the others are still indexed; the index is written to a temporary file and renamed, so an existing
index is never left half-written; lines and files are counted for the summary.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from warcio.exceptions import ArchiveLoadFailed

from cdxj_indexer.main import CDXJIndexer

from archive.reader import iter_warc_paths
from moha_migrate.errors import ArchiveError

log = logging.getLogger(__name__)


@dataclass
class IndexResult:
    """What `write_index` did."""

    out: Path
    files: int = 0
    lines: int = 0
    bytes_in: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CdxjLine:
    """One parsed CDXJ line: SURT key, 14-digit timestamp and the JSON fields."""

    urlkey: str
    timestamp: str
    fields: dict[str, Any]

    @property
    def url(self) -> str:
        return str(self.fields.get("url", ""))

    @property
    def filename(self) -> str:
        return str(self.fields.get("filename", ""))

    @property
    def offset(self) -> int:
        return int(self.fields.get("offset", -1))

    @property
    def length(self) -> int:
        return int(self.fields.get("length", -1))

    @property
    def digest(self) -> str:
        return str(self.fields.get("digest", ""))

    @property
    def mime(self) -> str:
        return str(self.fields.get("mime", ""))

    @property
    def status(self) -> str:
        return str(self.fields.get("status", ""))

    @property
    def method(self) -> str:
        return str(self.fields.get("method", "GET"))

    @property
    def is_revisit(self) -> bool:
        return self.mime == "warc/revisit"


class _CountingWriter:
    """A text sink that counts the lines written through it (cdxj-indexer writes whole lines)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.lines = 0

    def write(self, line: str) -> int:
        self.lines += line.count("\n")
        return self.out.write(line)

    def flush(self) -> None:
        self.out.flush()


class _StopAtDamage:
    """Wrap warcio's record iterator: at unreadable bytes, note the file and offset and end cleanly.

    cdxj-indexer holds each record back until it has read the next one (to pair requests and
    responses), so letting the error escape would also lose the last good record before the damage.
    """

    def __init__(self, inner: Any, filename: str, problems: list[str]) -> None:
        self.inner = inner
        self.filename = filename
        self.problems = problems

    def get_record_offset(self) -> int:
        return int(self.inner.get_record_offset())

    def get_record_length(self) -> int:
        return int(self.inner.get_record_length())

    def __iter__(self) -> Iterator[Any]:
        try:
            yield from self.inner
        except (ArchiveLoadFailed, zlib.error, EOFError, ValueError, AttributeError, TypeError) as exc:
            # warcio trips over broken bytes with whatever its parser meets
            kind = type(exc).__name__
            problem = (f"{Path(self.filename).name}: not indexed past offset {self.inner.offset} "
                       f"(unreadable bytes there: {kind}); run `archive verify` for details")
            log.error("%s", problem)
            self.problems.append(problem)


# What `cdxj-indexer` indexes by default. py-wacz appends "warcinfo" to `CDXJIndexer.DEFAULT_RECORDS`
# when it is imported (a process-wide change), so we keep our own copy and our own filter.
INDEXED_RECORDS = ("response", "revisit", "resource", "metadata")


class _Indexer(CDXJIndexer):
    """cdxj-indexer's indexer, going on past bytes it cannot read and naming the file and offset."""

    def filter_record(self, record: Any) -> bool:
        if record.rec_type not in INDEXED_RECORDS:
            return False
        return not (record.rec_type in ("resource", "metadata")
                    and record.rec_headers.get_header("Content-Type") == "application/warc-fields")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.problems: list[str] = []
        self._current = ""

    def process_one(self, input_: Any, output: Any, filename: str) -> None:
        self._current = filename
        super().process_one(input_, output, filename)

    def _create_record_iter(self, input_: Any) -> Any:
        return _StopAtDamage(super()._create_record_iter(input_), self._current, self.problems)


def write_index(
    paths: Iterable[Path | str],
    out: Path,
    *,
    post_append: bool = True,
    dir_root: Path | None = None,
) -> IndexResult:
    """Index the WARC files (or directories of them) into `out`, a sorted CDXJ file.

    `post_append` folds POST/PUT bodies into the keys (cdxj-indexer `-p`); `dir_root` writes
    filenames relative to it instead of bare file names. Returns the counts; raises ArchiveError when
    an input is missing or `out` cannot be written.
    """
    warcs = iter_warc_paths(paths)
    out = Path(out)
    result = IndexResult(out=out, files=len(warcs), bytes_in=sum(p.stat().st_size for p in warcs))
    started = time.perf_counter()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".index-", suffix=".cdxj", dir=out.parent)
    except OSError as exc:
        raise ArchiveError(f"{out}: cannot write the index: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            counter = _CountingWriter(fh)
            indexer = _Indexer(
                counter,
                [str(p) for p in warcs],
                post_append=post_append,
                sort=True,
                dir_root=str(dir_root) if dir_root else None,
            )
            indexer.process_all()
        os.replace(tmp_name, out)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    result.lines = counter.lines
    result.problems = indexer.problems
    result.seconds = time.perf_counter() - started
    log.info("indexed %d WARC file(s), %d line(s) -> %s", result.files, result.lines, out)
    return result


def parse_cdxj_line(line: str) -> CdxjLine:
    """Split one CDXJ line; raises ArchiveError naming the line when it is not CDXJ."""
    try:
        urlkey, timestamp, rest = line.rstrip("\n").split(" ", 2)
        fields = json.loads(rest)
    except ValueError as exc:
        raise ArchiveError(f"not a CDXJ line: {line[:120]!r}") from exc
    if not isinstance(fields, dict):
        raise ArchiveError(f"not a CDXJ line (fields are not a JSON object): {line[:120]!r}")
    return CdxjLine(urlkey, timestamp, fields)


def iter_index(index: Path) -> Iterator[CdxjLine]:
    """Parse a CDXJ file line by line (a `!meta` header line is skipped); errors name file and line."""
    try:
        fh = Path(index).open(encoding="utf-8")
    except OSError as exc:
        raise ArchiveError(f"{index}: cannot read the index: {exc.strerror or exc}") from exc
    with fh:
        for number, line in enumerate(fh, 1):
            if not line.strip() or line.startswith("!"):
                continue
            try:
                yield parse_cdxj_line(line)
            except ArchiveError as exc:
                raise ArchiveError(f"{Path(index).name} line {number}: {exc}") from exc
