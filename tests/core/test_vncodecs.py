"""moha_migrate.vncodecs against glibc's iconv (TCVN5712-1) and the published VNI rules."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moha_migrate.vncodecs import (
    decode_tcvn3,
    decode_vni,
    encode_tcvn3,
    encode_vni,
    shown_to_bytes,
    tcvn3_loses_case,
    vietnamese_letters,
)

LETTERS = vietnamese_letters()
LOWER = "".join(c for c in LETTERS if c == c.lower())
VN_TEXT = st.text(alphabet=st.sampled_from(LETTERS + "abcdeghiklmnopqrstuvxyABCDEGHIKLMNOPQRSTUVXY .,-0123456789"), max_size=60)

needs_iconv = pytest.mark.skipif(shutil.which("iconv") is None, reason="iconv not installed")


def iconv(data: bytes, source: str, target: str) -> bytes:
    done = subprocess.run(["iconv", "-f", source, "-t", target], input=data, capture_output=True, timeout=10, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_every_vietnamese_letter_is_listed_once() -> None:
    assert len(LETTERS) == 134 and len(set(LETTERS)) == 134
    assert all(unicodedata.is_normalized("NFC", c) and len(c) == 1 for c in LETTERS)
    assert "ư" in LETTERS and "Đ" in LETTERS and "ỵ" in LETTERS


@needs_iconv
def test_tcvn3_decode_matches_iconv_byte_by_byte() -> None:
    checked = 0
    for byte in range(0x80, 0x100):
        try:
            ours = decode_tcvn3(bytes([byte]))
        except UnicodeDecodeError:
            continue
        assert ours == iconv(bytes([byte]), "TCVN5712-1", "UTF-8").decode("utf-8"), hex(byte)
        checked += 1
    assert checked == 75  # A0 + 14 base letters + 60 toned lowercase letters of VN3


@needs_iconv
def test_tcvn3_known_positions() -> None:
    assert encode_tcvn3("ư") == b"\xad"  # Latin-1's soft hyphen position
    assert encode_tcvn3("ộ") == b"\xe9"
    assert encode_tcvn3("ì") == b"\xd7"
    assert encode_tcvn3("đ") == b"\xae"
    assert encode_tcvn3("Bộ Nội vụ").decode("latin-1") == "Bé Néi vô"


@needs_iconv
def test_tcvn3_encode_of_lowercase_matches_iconv() -> None:
    text = LOWER + " Bộ Nội vụ, Văn thư, lưu trữ; Đảng ủy"
    assert encode_tcvn3(text) == iconv(text.encode("utf-8"), "UTF-8", "TCVN5712-1")


@needs_iconv
@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(LOWER + "abcdeg hiklmnopqrstuvxy.,0123456789"), max_size=40))
def test_tcvn3_decode_agrees_with_iconv_on_random_text(text: str) -> None:
    data = encode_tcvn3(text)
    assert decode_tcvn3(data) == unicodedata.normalize("NFC", iconv(data, "TCVN5712-1", "UTF-8").decode("utf-8"))


@given(VN_TEXT)
def test_tcvn3_round_trip_keeps_letters_and_loses_only_case(text: str) -> None:
    back = decode_tcvn3(encode_tcvn3(text))
    assert back.lower() == text.lower()
    assert (back != text) == tcvn3_loses_case(text)
    assert decode_tcvn3(encode_tcvn3(text), capitals=True) == text.upper()


def test_tcvn3_capitals_are_folded_and_flagged() -> None:
    assert encode_tcvn3("Ộ") == encode_tcvn3("ộ")
    assert tcvn3_loses_case("HOẠT ĐỘNG") and not tcvn3_loses_case("Hoạt động") and not tcvn3_loses_case("ĐĂNG")
    # .VnTimeH headings: typed in lowercase code points, shown as capitals
    assert decode_tcvn3(encode_tcvn3("hoạt động của bộ"), capitals=True) == "HOẠT ĐỘNG CỦA BỘ"


def test_tcvn3_errors_name_the_position() -> None:
    with pytest.raises(UnicodeEncodeError) as info:
        encode_tcvn3("Bộ €")
    assert info.value.start == 3
    assert encode_tcvn3("a€b", errors="replace") == b"a?b"
    with pytest.raises(UnicodeDecodeError) as dinfo:
        decode_tcvn3(b"ab\x80")
    assert dinfo.value.start == 2
    assert decode_tcvn3(b"a\x80", errors="replace") == "a\ufffd"


def test_vni_published_examples() -> None:
    assert encode_vni("Bộ Nội vụ").decode("cp1252") == "Boä Noäi vuï"
    assert encode_vni("Á Ộ Đ").decode("cp1252") == "AÙ OÄ Ñ"
    assert encode_vni("ơ ư đ ỵ ỉ").decode("cp1252") == "ô ö ñ î æ"
    assert decode_vni("Vaên thö, löu tröõ".encode("cp1252")) == "Văn thư, lưu trữ"
    # "ô" alone is ơ; "oâ" is ô; "ôù" is ớ
    assert decode_vni("ô oâ ôù".encode("cp1252")) == "ơ ô ớ"


@given(VN_TEXT)
def test_vni_round_trips_every_letter_with_case(text: str) -> None:
    assert decode_vni(encode_vni(text)) == unicodedata.normalize("NFC", text)


def test_vni_round_trip_of_all_letters_at_once() -> None:
    assert decode_vni(encode_vni(LETTERS)) == LETTERS
    # VN3 keeps the seven capitals without tone (Ă Â Ê Ô Ơ Ư Đ); every toned capital folds
    expected = "".join(c.lower() if tcvn3_loses_case(c) else c for c in LETTERS)
    assert decode_tcvn3(encode_tcvn3(LETTERS)) == expected
    assert sum(tcvn3_loses_case(c) for c in LETTERS) == 60


def test_nfd_input_is_composed_before_encoding() -> None:
    nfd = unicodedata.normalize("NFD", "Nội vụ")
    assert encode_tcvn3(nfd) == encode_tcvn3("Nội vụ")
    assert encode_vni(nfd) == encode_vni("Nội vụ")


def test_shown_to_bytes_undoes_windows_1252_and_latin1() -> None:
    data = encode_tcvn3("Bộ Nội vụ, lưu trữ")
    assert shown_to_bytes(data.decode("latin-1")) == data
    assert shown_to_bytes(data.decode("cp1252")) == data
    vni = encode_vni("Ủy ban")
    assert shown_to_bytes(vni.decode("cp1252")) == vni
    with pytest.raises(UnicodeEncodeError):
        shown_to_bytes("Bộ")
