"""The two legacy Vietnamese 8-bit encodings of the old site's Word pastes: TCVN3 (ABC) and VNI.

Old article bodies were typed in Word with the `.VnTime`/`.VnTimeH` fonts (TCVN3) or `VNI-Times`
(VNI) and reached the site as bytes read as windows-1252 (legacy-site.md). No maintained codec on
PyPI covers either (field-notes.md), so the mapping tables live as data in `moha_migrate/data/`
(`tcvn3.tsv`, `vni.tsv`), read once, and are checked against glibc's iconv in the tests.

TCVN3 is one byte per letter, but its "VN3" set has no capitals with tone marks: headings were
typed with the lowercase code points and shown as capitals by the `.VnTimeH` font. So
`encode_tcvn3` writes a capital toned letter as its lowercase byte (`tcvn3_loses_case` says when
that happened) and `decode_tcvn3(..., capitals=True)` restores what `.VnTimeH` displayed.
VNI is a base letter followed by one mark byte, so decoding is a longest-match over the table.
"""

from __future__ import annotations

import functools
import logging
import unicodedata
from dataclasses import dataclass
from importlib import resources

log = logging.getLogger(__name__)

__all__ = [
    "decode_tcvn3",
    "decode_vni",
    "encode_tcvn3",
    "encode_vni",
    "shown_to_bytes",
    "tcvn3_loses_case",
    "vietnamese_letters",
]


@dataclass(frozen=True, slots=True)
class _Tcvn3Table:
    decode: dict[int, str]  # byte -> character (bytes 0x00-0x7F are ASCII and not listed)
    encode: dict[str, int]  # character -> byte, capitals folded to their lowercase byte
    folded: frozenset[str]  # capitals that encode to a lowercase byte (case is lost)


@dataclass(frozen=True, slots=True)
class _VniTable:
    encode: dict[str, str]  # letter -> its VNI bytes as windows-1252 text
    decode: dict[str, str]  # VNI text (1 or 2 characters) -> letter


def _data_lines(name: str) -> list[list[str]]:
    text = resources.files("moha_migrate").joinpath("data", name).read_text(encoding="utf-8")
    rows = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        rows.append(line.split("\t"))
    return rows


@functools.cache
def _tcvn3() -> _Tcvn3Table:
    decode: dict[int, str] = {}
    for byte_hex, char in _data_lines("tcvn3.tsv"):
        decode[int(byte_hex, 16)] = char
    encode = {char: byte for byte, char in decode.items()}
    folded = set()
    for char, byte in list(encode.items()):
        upper = char.upper()
        if upper != char and upper not in encode:
            # No capital with a tone mark in VN3: the lowercase byte stands for it (.VnTimeH).
            encode[upper] = byte
            folded.add(upper)
    log.debug("TCVN3 table: %d bytes, %d capitals folded to lowercase", len(decode), len(folded))
    return _Tcvn3Table(decode=decode, encode=encode, folded=frozenset(folded))


@functools.cache
def _vni() -> _VniTable:
    encode = {char: shown for char, shown in _data_lines("vni.tsv")}
    decode = {shown: char for char, shown in encode.items()}
    return _VniTable(encode=encode, decode=decode)


def vietnamese_letters() -> str:
    """Return every non-ASCII Vietnamese letter (134, lowercase and capital) in code-point order."""
    return "".join(sorted(_vni().encode))


def encode_tcvn3(text: str, errors: str = "strict") -> bytes:
    """Return `text` as TCVN3 (VN3) bytes, NFC first; capitals with tone marks lose their case.

    Raises UnicodeEncodeError for a character TCVN3 cannot hold when `errors` is "strict";
    "replace" writes `?` instead, "ignore" drops it.
    """
    table = _tcvn3().encode
    text = unicodedata.normalize("NFC", text)
    out = bytearray()
    for index, char in enumerate(text):
        code = ord(char)
        if code < 0x80:
            out.append(code)
        elif char in table:
            out.append(table[char])
        elif errors == "replace":
            out.append(0x3F)
        elif errors == "ignore":
            continue
        else:
            raise UnicodeEncodeError("tcvn3", text, index, index + 1, "character not in TCVN3 (VN3)")
    return bytes(out)


