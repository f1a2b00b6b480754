"""Tiny real WARCs for the archive tests, written with warcio (or byte by byte where warcio would
re-encode what we want to keep raw, such as non-ASCII HTTP header bytes)."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import uuid
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


def gzip_bytes(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def chunked(data: bytes, size: int = 100) -> bytes:
    out = b""
    for i in range(0, len(data), size):
        piece = data[i : i + size]
        out += b"%x\r\n" % len(piece) + piece + b"\r\n"
    return out + b"0\r\n\r\n"


def sha1_b32(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


@dataclass
class Exchange:
    """One HTTP exchange to write: the response as sent (payload possibly coded) and the request."""

    url: str
    payload: bytes
    headers: list[tuple[str, str]] = field(default_factory=lambda: [("Content-Type", "text/html; charset=utf-8")])
    status: str = "200 OK"
    method: str = "GET"
    request_body: bytes = b""
    date: str = "2026-11-25T10:00:00Z"
    response_first: bool = False


class WarcBuilder:
    """Write exchanges (request + response), revisits and warcinfo with warcio; returns record ids."""

    def __init__(self, fh: io.BufferedIOBase, *, gzip: bool = True, version: str = "1.1") -> None:
        self.writer = WARCWriter(fh, gzip=gzip, warc_version=version)

    def warcinfo(self, name: str = "test.warc.gz") -> str:
        rec = self.writer.create_warcinfo_record(name, {"software": "moha-migrate tests", "format": "WARC"})
        self.writer.write_record(rec)
        return rec.rec_headers.get_header("WARC-Record-ID")

    def exchange(self, ex: Exchange) -> tuple[str, str]:
        http = StatusAndHeaders(ex.status, list(ex.headers), protocol="HTTP/1.1")
        resp = self.writer.create_warc_record(
            ex.url, "response", payload=io.BytesIO(ex.payload), length=len(ex.payload), http_headers=http,
            warc_headers_dict={"WARC-Date": ex.date},
        )
        parts = ex.url.split("/", 3)
        path = quote("/" + (parts[3] if len(parts) > 3 else ""), safe="/?&=%:;,+$!*'()~")
        req_headers = [("Host", parts[2]), ("User-Agent", "tests")]
        if ex.request_body:
            req_headers += [("Content-Type", "application/x-www-form-urlencoded"),
                            ("Content-Length", str(len(ex.request_body)))]
        req_http = StatusAndHeaders(f"{ex.method} {path} HTTP/1.1", req_headers, is_http_request=True)
        req = self.writer.create_warc_record(
            ex.url, "request", payload=io.BytesIO(ex.request_body), length=len(ex.request_body),
            http_headers=req_http, warc_headers_dict={"WARC-Date": ex.date},
        )
        resp_id = resp.rec_headers.get_header("WARC-Record-ID")
        # The second record points at the first, as capture_http (response first) and wget (request
        # first) both do; cdxj-indexer pairs a POST with its response only that way.
        if ex.response_first:
            req.rec_headers.add_header("WARC-Concurrent-To", resp_id)
            order = (resp, req)
        else:
            resp.rec_headers.add_header("WARC-Concurrent-To", req.rec_headers.get_header("WARC-Record-ID"))
            order = (req, resp)
        for rec in order:
            self.writer.write_record(rec)
        return resp_id, req.rec_headers.get_header("WARC-Record-ID")

    def revisit(self, url: str, original_url: str, original_id: str, digest: str,
                headers: Iterable[tuple[str, str]] = (), date: str = "2026-11-25T11:00:00Z") -> str:
        http = StatusAndHeaders("200 OK", list(headers), protocol="HTTP/1.1") if headers else None
        rec = self.writer.create_revisit_record(url, digest, original_url, "2026-11-25T10:00:00Z",
                                                http_headers=http, warc_headers_dict={"WARC-Date": date})
        rec.rec_headers.add_header("WARC-Refers-To", original_id)
        rec_id = rec.rec_headers.get_header("WARC-Record-ID")
        parts = url.split("/", 3)
        req_http = StatusAndHeaders(f"GET {quote('/' + (parts[3] if len(parts) > 3 else ''), safe='/?&=%')} HTTP/1.1", [("Host", parts[2])],
                                    is_http_request=True)
        req = self.writer.create_warc_record(url, "request", payload=io.BytesIO(b""), length=0,
                                             http_headers=req_http, warc_headers_dict={"WARC-Date": date})
        req.rec_headers.add_header("WARC-Concurrent-To", rec_id)
        self.writer.write_record(req)
        self.writer.write_record(rec)
        return rec_id


def payload_digest_of(path: Path, record_id: str) -> str:
    from warcio.archiveiterator import ArchiveIterator

    with path.open("rb") as fh:
        for rec in ArchiveIterator(fh):
            if rec.rec_headers.get_header("WARC-Record-ID") == record_id:
                return rec.rec_headers.get_header("WARC-Payload-Digest")
    raise KeyError(record_id)


def raw_response_record(url: str, http_block: bytes, *, date: str = "2026-11-25T10:00:00Z",
                        compress: bool = True) -> tuple[bytes, str]:
    """A response record built byte by byte, so header bytes stay exactly as given (no re-encoding)."""
    head_end = http_block.index(b"\r\n\r\n") + 4
    record_id = f"<urn:uuid:{uuid.uuid4()}>"
    warc_headers = (
        "WARC/1.0\r\n"
        "WARC-Type: response\r\n"
        f"WARC-Record-ID: {record_id}\r\n"
        f"WARC-Target-URI: {url}\r\n"
        f"WARC-Date: {date}\r\n"
        f"WARC-Block-Digest: {sha1_b32(http_block)}\r\n"
        f"WARC-Payload-Digest: {sha1_b32(http_block[head_end:])}\r\n"
        "Content-Type: application/http; msgtype=response\r\n"
        f"Content-Length: {len(http_block)}\r\n\r\n"
    ).encode("utf-8")
    data = warc_headers + http_block + b"\r\n\r\n"
    if compress:
        comp = zlib.compressobj(6, zlib.DEFLATED, 31)
        data = comp.compress(data) + comp.flush()
    return data, record_id
