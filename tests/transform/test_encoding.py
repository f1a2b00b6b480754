"""transform.encoding: the page encoding by evidence, legacy-font runs decoded, NFC everywhere."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moha_migrate.records import has_mojibake
from moha_migrate.vncodecs import encode_tcvn3, encode_vni, vietnamese_letters
from transform.encoding import decode_page, font_of, repair_run
from transform.tree import parse_page, text_of

TEXT = "Bộ Nội vụ tổ chức hội nghị về cải cách hành chính, văn thư lưu trữ"
VN_TEXT = st.text(alphabet=st.sampled_from(vietnamese_letters() + "abcdeghiklmnopqrstuvxy ,.0123456789"), max_size=50)


def page(body: str, meta: str = "utf-8") -> str:
    return f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={meta}"><title>t</title></head><body>{body}</body></html>'


def page_bytes(body: bytes, meta: str = "utf-8") -> bytes:
    """A page whose body is given as raw bytes (legacy runs, code-page text)."""
    head, tail = page("@@", meta).encode("ascii", "xmlcharrefreplace").split(b"@@")
    return head + body + tail


def test_valid_utf8_wins_over_a_wrong_header() -> None:
    decoded = decode_page(page(TEXT).encode("utf-8"), "iso-8859-1")
    assert TEXT in decoded.text and decoded.codec == "utf-8"


def test_valid_utf8_wins_over_a_stale_meta() -> None:
    decoded = decode_page(page(TEXT, meta="windows-1252").encode("utf-8"), "utf-8")
    assert decoded.codec == "utf-8"


def test_windows_1258_with_decomposed_tones_is_told_from_windows_1252() -> None:
    data = page_bytes(_cp1258_decomposed(TEXT), meta="windows-1258")
    decoded = decode_page(data, None)
    assert decoded.codec == "cp1258"
    assert unicodedata.normalize("NFC", decoded.text).count(TEXT) == 1


def _cp1258_decomposed(text: str) -> bytes:
    """As Vietnamese Windows typed: shape marks precomposed (â ơ ư), tones as combining marks."""
    out = []
    for char in text:
        parts = unicodedata.normalize("NFD", char)
        tones = "".join(c for c in parts if c in "\u0300\u0301\u0303\u0309\u0323")
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        out.append(base + tones)
    return "".join(out).encode("cp1258")


def test_tcvn3_run_in_a_windows_1252_page_does_not_fool_the_page_decoder() -> None:
    run = encode_tcvn3(TEXT)
    data = page_bytes(b'<font face=".VnTime">' + run + b"</font> B\xecnh", meta="windows-1252")
    decoded = decode_page(data, "windows-1252")
    assert decoded.codec == "cp1252"  # "Bình": 0xEC is ì in windows-1252, a bare tone in 1258


@pytest.mark.parametrize("declared", ["windows-1252", "iso-8859-1", None])
def test_tcvn3_font_run_is_decoded(declared: str | None) -> None:
    data = page_bytes(b'<p><font face=".VnTime">' + encode_tcvn3(TEXT) + b"</font></p>", meta="windows-1252")
    parsed = parse_page(data, declared, "http://moha.gov.vn/x.html")
    assert text_of(parsed.root.find("body")) == TEXT
    assert parsed.legacy_runs == 1


def test_vnitimeh_heading_is_shown_in_capitals() -> None:
    data = page_bytes(b'<h1><font face=".VnTimeH">' + encode_tcvn3("hoạt động của bộ") + b"</font></h1>")
    parsed = parse_page(data, "windows-1252", "http://moha.gov.vn/x.html")
    assert text_of(parsed.root.find("body")) == "HOẠT ĐỘNG CỦA BỘ"


def test_vni_style_run_in_a_utf8_page() -> None:
    shown = encode_vni(TEXT).decode("cp1252")
    data = page(f'<span style="font-family:VNI-Times">{shown}</span>').encode("utf-8")
    parsed = parse_page(data, "utf-8", "http://moha.gov.vn/x.html")
    assert text_of(parsed.root.find("body")) == TEXT


def test_nested_font_ends_the_legacy_run() -> None:
    data = page_bytes(b'<div style="font-family:.VnTime">' + encode_tcvn3("Bộ Nội vụ")
                      + b' <span style="font-family:Arial">&#272;&#7843;ng</span></div>', meta="windows-1252")
    parsed = parse_page(data, "windows-1252", "http://moha.gov.vn/x.html")
    assert text_of(parsed.root.find("body")) == "Bộ Nội vụ Đảng"


def test_nfd_page_comes_out_nfc() -> None:
    data = page(unicodedata.normalize("NFD", TEXT)).encode("utf-8")
    parsed = parse_page(data, "utf-8", "http://moha.gov.vn/x.html")
    out = text_of(parsed.root.find("body"))
    assert out == TEXT and unicodedata.is_normalized("NFC", out)


def test_mojibake_without_a_font_is_repaired_by_evidence() -> None:
    assert repair_run(encode_tcvn3(TEXT).decode("latin-1"), None, "utf-8") == TEXT
    assert repair_run(encode_vni(TEXT).decode("cp1252"), None, "utf-8") == TEXT
    # UTF-8 read as windows-1252 (undefined bytes as C1 controls, as browsers show them)
    assert repair_run(TEXT.encode("utf-8").decode("cp1252", "moha-c1"), None, "utf-8") == TEXT


def test_font_declarations() -> None:
    assert font_of(".VnTime", None) == "tcvn3"
    assert font_of(".VnTimeH", None) == "tcvn3-caps"
    assert font_of(None, "font-size:12pt; font-family: 'VNI-Times', serif") == "vni"
    assert font_of("Times New Roman", None) is False
    assert font_of(None, "color: red") is None


@given(VN_TEXT)
def test_repair_is_nfc_and_idempotent(text: str) -> None:
    once = repair_run(unicodedata.normalize("NFD", text), None, "utf-8")
    assert once == unicodedata.normalize("NFC", text)
    assert repair_run(once, None, "utf-8") == once


@given(VN_TEXT)
def test_legacy_runs_decode_to_the_text(text: str) -> None:
    assert repair_run(encode_vni(text).decode("cp1252"), "vni", "cp1252") == unicodedata.normalize("NFC", text)
    tcvn3 = repair_run(encode_tcvn3(text).decode("latin-1"), "tcvn3", "cp1252")
    assert tcvn3.lower() == unicodedata.normalize("NFC", text).lower() and not has_mojibake(tcvn3)