def decode_tcvn3(data: bytes, errors: str = "strict", *, capitals: bool = False) -> str:
    """Return the NFC text of TCVN3 bytes; `capitals=True` renders it as `.VnTimeH` showed it.

    Raises UnicodeDecodeError for a byte outside VN3 when `errors` is "strict"; "replace" gives
    U+FFFD (which `records.has_mojibake` flags), "ignore" drops it.
    """
    table = _tcvn3().decode
    parts: list[str] = []
    for index, byte in enumerate(data):
        if byte < 0x80:
            parts.append(chr(byte))
        elif byte in table:
            parts.append(table[byte])
        elif errors == "replace":
            parts.append("\ufffd")
        elif errors == "ignore":
            continue
        else:
            raise UnicodeDecodeError("tcvn3", bytes(data), index, index + 1, f"byte 0x{byte:02X} not in TCVN3 (VN3)")
    text = unicodedata.normalize("NFC", "".join(parts))
    return text.upper() if capitals else text


def tcvn3_loses_case(text: str) -> bool:
    """True when `encode_tcvn3(text)` would write a capital toned letter as its lowercase byte."""
    folded = _tcvn3().folded
    return any(char in folded for char in unicodedata.normalize("NFC", text))


def encode_vni(text: str, errors: str = "strict") -> bytes:
    """Return `text` as VNI-Windows bytes (base letter + mark byte), NFC first.

    Characters outside ASCII and the Vietnamese letters raise UnicodeEncodeError when `errors` is
    "strict"; "replace" writes `?`, "ignore" drops them.
    """
    table = _vni().encode
    text = unicodedata.normalize("NFC", text)
    out = bytearray()
    for index, char in enumerate(text):
        if ord(char) < 0x80:
            out.append(ord(char))
        elif char in table:
            out += table[char].encode("cp1252")
        elif errors == "replace":
            out.append(0x3F)
        elif errors == "ignore":
            continue
        else:
            raise UnicodeEncodeError("vni", text, index, index + 1, "character not in VNI-Windows")
    return bytes(out)


def decode_vni(data: bytes, errors: str = "strict") -> str:
    """Return the NFC text of VNI-Windows bytes, matching two-byte forms before one-byte forms.

    A byte that is neither ASCII nor part of a VNI letter raises UnicodeDecodeError when `errors`
    is "strict"; "replace" gives U+FFFD, "ignore" drops it.
    """
    table = _vni().decode
    shown = data.decode("cp1252", errors="replace")
    parts: list[str] = []
    index = 0
    while index < len(shown):
        pair = shown[index : index + 2]
        if len(pair) == 2 and pair in table:
            parts.append(table[pair])
            index += 2
            continue
        char = shown[index]
        if ord(char) < 0x80:
            parts.append(char)
        elif char in table:
            parts.append(table[char])
        elif errors == "replace":
            parts.append("\ufffd")
        elif errors != "ignore":
            raise UnicodeDecodeError("vni", bytes(data), index, index + 1, f"{char!r} is not part of a VNI letter")
        index += 1
    return unicodedata.normalize("NFC", "".join(parts))


def shown_to_bytes(shown: str) -> bytes:
    """Return the legacy bytes behind text a browser showed through windows-1252 (or Latin-1).

    Legacy-font runs reach us as the characters windows-1252 gives their bytes; characters that
    windows-1252 lacks (0x81, 0x8D, 0x8F, 0x90, 0x9D, read as C1 controls by Latin-1) and the
    soft hyphen are mapped back through Latin-1. Raises UnicodeEncodeError for any other character
    (text that was never a legacy byte run).
    """
    out = bytearray()
    for index, char in enumerate(shown):
        code = ord(char)
        if code < 0x100:
            out.append(code)
            continue
        try:
            out += char.encode("cp1252")
        except UnicodeEncodeError as exc:
            raise UnicodeEncodeError("cp1252", shown, index, index + 1, "not a windows-1252 byte") from exc
    return bytes(out)
