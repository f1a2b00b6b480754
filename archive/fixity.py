"""Check the fixity and structure of WARC files, and that an index points at real records.

warcio parses the records and verifies block and payload digests (`check_digests=True`, what
`warcio check` does); `archive.warcfile.WarcFile` adds what warcio lets pass (a `.warc.gz` cut
short, garbage after the last record, an empty or foreign file). On top of that this module checks
what only the whole set can show: each response/revisit has its request and each request its
response (WARC-Concurrent-To, either direction, across files), every file has a warcinfo record,
record ids are unique, every revisit's original is in the set, and, given a CDXJ index, that each
line names a real record with the same URL, digest and length, and that no record is missing from it.

Every problem is collected (file, offset, record id, what) and the scan goes on: past a bad record
to the next one, and past a damaged file to the next file.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from warcio.recordloader import ArcWarcRecord

from archive.index import iter_index
from archive.reader import iter_warc_paths
from archive.warcfile import WarcDamaged, WarcFile, find_next_record
from moha_migrate.errors import ArchiveError

log = logging.getLogger(__name__)

HTTP_TYPES = ("response", "revisit", "request")
INDEXED_TYPES = ("response", "revisit")
_DRAIN = 1 << 16


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong, located: file, byte offset and record id when known."""

    file: str
    offset: int | None
    record_id: str | None
    kind: str
    what: str

    def line(self) -> str:
        where = self.file if self.offset is None else f"{self.file}@{self.offset}"
        rid = f" {self.record_id}" if self.record_id else ""
        return f"{where}{rid}: {self.kind}: {self.what}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class _Seen:
    """The small facts about one record kept for the set-wide checks."""

    file: str
    offset: int
    length: int
    rtype: str
    url: str
    digest: str
    concurrent_to: tuple[str, ...]
    refers_to: str


@dataclass
class VerifyResult:
    """The verdict on a set of WARCs (and optionally an index)."""

    files: int = 0
    records: int = 0
    bytes_checked: int = 0
    digests_checked: int = 0
    index_lines: int = 0
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_warcs(paths: Iterable[Path | str], *, index: Path | None = None) -> VerifyResult:
    """Check every record of the WARC files; with `index`, check the CDXJ index against them.

    Returns every problem found; raises ArchiveError only when an input path does not exist or the
    index cannot be read at all.
    """
    started = time.perf_counter()
    warcs = iter_warc_paths(paths)
    result = VerifyResult(files=len(warcs))
    seen: dict[str, _Seen] = {}
    by_location: dict[tuple[str, int], str] = {}
    for path in warcs:
        result.bytes_checked += path.stat().st_size
        _verify_file(path, result, seen, by_location)
    _check_pairs(seen, result)
    _check_revisits(seen, result)
    if index is not None:
        _check_index(Path(index), warcs, seen, by_location, result)
    result.seconds = time.perf_counter() - started
    log.info("verified %d file(s), %d record(s): %d problem(s)", result.files, result.records, len(result.problems))
    return result


def _verify_file(path: Path, result: VerifyResult, seen: dict[str, _Seen],
                 by_location: dict[tuple[str, int], str]) -> None:
    """Check one file; after damage, go on from the next record that can be read."""
    name = path.name
    counts = {"warcinfo": 0, "records": 0}
    before = len(result.problems)

    def problem(offset: int | None, rid: str | None, kind: str, what: str) -> None:
        p = Problem(name, offset, rid, kind, what)
        log.warning("%s", p.line())
        result.problems.append(p)

    start: int | None = 0
    while start is not None:
        damage = _verify_from(path, start, result, seen, by_location, counts, problem)
        if damage is None:
            break
        problem(damage.offset, None, "damaged", damage.reason)
        # always move forward: damage reported before `start` must not send the check back to it
        start = find_next_record(path, max(damage.offset, start), is_gzip=damage.is_gzip)
        if start is not None:
            problem(damage.offset, None, "damaged", f"skipped {start - damage.offset} byte(s); checking on from {start}")
    if counts["warcinfo"] == 0 and counts["records"]:
        problem(None, None, "no-warcinfo", "no warcinfo record in this file")
    found = len(result.problems) - before
    log.info("%s: %d record(s), %s", name, counts["records"], f"{found} problem(s)" if found else "OK")


@dataclass(frozen=True, slots=True)
class _Damage:
    offset: int
    reason: str
    is_gzip: bool


def _verify_from(path: Path, start: int, result: VerifyResult, seen: dict[str, _Seen],
                 by_location: dict[tuple[str, int], str], counts: dict[str, int], problem: Any) -> _Damage | None:
    """Check the records of `path` from byte `start`; return the damage that stopped it, if any."""
    warc = WarcFile(path, check_digests=True, start=start)
    name = path.name
    try:
        for record in warc:
            try:
                _drain(record)
                offset, length = warc.offset(), warc.length()
            except WarcDamaged:
                raise
            except Exception as exc:  # noqa: BLE001 - warcio failing inside a block means damage here
                raise WarcDamaged(path, warc.last_end, f"record unreadable: {type(exc).__name__}: {exc}") from exc
            result.records += 1
            counts["records"] += 1
            h = record.rec_headers
            rid = h.get_header("WARC-Record-ID")
            rtype = record.rec_type
            for text in record.digest_checker.problems:
                problem(offset, rid, "digest", text)
            if record.digest_checker.passed is not None:
                result.digests_checked += 1
            if rtype == "warcinfo":
                counts["warcinfo"] += 1
            if not rid:
                problem(offset, None, "header", "no WARC-Record-ID")
                continue
            _check_headers(record, lambda kind, what: problem(offset, rid, kind, what))
            if rid in seen:
                first = seen[rid]
                problem(offset, rid, "duplicate-id", f"record id also used at {first.file}@{first.offset}")
                continue
            seen[rid] = _Seen(
                file=name, offset=offset, length=length, rtype=rtype,
                url=h.get_header("WARC-Target-URI") or "",
                digest=h.get_header("WARC-Payload-Digest") or "",
                concurrent_to=tuple(v for k, v in h.headers if k.lower() == "warc-concurrent-to"),
                refers_to=h.get_header("WARC-Refers-To") or "",
            )
            by_location[(name, offset)] = rid
    except WarcDamaged as exc:
        return _Damage(exc.offset, exc.reason, warc.is_gzip)
    except ArchiveError as exc:
        problem(None, None, "unreadable", str(exc))
    return None


