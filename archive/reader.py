"""Read captured HTTP responses out of WARC files: the one place every later stage reads WARCs.

`iter_responses` streams `CapturedResponse` objects in file order with the payload decoded
(chunked transfer coding and gzip/deflate/br content coding undone by warcio's `content_stream`),
the request's method and body attached (POST postbacks), and revisit records resolved to the
payload of the response they point at. Memory stays flat: one record is held at a time, and the
keys for resolving revisits (record id / payload digest -> file and offset) are kept in a temporary
SQLite table with a small page cache. Damage that warcio lets pass is detected by
`archive.warcfile.WarcFile`.

Requests and responses are paired by WARC-Concurrent-To in either direction and in either order
(warcio's `capture_http` writes the response first, most crawlers the request first): a response is
yielded only after the next record has been read, and the last few requests are remembered.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord

from archive.warcfile import WarcDamaged, WarcFile
from moha_migrate.errors import ArchiveError
from moha_migrate.scratch import open_scratch

log = logging.getLogger(__name__)

DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024
HEAD_BYTES = 4096
READ_CHUNK = 1 << 16
WARC_SUFFIXES = (".warc", ".warc.gz")
_RECENT_REQUESTS = 64
_CHARSET = re.compile(r"""charset\s*=\s*["']?([^"';\s]+)""", re.IGNORECASE)


@dataclass(slots=True)
class CapturedResponse:
    """One captured HTTP response, payload decoded; a revisit carries its original's payload.

    `headers` are as recorded, each line decoded as warcio does: UTF-8 when it is valid UTF-8 (raw
    UTF-8 file names in `Location`/`Content-Disposition`, as IIS sent them), else Latin-1, so
    `value.encode("latin-1")` gives back the exact bytes of a line in a legacy 8-bit charset.
    """

    url: str
    method: str
    status: int
    reason: str
    headers: list[tuple[str, str]]
    content_type: str
    charset: str | None
    body: bytes | None
    sha256: str
    size: int
    head: bytes
    warc_file: str
    offset: int
    record_id: str
    payload_digest: str
    captured_at: datetime
    revisit_of: str | None = None
    request_body: bytes | None = None

    def header(self, name: str) -> str | None:
        """The first value of an HTTP header (case-insensitive), or None."""
        lname = name.lower()
        return next((v for k, v in self.headers if k.lower() == lname), None)


@dataclass(slots=True)
class _Payload:
    body: bytes | None
    sha256: str
    size: int
    head: bytes


@dataclass(slots=True)
class _Request:
    record_id: str
    concurrent_to: tuple[str, ...]
    method: str
    body: bytes | None


@dataclass(slots=True)
class _Located:
    path: Path
    offset: int
    record_id: str
    payload_digest: str


_INDEX_SCHEMA = """
CREATE TABLE located (id INTEGER PRIMARY KEY, record_id TEXT NOT NULL, payload_digest TEXT NOT NULL,
                      url TEXT NOT NULL, file INTEGER NOT NULL, offset INTEGER NOT NULL);
CREATE INDEX located_id ON located (record_id);
CREATE INDEX located_url_digest ON located (url, payload_digest);
CREATE INDEX located_digest ON located (payload_digest);
"""
_INDEX_CACHE_KIB = 256
"""SQLite page cache of the revisit index: what it may hold in memory before pages go to its file."""


class _Index:
    """Where each response's payload lives, by record id, by (URL, payload digest) and by payload
    digest, so that a revisit can be resolved to its original's payload.

    The keys go to a private temporary SQLite database, not to dicts: SQLite keeps its pages in
    memory up to a small cache and spills the rest to an unnamed file in its temporary directory
    (deleted on close), so the index costs the same memory for 2,000 responses or 2,000,000 (dicts
    of the same keys took about 0.4 KB a response, the reader's share of transform's growth).
    """

    def __init__(self) -> None:
        # private to one iter_responses generator, used by one consumer at a time
        self._db = open_scratch(_INDEX_CACHE_KIB, check_same_thread=False)
        self._db.executescript(_INDEX_SCHEMA)
        self._db.execute("BEGIN")  # one transaction for the whole read: nothing needs to survive it
        self._paths: list[Path] = []
        self._path_ids: dict[Path, int] = {}

    def close(self) -> None:
        self._db.close()

    def add(self, loc: _Located, url: str) -> None:
        file = self._path_ids.get(loc.path)
        if file is None:
            file = self._path_ids[loc.path] = len(self._paths)
            self._paths.append(loc.path)
        self._db.execute(
            "INSERT INTO located (record_id, payload_digest, url, file, offset) VALUES (?, ?, ?, ?, ?)",
            (loc.record_id, loc.payload_digest, url, file, loc.offset),
        )

    def find(self, record: ArcWarcRecord) -> _Located | None:
        """The original of a revisit: the response its WARC-Refers-To names (the last one of that
        id), else the first response of its URL with its payload digest, else the first response
        with its payload digest."""
        h = record.rec_headers
        refers_to = h.get_header("WARC-Refers-To")
        if refers_to:
            found = self._one("WHERE record_id = ? ORDER BY id DESC", (refers_to,))
            if found is not None:
                return found
        digest = h.get_header("WARC-Payload-Digest") or ""
        if not digest:
            return None
        target = h.get_header("WARC-Refers-To-Target-URI") or h.get_header("WARC-Target-URI") or ""
        return self._one("WHERE url = ? AND payload_digest = ? ORDER BY id", (target, digest)) or self._one(
            "WHERE payload_digest = ? ORDER BY id", (digest,)
        )

    def _one(self, where: str, params: tuple[str, ...]) -> _Located | None:
        row = self._db.execute(f"SELECT file, offset, record_id, payload_digest FROM located {where} LIMIT 1", params).fetchone()
        if row is None:
            return None
        return _Located(self._paths[row[0]], row[1], row[2], row[3])


def iter_warc_paths(paths: Iterable[Path | str]) -> list[Path]:
    """Expand files and directories to WARC files (`*.warc`, `*.warc.gz`), sorted; raise ArchiveError
    naming a path that does not exist or a directory holding no WARC."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(WARC_SUFFIXES))
            if not found:
                raise ArchiveError(f"{path}: no *.warc or *.warc.gz files in this directory")
            out.extend(found)
        elif path.is_file():
            out.append(path)
        else:
            raise ArchiveError(f"{path}: no such file or directory")
    return sorted(dict.fromkeys(out))


def iter_responses(
    paths: Iterable[Path | str],
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    on_error: Callable[[ArchiveError], None] | None = None,
    wants_body: Callable[[str], bool] | None = None,
) -> Iterator[CapturedResponse]:
    """Yield every response (and resolved revisit) of the WARCs, in file order.

    A damaged file yields every record before the damage, then raises `ArchiveError` naming the file
    and offset, or, when `on_error` is given, passes the error to it and goes on with the next file.
    A revisit whose original comes later is yielded after the last file; one whose original is in
    none of the files is logged and skipped. `body` is None when the payload exceeds `max_body_bytes`
    or when `wants_body(url)` is False (its sha256, size and head are still there): a caller that
    only digests some responses (media files of up to `max_body_bytes`) says so, and their bytes
    are streamed through the digest instead of being held.
    """
    limit = _BodyLimit(max_body_bytes, wants_body)
    index = _Index()
    try:
        yield from _iter_indexed(paths, index, limit, on_error)
    finally:
        index.close()


def _iter_indexed(
    paths: Iterable[Path | str], index: _Index, limit: _BodyLimit, on_error: Callable[[ArchiveError], None] | None
) -> Iterator[CapturedResponse]:
    deferred: list[tuple[Path, int]] = []
    for path in iter_warc_paths(paths):
        try:
            yield from _iter_file(path, index, deferred, limit)
        except ArchiveError as exc:
            if on_error is None:
                raise
            log.error("%s", exc)
            on_error(exc)
    for path, offset in deferred:
        with path.open("rb") as fh:
            fh.seek(offset)
            it = ArchiveIterator(fh)
            record = next(it)
            original = index.find(record)
            if original is None:
                log.warning(
                    "%s@%d: revisit of %s (%s): the original response is in none of the given WARCs; skipped",
                    path.name, offset, record.rec_headers.get_header("WARC-Target-URI"),
                    record.rec_headers.get_header("WARC-Payload-Digest"),
                )
                continue
            yield _revisit(record, path, offset, original, limit)


@dataclass(frozen=True, slots=True)
class _BodyLimit:
    """How many payload bytes of a response to keep: `max_body_bytes`, or none when the caller
    does not want the body of that URL."""

    max_body_bytes: int
    wants_body: Callable[[str], bool] | None = None

    def of(self, url: str) -> int:
        if self.wants_body is None or self.wants_body(url):
            return self.max_body_bytes
        return -1


def _iter_file(
    path: Path, index: _Index, deferred: list[tuple[Path, int]], limit: _BodyLimit
) -> Iterator[CapturedResponse]:
    recent: OrderedDict[str, _Request] = OrderedDict()
    pending: tuple[CapturedResponse, tuple[str, ...]] | None = None
    warc = WarcFile(path)
    try:
        for record in warc:
            rtype = record.rec_type
            if rtype == "request":
                req = _read_request(record)
                if pending is not None and _paired(pending[0].record_id, pending[1], req):
                    _attach(pending[0], req)
                recent[req.record_id] = req
                while len(recent) > _RECENT_REQUESTS:
                    recent.popitem(last=False)
                warc.offset()
                continue
            if pending is not None:
                yield pending[0]
                pending = None
            if rtype == "response":
                resp = _read_response(record, path, warc.offset, limit)
                index.add(_Located(path, resp.offset, resp.record_id, resp.payload_digest), resp.url)
            elif rtype == "revisit":
                offset = warc.offset()
                original = index.find(record)
                if original is None:
                    deferred.append((path, offset))
                    continue
                resp = _revisit(record, path, offset, original, limit)
            else:
                continue
            concurrent = _all_headers(record, "WARC-Concurrent-To")
            for req in recent.values():
                if _paired(resp.record_id, concurrent, req):
                    _attach(resp, req)
            pending = (resp, concurrent)
    except ArchiveError as exc:
        # The response read before the damage is still good: hand it out, then report the damage;
        # the damaged record itself (its offset is the damage's) is not handed out.
        if pending is not None and not (isinstance(exc, WarcDamaged) and pending[0].offset == exc.offset):
            yield pending[0]
        raise
    if pending is not None:
        yield pending[0]


def _paired(resp_id: str, resp_concurrent: tuple[str, ...], req: _Request) -> bool:
    return resp_id in req.concurrent_to or req.record_id in resp_concurrent


def _attach(resp: CapturedResponse, req: _Request) -> None:
    resp.method = req.method
    resp.request_body = req.body if req.method != "GET" else None


def _read_request(record: ArcWarcRecord) -> _Request:
    body = record.content_stream().read()
    method = "GET"
    if record.http_headers is not None:
        method = (record.http_headers.protocol or "GET").upper()
    return _Request(
        record_id=record.rec_headers.get_header("WARC-Record-ID") or "",
        concurrent_to=_all_headers(record, "WARC-Concurrent-To"),
        method=method,
        body=body or None,
    )


def _read_payload(record: ArcWarcRecord, max_body_bytes: int) -> _Payload:
    """Digest, size and head of the decoded payload, and the payload itself when it is at most
    `max_body_bytes` (a negative limit keeps no body at all)."""
    stream = record.content_stream()
    digest = hashlib.sha256()
    kept: list[bytes] | None = [] if max_body_bytes >= 0 else None
    size = 0
    head = b""
    while True:
        chunk = stream.read(READ_CHUNK)
        if not chunk:
            break
        digest.update(chunk)
        size += len(chunk)
        if len(head) < HEAD_BYTES:
            head += chunk[: HEAD_BYTES - len(head)]
        if kept is not None:
            kept.append(chunk)
            if size > max_body_bytes:
                kept = None
    return _Payload(b"".join(kept) if kept is not None else None, digest.hexdigest(), size, head)


def _http_parts(record: ArcWarcRecord) -> tuple[int, str, list[tuple[str, str]]]:
    http = record.http_headers
    if http is None:
        return 0, "", []
    code, _, reason = (http.statusline or "").partition(" ")
    try:
        status = int(code)
    except ValueError:
        status = 0
    return status, reason.strip(), [(k, v) for k, v in http.headers]


def _content_type(headers: list[tuple[str, str]]) -> tuple[str, str | None]:
    value = next((v for k, v in headers if k.lower() == "content-type"), "")
    mime = value.split(";", 1)[0].strip().lower()
    match = _CHARSET.search(value)
    return mime, (match.group(1).lower() if match else None)


def _captured_at(record: ArcWarcRecord) -> datetime:
    raw = record.rec_headers.get_header("WARC-Date") or ""
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ArchiveError(f"record {_rid(record)}: WARC-Date {raw!r} is not an ISO 8601 date") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _rid(record: ArcWarcRecord) -> str:
    return record.rec_headers.get_header("WARC-Record-ID") or ""


def _read_response(
    record: ArcWarcRecord, path: Path, offset_of: Callable[[], int], limit: _BodyLimit
) -> CapturedResponse:
    """A response record as a CapturedResponse; `offset_of` is called after the payload is read."""
    status, reason, headers = _http_parts(record)
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    try:
        payload = _read_payload(record, limit.of(url))
    except Exception as exc:  # noqa: BLE001 - a library failure on one payload names the record
        raise ArchiveError(f"{path.name}: record {_rid(record)}: payload unreadable: {exc}") from exc
    mime, charset = _content_type(headers)
    return CapturedResponse(
        url=url,
        method="GET",
        status=status,
        reason=reason,
        headers=headers,
        content_type=mime,
        charset=charset,
        body=payload.body,
        sha256=payload.sha256,
        size=payload.size,
        head=payload.head,
        warc_file=path.name,
        offset=offset_of(),
        record_id=_rid(record),
        payload_digest=record.rec_headers.get_header("WARC-Payload-Digest") or "",
        captured_at=_captured_at(record),
    )


def _revisit(
    record: ArcWarcRecord, path: Path, offset: int, original: _Located, limit: _BodyLimit
) -> CapturedResponse:
    """The revisit's own URL, date and headers (if it has any) with its original's decoded payload."""
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    with original.path.open("rb") as fh:
        fh.seek(original.offset)
        orig = next(ArchiveIterator(fh))
        o_status, o_reason, o_headers = _http_parts(orig)
        payload = _read_payload(orig, limit.of(url))
    status, reason, headers = _http_parts(record)
    if not headers or status in (0, 304):
        # server-not-modified revisits (or none recorded): the original's response is what was shown
        status, reason, headers = o_status, o_reason, o_headers
    mime, charset = _content_type(headers)
    return CapturedResponse(
        url=url,
        method="GET",
        status=status,
        reason=reason,
        headers=headers,
        content_type=mime,
        charset=charset,
        body=payload.body,
        sha256=payload.sha256,
        size=payload.size,
        head=payload.head,
        warc_file=path.name,
        offset=offset,
        record_id=_rid(record),
        payload_digest=original.payload_digest,
        captured_at=_captured_at(record),
        revisit_of=original.record_id,
    )


def _all_headers(record: ArcWarcRecord, name: str) -> tuple[str, ...]:
    """Every value of a WARC header that may repeat (WARC-Concurrent-To)."""
    lname = name.lower()
    return tuple(v for k, v in record.rec_headers.headers if k.lower() == lname)


def read_response_at(
    path: Path,
    offset: int,
    *,
    original: tuple[Path, int] | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> CapturedResponse:
    """The response (or revisit) record at `offset` of `path`, payload decoded.

    A revisit needs `original` (file and offset of the response holding its payload). Raises
    ArchiveError naming file and offset when no response/revisit record starts there.
    """
    path = Path(path)
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise ArchiveError(f"{path}: cannot open: {exc.strerror or exc}") from exc
    with fh:
        fh.seek(offset)
        it = ArchiveIterator(fh)
        try:
            record = next(it)
        except Exception as exc:  # noqa: BLE001 - any parse failure means "no record here"
            raise ArchiveError(f"{path.name}@{offset}: no WARC record starts here ({exc})") from exc
        rid = _rid(record)
        if record.rec_type == "revisit":
            if original is None:
                raise ArchiveError(f"{path.name}@{offset}: revisit {rid} needs its original response")
            with Path(original[0]).open("rb") as ofh:
                ofh.seek(original[1])
                orig = next(ArchiveIterator(ofh))
                loc = _Located(Path(original[0]), original[1], _rid(orig),
                               orig.rec_headers.get_header("WARC-Payload-Digest") or "")
            return _revisit(record, path, offset, loc, _BodyLimit(max_body_bytes))
        if record.rec_type != "response":
            raise ArchiveError(f"{path.name}@{offset}: record {rid} is a {record.rec_type}, not a response")
        return _read_response(record, path, lambda: offset, _BodyLimit(max_body_bytes))


def read_record_bytes(path: Path, offset: int, length: int) -> bytes:
    """The record exactly as stored (gzip member decompressed, nothing else undone)."""
    with Path(path).open("rb") as fh:
        fh.seek(offset)
        data = fh.read(length)
    if data[:2] == b"\x1f\x8b":
        return gzip.decompress(data)
    return data
