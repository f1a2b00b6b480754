"""Repair the legacy site's text encodings to Unicode NFC: per page, then per element.

Per page: the HTTP header, the `<meta>` declaration and the bytes themselves often disagree on
the legacy site (legacy-site.md), so neither declaration is trusted. Bytes that decode strictly as
UTF-8 (and are not plain ASCII) are UTF-8: text in a single-byte code page almost never forms valid
multi-byte sequences. Otherwise every candidate (header, meta, charset-normalizer's guess,
windows-1258, windows-1252) decodes the page and the one with the most Vietnamese letters and the
fewest mojibake signs wins. Bytes a code page leaves undefined decode to the C1 control of the same
number, so the decoding can always be reversed byte for byte.

Per element: Word pastes typed in TCVN3 (`.VnTime`, `.VnTimeH`) or VNI (`VNI-Times`) were served as
windows-1252 text inside a font declaration. Their text is turned back into the page's bytes and
decoded with `moha_migrate.vncodecs`; `.VnTimeH` text is shown in capitals, as the font displayed
it. A run with mojibake but no font declaration is decoded with whichever legacy table leaves no
mojibake behind. Finally everything is composed to NFC (windows-1258 and NFD text carry combining
tone marks).
"""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from moha_migrate.records import MOJIBAKE_MARKERS, has_mojibake
from moha_migrate.vncodecs import decode_tcvn3, decode_vni, shown_to_bytes, vietnamese_letters

log = logging.getLogger(__name__)

__all__ = [
    "LegacyFont",
    "PageText",
    "decode_page",
    "font_of",
    "nfc",
    "repair_run",
    "vietnamese_score",
]

LegacyFont = Literal["tcvn3", "tcvn3-caps", "vni"]

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.-]+)""", re.IGNORECASE)
_LEGACY_RUN = re.compile(
    rb"<(font|span|p|div|td|b|i|strong|em|h[1-6])\b[^>]*(?:face|font-family)[^>]*(?:\.vn|vni)[^>]*>.*?</\1\s*>",
    re.IGNORECASE | re.DOTALL,
)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
# The HTML standard reads these labels as windows-1252 (iso-8859-1 and ascii included).
_AS_CP1252 = {"latin-1", "iso8859-1", "ascii", "cp1252", "iso-8859-1", "us-ascii", "windows-1252"}
_VN_LETTERS = frozenset(vietnamese_letters())
_COMBINING_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")


def _c1_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Decode a byte a code page leaves undefined as the C1 control of the same number (reversible);
    encode such a control (or any Latin-1 character the code page lacks) back to its byte."""
    if isinstance(exc, UnicodeDecodeError):
        return "".join(chr(b) for b in exc.object[exc.start : exc.end]), exc.end
    if isinstance(exc, UnicodeEncodeError):
        chunk = exc.object[exc.start : exc.end]
        if all(ord(c) < 0x100 for c in chunk):
            return chunk.encode("latin-1"), exc.end  # type: ignore[return-value]
    raise exc


codecs.register_error("moha-c1", _c1_fallback)


@dataclass(frozen=True, slots=True)
class PageText:
    """A page's text as decoded (not yet NFC), the codec used and the evidence for it."""

    text: str
    codec: str
    evidence: str