def _drain(record: ArcWarcRecord) -> None:
    """Read the whole block so warcio's digest checker sees every byte."""
    stream = record.raw_stream
    while stream.read(_DRAIN):
        pass


def _check_headers(record: ArcWarcRecord, problem: Any) -> None:
    h = record.rec_headers
    date = h.get_header("WARC-Date")
    if not date:
        problem("header", "no WARC-Date")
    else:
        try:
            datetime.fromisoformat(date.replace("Z", "+00:00"))
        except ValueError:
            problem("header", f"WARC-Date {date!r} is not an ISO 8601 date")
    if record.rec_type in HTTP_TYPES:
        if not h.get_header("WARC-Target-URI"):
            problem("header", f"{record.rec_type} record without WARC-Target-URI")
        if record.rec_type != "revisit" and record.http_headers is None and record.length:
            problem("http", f"{record.rec_type} block does not start with an HTTP message")


def _check_pairs(seen: dict[str, _Seen], result: VerifyResult) -> None:
    """Every response/revisit has a request and every request a response (WARC-Concurrent-To)."""
    paired: set[str] = set()
    for rid, rec in seen.items():
        for other in rec.concurrent_to:
            target = seen.get(other)
            if target is None:
                continue
            kinds = {rec.rtype, target.rtype}
            if "request" in kinds and kinds & {"response", "revisit"}:
                paired.update((rid, other))
                if target.url != rec.url:
                    result.problems.append(Problem(
                        rec.file, rec.offset, rid, "pair",
                        f"WARC-Concurrent-To {other} is for {target.url!r}, not {rec.url!r}"))
    for rid, rec in seen.items():
        if rec.rtype in ("response", "revisit", "request") and rid not in paired:
            want = "request" if rec.rtype != "request" else "response"
            result.problems.append(Problem(
                rec.file, rec.offset, rid, "pair",
                f"{rec.rtype} for {rec.url} has no {want} record (WARC-Concurrent-To)"))


def _check_revisits(seen: dict[str, _Seen], result: VerifyResult) -> None:
    """A revisit is only as good as its original: it must be in the set."""
    digests = {(r.url, r.digest) for r in seen.values() if r.rtype == "response"}
    any_digest = {r.digest for r in seen.values() if r.rtype == "response"}
    for rid, rec in seen.items():
        if rec.rtype != "revisit":
            continue
        if rec.refers_to and rec.refers_to in seen:
            continue
        if (rec.url, rec.digest) in digests or rec.digest in any_digest:
            continue
        result.problems.append(Problem(
            rec.file, rec.offset, rid, "revisit",
            f"revisit of {rec.url} ({rec.digest}): its original response is in none of the files"))


def _check_index(index: Path, warcs: list[Path], seen: dict[str, _Seen],
                 by_location: dict[tuple[str, int], str], result: VerifyResult) -> None:
    """Each index line names a real record (file, offset, length, URL, digest); each record is indexed."""
    names = {p.name for p in warcs}
    indexed: set[str] = set()
    previous: tuple[str, str] | None = None
    unsorted = False
    for number, line in enumerate(iter_index(index), 1):
        result.index_lines += 1
        where = f"{index.name} line {number}"
        if previous is not None and (line.urlkey, line.timestamp) < previous and not unsorted:
            unsorted = True  # reported once: pywb binary-searches the index, so it must be sorted
            result.problems.append(Problem(index.name, None, None, "index",
                                           f"{where}: not sorted (key {line.urlkey!r} after {previous[0]!r}); "
                                           "pywb will miss captures; rebuild it with `archive index`"))
        previous = (line.urlkey, line.timestamp)
        fname = Path(line.filename).name
        if fname not in names:
            result.problems.append(Problem(index.name, None, None, "index",
                                           f"{where}: {line.url} points into {line.filename!r}, not among the WARCs"))
            continue
        rid = by_location.get((fname, line.offset))
        if rid is None:
            result.problems.append(Problem(index.name, None, None, "index",
                                           f"{where}: {line.url} points at {fname}@{line.offset}, where no record starts"))
            continue
        rec = seen[rid]
        indexed.add(rid)
        for label, ours, theirs in (("URL", rec.url, line.url), ("digest", rec.digest, line.digest),
                                    ("length", str(rec.length), str(line.length))):
            # cdxj-indexer computes a digest for a record stored without one: compare only stated ones
            if theirs and ours and ours != theirs:
                result.problems.append(Problem(
                    index.name, None, rid, "index",
                    f"{where}: {label} {theirs!r} but the record at {fname}@{line.offset} has {ours!r}"))
    for rid, rec in seen.items():
        if rec.rtype in INDEXED_TYPES and rid not in indexed:
            result.problems.append(Problem(rec.file, rec.offset, rid, "index",
                                           f"{rec.rtype} for {rec.url} is not in {index.name}"))
