"""crawler.http_client: heads as sent and recorded, raw response heads, content decoding."""

import gzip
import zlib

import pytest

from crawler.http_client import FetchError, build_request_head, decode_content, parse_response_head


def test_request_goes_out_in_absolute_form_and_is_recorded_in_origin_form() -> None:
    sent, recorded = build_request_head("GET", "http://moha.gov.vn/Default.aspx?tabid=217",
                                        [("User-Agent", "t")], absolute=True)
    assert sent == b"GET http://moha.gov.vn/Default.aspx?tabid=217 HTTP/1.1\r\nHost: moha.gov.vn\r\nUser-Agent: t\r\n\r\n"
    assert recorded == b"GET /Default.aspx?tabid=217 HTTP/1.1\r\nHost: moha.gov.vn\r\nUser-Agent: t\r\n\r\n"


def test_response_head_keeps_reason_case_order_and_raw_bytes() -> None:
    head = b"HTTP/1.1 200 Very OK\r\ncontent-TYPE: text/html\r\nX-L\xe9gacy: Vi\xea\xf2t\r\nA: 1\r\n  folded\r\n\r\n"
    version, status, reason, headers = parse_response_head(head)
    assert (version, status, reason) == ("HTTP/1.1", 200, "Very OK")
    assert headers == [(b"content-TYPE", b"text/html"), (b"X-L\xe9gacy", b"Vi\xea\xf2t"), (b"A", b"1 folded")]


def test_bad_status_line_is_a_protocol_error() -> None:
    with pytest.raises(FetchError) as info:
        parse_response_head(b"<html>not http\r\n\r\n")
    assert info.value.kind == "protocol"


def test_content_decoding_gzip_deflate_and_broken_bodies() -> None:
    assert decode_content(gzip.compress(b"abc"), "gzip") == b"abc"
    assert decode_content(zlib.compress(b"abc"), "deflate") == b"abc"
    assert decode_content(b"abc", None) == b"abc"
    with pytest.raises(zlib.error):
        decode_content(b"\x1f\x8b\x08\x00garbage", "gzip")
    with pytest.raises(ValueError):
        decode_content(b"abc", "br")