def _codec_name(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'").lower()).name
    except LookupError:
        log.debug("unknown charset label %r ignored", label)
        return None
    return "cp1252" if name in _AS_CP1252 else name


def meta_charset(head: bytes) -> str | None:
    """The charset a `<meta>` tag in the first bytes of a page declares, or None."""
    m = _META_CHARSET.search(head[:8192])
    return m.group(1).decode("ascii", "replace") if m else None


_VN_LETTER = re.compile("[" + "".join(sorted(_VN_LETTERS)) + "]")
_TONE_ON_VOWEL = re.compile("[aăâeêioôơuưyAĂÂEÊIOÔƠUƯY][\u0300\u0301\u0303\u0309\u0323]")
_TONE_ELSEWHERE = re.compile("(?<![aăâeêioôơuưyAĂÂEÊIOÔƠUƯY])[\u0300\u0301\u0303\u0309\u0323]")


def vietnamese_score(text: str) -> int:
    """Vietnamese letters minus mojibake signs: correct Vietnamese scores high, any wrong decoding
    of it low or negative. A combining tone mark right after a vowel counts double: it is what
    tells windows-1258 (decomposed tones) from windows-1252, where the same bytes read as `ì`,
    `ò`, `Þ`, which are letters too; a tone mark after anything else counts against."""
    return (
        len(_VN_LETTER.findall(text))
        + 2 * len(_TONE_ON_VOWEL.findall(text))
        - 3 * len(_TONE_ELSEWHERE.findall(text))
        - 3 * len(MOJIBAKE_MARKERS.findall(text))
    )


def decode_page(body: bytes, declared: str | None = None) -> PageText:
    """Decode a page's bytes by evidence (see the module docstring); never raises for bad bytes."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if body.startswith(bom):
            return PageText(body[len(bom) :].decode(name, "replace"), name, "byte order mark")
    header = _codec_name(declared)
    meta = _codec_name(meta_charset(body))
    said = f"header {header or '-'}, meta {meta or '-'}"
    if body.isascii():
        return PageText(body.decode("ascii"), "utf-8", f"plain ASCII ({said})")
    try:
        return PageText(body.decode("utf-8"), "utf-8", f"valid UTF-8 ({said})")
    except UnicodeDecodeError:
        pass
    candidates: list[str] = []
    for name in (header, meta, _guess(body), "cp1258", "cp1252"):
        if name and name != "utf-8" and name not in candidates:
            candidates.append(name)
    # Text set in a legacy font is mojibake under every code page: score the rest of the page.
    evidence = _LEGACY_RUN.sub(b" ", body[:262144])  # the first 256 KiB are evidence enough
    best: tuple[int, int, str] | None = None
    for rank, name in enumerate(candidates):
        try:
            sample = evidence.decode(name, "moha-c1")
        except LookupError:
            continue
        key = (vietnamese_score(sample), -rank)
        if best is None or key > best[:2]:
            best = (key[0], key[1], name)
    if best is None:  # no candidate is a known codec: Latin-1 reads any bytes and stays reversible
        return PageText(body.decode("latin-1"), "latin-1", f"no candidate decoded ({said})")
    name = best[2]
    text = body.decode(name, "moha-c1")
    if name not in (header, meta):
        log.debug("page decoded as %s against the declarations (%s)", name, said)
    return PageText(text, name, f"most Vietnamese of {', '.join(candidates)} ({said})")


def _guess(body: bytes) -> str | None:
    from charset_normalizer import from_bytes  # costly import; only pages with bad bytes need it

    match = from_bytes(body[:65536], cp_isolation=["cp1258", "cp1252", "utf_8", "latin_1", "cp1250"]).best()
    return _codec_name(match.encoding) if match is not None else None


_C0_CONTROLS = dict.fromkeys([*range(9), 11, 12, *range(14, 32)])


_C0_FOUND = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def prepare_markup(text: str) -> str:
    """Drop an XML declaration (lxml refuses one in a str) and C0 control characters other than
    tab and line breaks (invalid in HTML; lxml refuses them in text it is given back)."""
    text = _XML_DECL.sub("", text, count=1)
    return text.translate(_C0_CONTROLS) if _C0_FOUND.search(text) else text


_FONT_VNTIMEH = re.compile(r"\.?vn[a-z]*h\b", re.IGNORECASE)  # .VnTimeH, .VnArialH: capitals fonts
_FONT_TCVN3 = re.compile(r"\.vn[a-z]+|\bvntime", re.IGNORECASE)
_FONT_VNI = re.compile(r"\bvni[- ]", re.IGNORECASE)
_STYLE_FONT = re.compile(r"font-family\s*:\s*([^;\"]+)", re.IGNORECASE)


def font_of(face: str | None, style: str | None) -> LegacyFont | None | Literal[False]:
    """The legacy encoding an element's font declaration implies.

    Returns "tcvn3", "tcvn3-caps" or "vni" for a legacy font, False for an element that names
    another font (it ends an inherited legacy font), None when the element names no font.
    """
    names: str | None = face
    if style:
        m = _STYLE_FONT.search(style)
        if m:
            names = m.group(1)
    if not names:
        return None
    first = names.split(",")[0].strip().strip("'\"")
    if _FONT_VNI.search(first + " "):
        return "vni"
    if _FONT_TCVN3.search(first):
        return "tcvn3-caps" if _FONT_VNTIMEH.fullmatch(first.lower().replace(" ", "")) else "tcvn3"
    return False


def _run_bytes(text: str, codec: str) -> bytes:
    if codec in ("utf-8", "ascii") or codec.startswith("utf-16"):
        return shown_to_bytes(text)
    return text.encode(codec, "moha-c1")


def repair_run(text: str, font: LegacyFont | None, codec: str) -> str:
    """The Unicode text of one text run, given the legacy font it is set in (None: no legacy font)
    and the codec its page was decoded with. A run that cannot be turned back into bytes is
    returned unchanged (NFC), so the caller's mojibake check reports it."""
    if font is None:
        if text.isascii():
            return text
        if not has_mojibake(text):
            return nfc(text)
        return _repair_by_evidence(text, codec)
    try:
        raw = _run_bytes(text, codec)
    except UnicodeEncodeError:
        log.debug("run in %s font holds characters that were never legacy bytes: %.40r", font, text)
        return nfc(text)
    if font == "vni":
        return decode_vni(raw, errors="replace")
    return decode_tcvn3(raw, errors="replace", capitals=font == "tcvn3-caps")


def _repair_by_evidence(text: str, codec: str) -> str:
    """A run showing mojibake without a font declaration: try TCVN3, VNI and UTF-8-read-as-1252,
    and keep the reading with no mojibake and the most Vietnamese letters (else leave it)."""
    try:
        raw = _run_bytes(text, codec)
    except UnicodeEncodeError:
        return nfc(text)
    readings = [nfc(text)]
    for decode in (decode_tcvn3, decode_vni):
        readings.append(decode(raw, errors="replace"))
    try:
        readings.append(nfc(raw.decode("utf-8")))
    except UnicodeDecodeError:
        pass
    clean = [r for r in readings if not has_mojibake(r)]
    if not clean:
        return readings[0]
    return max(clean, key=vietnamese_score)


def nfc(text: str) -> str:
    """`text` in Unicode NFC (windows-1258 and NFD text carry separate combining tone marks)."""
    return unicodedata.normalize("NFC", text)
