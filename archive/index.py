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

import heapq
import json
import logging
import multiprocessing
import os
import tempfile
import threading
import time
import zlib
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from warcio.exceptions import ArchiveLoadFailed

from cdxj_indexer.bufferiter import buffer_record_content, concur_req_resp, join_req_resp
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
        """cdxj-indexer's `process_one`, with a pairing pass that decodes only what it needs."""
        self._current = filename
        self.curr_filename = self.force_filename or self._resolve_rel_path(filename)
        it = self._create_record_iter(input_)
        self._write_header(output, filename)
        records = _pairing_iter(it, self.post_append, self.get_url_key) if self.collect_records else it
        for record in records:
            if not self.include_records or self.filter_record(record):
                self.process_index_entry(it, record, filename, output)

    def _create_record_iter(self, input_: Any) -> Any:
        return _StopAtDamage(super()._create_record_iter(input_), self._current, self.problems)


def _pairing_iter(record_iter: Any, post_append: bool, url_key: Any) -> Iterator[Any]:
    """cdxj-indexer's `buffering_record_iter` (pair each request with its response and fold POST
    bodies into the key), without decoding every payload into a temporary file first.

    The original spools every record's decoded payload (gunzip, de-chunk) only so that the request
    bodies are at hand; the index lines need just the request body, the headers and the record's
    offset and length. So only POST/PUT requests (and records whose payload digest must be computed)
    are buffered; the others are skipped over as stored. The lines are the same.
    """
    prev = None
    for record in record_iter:
        if _needs_buffer(record):
            buffer_record_content(record)
        else:
            record.buffered_stream = None
        record.file_offset = record_iter.get_record_offset()
        record.file_length = record_iter.get_record_length()
        req, resp = concur_req_resp(prev, record)
        if not req or not resp:
            if prev is not None:
                yield prev
                _close(prev)
            prev = record
            continue
        join_req_resp(req, resp, post_append, url_key)
        yield prev
        _close(prev)
        yield record
        _close(record)
        prev = None
    if prev is not None:
        yield prev
        _close(prev)


def _needs_buffer(record: Any) -> bool:
    """Only a POST/PUT request's body goes into the key; only a record without a stated payload
    digest needs its payload read to compute one."""
    if record.rec_type == "request":
        method = record.http_headers.protocol.upper() if record.http_headers is not None else ""
        return method in ("POST", "PUT")
    return not record.rec_headers.get_header("WARC-Payload-Digest")


def _close(record: Any) -> None:
    if record.buffered_stream is not None:
        record.buffered_stream.close()


PARALLEL_MIN_BYTES = 32 * 1024 * 1024


def default_jobs(files: int) -> int:
    """Worker processes for indexing `files` WARC files: one per idle core (cores minus the load
    average: on a busy machine extra workers only compete), at most one per file, at most 4."""
    cores = os.cpu_count() or 1
    try:
        idle = cores - int(os.getloadavg()[0])
    except OSError:
        idle = cores
    return max(1, min(idle, files, 4))


def write_index(
    paths: Iterable[Path | str],
    out: Path,
    *,
    post_append: bool = True,
    dir_root: Path | None = None,
    jobs: int | None = None,
) -> IndexResult:
    """Index the WARC files (or directories of them) into `out`, a sorted CDXJ file.

    `post_append` folds POST/PUT bodies into the keys (cdxj-indexer `-p`); `dir_root` writes
    filenames relative to it instead of bare file names; `jobs` worker processes index files side by
    side (default: one per idle core once the WARCs reach 32 MB, in a single-threaded process), each into a sorted part that is then merged, so the lines are the
    ones one `cdxj-indexer -s` run writes. Returns the counts; raises ArchiveError when an input is
    missing or `out` cannot be written (an existing `out` is then left as it was).
    """
    warcs = iter_warc_paths(paths)
    out = Path(out)
    result = IndexResult(out=out, files=len(warcs), bytes_in=sum(p.stat().st_size for p in warcs))
    if jobs is None:
        # Worker processes pay off only once there is real work to share, and are forked only from a
        # single-threaded process (a fork copies no other thread, so their locks could stay held).
        big = result.bytes_in >= PARALLEL_MIN_BYTES
        jobs = default_jobs(len(warcs)) if big and threading.active_count() == 1 else 1
    jobs = max(1, min(jobs, len(warcs) or 1))
    started = time.perf_counter()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".index-", suffix=".cdxj", dir=out.parent)
    except OSError as exc:
        raise ArchiveError(f"{out}: cannot write the index: {exc.strerror or exc}") from exc
    root = str(dir_root) if dir_root else None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            counter = _CountingWriter(fh)
            if jobs == 1:
                indexer = _Indexer(counter, [str(p) for p in warcs], post_append=post_append, sort=True, dir_root=root)
                indexer.process_all()
                result.problems = indexer.problems
            else:
                result.problems = _index_in_parallel(warcs, counter, post_append, root, jobs, out.parent)
        os.replace(tmp_name, out)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    result.lines = counter.lines
    result.seconds = time.perf_counter() - started
    log.info("indexed %d WARC file(s) with %d job(s), %d line(s) -> %s", result.files, jobs, result.lines, out)
    return result


def _index_part(warc: str, part: str, post_append: bool, dir_root: str | None) -> list[str]:
    """Worker: one WARC file into one sorted CDXJ part; returns the problems met."""
    with open(part, "w", encoding="utf-8", newline="\n") as fh:
        indexer = _Indexer(fh, [warc], post_append=post_append, sort=True, dir_root=dir_root)
        indexer.process_all()
    return indexer.problems


def _index_in_parallel(warcs: list[Path], out: _CountingWriter, post_append: bool, dir_root: str | None,
                       jobs: int, tmp_dir: Path) -> list[str]:
    """Index each file in a worker process, then merge the sorted parts (identical lines once,
    as cdxj-indexer's SortingWriter does)."""
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix=".index-parts-", dir=tmp_dir) as parts_dir:
        parts = [str(Path(parts_dir) / f"{n:06d}.cdxj") for n in range(len(warcs))]
        # fork: the workers need nothing but this module, already loaded
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            futures = [pool.submit(_index_part, str(w), part, post_append, dir_root) for w, part in zip(warcs, parts)]
            for future in futures:
                problems.extend(future.result())
        handles = [open(part, encoding="utf-8") for part in parts]
        try:
            last = None
            for line in heapq.merge(*handles):
                if line != last:
                    out.write(line)
                last = line
        finally:
            for handle in handles:
                handle.close()
    return problems


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
