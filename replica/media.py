"""Real, valid media files for the replica: images, PDF, Word and Excel files, ZIP archives.

`make_media(path, seed)` returns the bytes of the file `path` names, chosen by its extension and
byte-identical for the same (path, seed): jpg/png/gif through Pillow (which writes no timestamps),
a hand-built PDF 1.4 (base-14 Helvetica, so no font is embedded and the text is ASCII-folded),
docx as an OOXML zip and zip archives with fixed member dates, and doc/xls as OLE2 compound files
(Word 97 and BIFF8 Excel inside a CFB container from `replica.cfb`). `size_hint` grows a file to about
that many bytes with incompressible content (a noise image or a data stream), for the one large
attachment of the site; the padding is built with `random.Random.randbytes`, so several MB take
milliseconds.

Why hand-written containers: no maintained pure-Python library writes OLE2/CFB files (olefile only
reads them, xlwt is unmaintained) or deterministic minimal PDFs without pulling in a large
dependency; each format here is a few hundred bytes of structure that the tests check with the
usual reader of its type (Pillow, zipfile, olefile, xlrd, pypdf).
"""

from __future__ import annotations

import functools
import io
import math
import random
import struct
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw

from replica.cfb import write_cfb

MEDIA_TYPES: dict[str, str] = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "zip": "application/zip",
}
ZIP_DATE = (2010, 1, 1, 0, 0, 0)  # fixed member dates: the same seed gives the same bytes

_WORDS = [
    "Bộ",
    "Nội",
    "vụ",
    "ban",
    "hành",
    "hướng",
    "dẫn",
    "thực",
    "hiện",
    "cải",
    "cách",
    "hành",
    "chính",
    "trong",
    "cơ",
    "quan",
    "nhà",
    "nước",
    "năm",
    "công",
    "chức",
    "viên",
    "chức",
    "tuyển",
    "dụng",
    "đánh",
    "giá",
    "chất",
    "lượng",
    "đội",
    "ngũ",
    "tổ",
    "chức",
    "bộ",
    "máy",
    "tinh",
    "giản",
    "biên",
    "chế",
    "thi",
    "đua",
    "khen",
    "thưởng",
    "văn",
    "thư",
    "lưu",
    "trữ",
    "tôn",
    "giáo",
    "chính",
    "quyền",
    "địa",
    "phương",
    "Ủy",
    "ban",
    "nhân",
    "dân",
    "tỉnh",
    "Sở",
    "Nội",
    "vụ",
    "báo",
    "cáo",
    "kết",
    "quả",
    "triển",
    "khai",
    "kế",
    "hoạch",
    "theo",
    "quy",
    "định",
    "của",
    "Chính",
    "phủ",
    "và",
    "Thủ",
    "tướng",
]
_NAMES = (
    "Nguyễn Văn An",
    "Trần Thị Bình",
    "Lê Văn Cường",
    "Phạm Thị Dung",
    "Hoàng Minh Đức",
    "Vũ Thị Hạnh",
    "Đặng Quốc Hùng",
    "Bùi Thị Lan",
    "Đỗ Văn Long",
    "Ngô Thị Mai",
)
_POSTS = ("Vụ trưởng", "Phó Vụ trưởng", "Chánh Văn phòng", "Chuyên viên chính", "Chuyên viên", "Giám đốc Sở")
_UNITS = (
    "Vụ Tổ chức - Biên chế",
    "Vụ Công chức - Viên chức",
    "Văn phòng Bộ",
    "Vụ Cải cách hành chính",
    "Ban Tôn giáo Chính phủ",
    "Cục Văn thư và Lưu trữ nhà nước",
    "Sở Nội vụ Hà Nội",
)


def content_type_for(path: str) -> str:
    """The Content-Type the site serves for `path`, by extension (application/octet-stream if unknown)."""
    return MEDIA_TYPES.get(_extension(path), "application/octet-stream")


def make_media(path: str, seed: int, size_hint: int | None = None, *, title: str | None = None) -> bytes:
    """The bytes of the media file at `path` (its extension picks the type), deterministic per seed.

    `size_hint` asks for a file of roughly that many bytes (at least); `title` is written into
    documents (PDF, Word, Excel, ZIP readme) instead of a title made from the file name.
    Raises ValueError for an extension the replica does not serve.
    """
    ext = _extension(path)
    if ext not in _MAKERS:
        raise ValueError(
            f"replica media: no generator for {path!r} (served types: {', '.join(sorted(_MAKERS))})"
        )
    return _make_cached(path, seed, size_hint, title)


@functools.lru_cache(maxsize=256)
def _make_cached(path: str, seed: int, size_hint: int | None, title: str | None) -> bytes:
    spec = _Spec(path=path, seed=seed, size_hint=size_hint, title=title or _title_from_path(path))
    return _MAKERS[_extension(path)](spec)


@dataclass(frozen=True, slots=True)
class _Spec:
    path: str
    seed: int
    size_hint: int | None
    title: str

    def rng(self, purpose: str = "") -> random.Random:
        # str seeds go through SHA-512 in random.seed (version 2): stable across runs and machines
        return random.Random(f"{self.seed}|{self.path}|{purpose}")

    def sentences(self, count: int, purpose: str = "text") -> list[str]:
        rng = self.rng(purpose)
        out = []
        for _ in range(count):
            words = [rng.choice(_WORDS) for _ in range(rng.randint(9, 18))]
            out.append(" ".join(words).capitalize() + ".")
        return out


def _extension(path: str) -> str:
    return PurePosixPath(path.split("?", 1)[0]).suffix.lower().lstrip(".")


def _title_from_path(path: str) -> str:
    stem = PurePosixPath(path.split("?", 1)[0]).stem
    return stem.replace("-", " ").replace("_", " ").strip() or "tai lieu"


def ascii_fold(text: str) -> str:
    """Vietnamese text without diacritics (`Bộ Nội vụ` -> `Bo Noi vu`), for the PDF's base-14 font."""
    text = text.replace("đ", "d").replace("Đ", "D")
    stripped = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return stripped.encode("ascii", "replace").decode("ascii")


# -- images ---------------------------------------------------------------------------------------


def _picture(spec: _Spec) -> Image.Image:
    """A small "photo": sky, ground, a hall and a row of people-like shapes, colours from the seed."""
    rng = spec.rng("image")
    width = rng.choice((240, 320, 400, 480))
    height = width * 3 // 4
    if spec.size_hint:
        # noise compresses to ~1 byte/pixel, so a noise canvas of size_hint pixels hits the hint
        side = max(width, int(math.sqrt(spec.size_hint * 4 / 3)))
        width, height = side, side * 3 // 4
    image = Image.new("RGB", (width, height), (rng.randrange(90, 160), rng.randrange(140, 200), 230))
    draw = ImageDraw.Draw(image)
    horizon = height * rng.randint(50, 65) // 100
    draw.rectangle((0, horizon, width, height), fill=(rng.randrange(60, 120), rng.randrange(90, 140), 60))
    hall = (width // 6, horizon - height // 3, width * 5 // 6, horizon)
    draw.rectangle(hall, fill=(200 + rng.randrange(40), 180 + rng.randrange(40), 150), outline=(120, 40, 30))
    draw.polygon(
        [(hall[0] - 10, hall[1]), (width // 2, hall[1] - height // 8), (hall[2] + 10, hall[1])],
        fill=(170, 30 + rng.randrange(40), 30),
    )
    for index in range(rng.randint(4, 9)):
        x = width // 10 + index * width // 11
        y = horizon + height // 10
        draw.ellipse((x, y - 14, x + 12, y - 2), fill=(230, 190, 160))
        draw.rectangle(
            (x - 2, y, x + 14, y + height // 6), fill=(rng.randrange(30, 200), 40, rng.randrange(40, 160))
        )
    if spec.size_hint:
        noise = Image.frombytes("L", (width, height // 3), rng.randbytes(width * (height // 3)))
        image.paste(Image.merge("RGB", (noise, noise, noise)), (0, height - height // 3))
    return image


def _jpeg(spec: _Spec) -> bytes:
    out = io.BytesIO()
    _picture(spec).save(out, "JPEG", quality=82)
    return out.getvalue()


def _png(spec: _Spec) -> bytes:
    out = io.BytesIO()
    _picture(spec).save(out, "PNG", compress_level=1 if spec.size_hint else 6)  # noise: don't try hard
    return out.getvalue()


def _gif(spec: _Spec) -> bytes:
    out = io.BytesIO()
    _picture(spec).convert("P", palette=Image.Palette.ADAPTIVE, colors=64).save(out, "GIF")
    return out.getvalue()


# -- PDF ------------------------------------------------------------------------------------------


def _pdf_string(text: str) -> bytes:
    folded = ascii_fold(text)
    return b"(" + folded.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("ascii") + b")"


def _pdf(spec: _Spec) -> bytes:
    """A one-page PDF 1.4: title and paragraphs in Helvetica; with size_hint, a noise image too."""
    lines = [spec.title, "BO NOI VU - CONG HOA XA HOI CHU NGHIA VIET NAM", ""]
    for sentence in spec.sentences(6):
        folded = ascii_fold(sentence)
        while folded:
            cut = folded[:90].rfind(" ") if len(folded) > 90 else len(folded)
            cut = cut if cut > 0 else 90
            lines.append(folded[:cut])
            folded = folded[cut:].lstrip()
    text_ops = [b"BT", b"/F1 16 Tf", b"50 790 Td", b"18 TL"]
    for index, line in enumerate(lines[:40]):
        if index == 1:
            text_ops.append(b"/F1 10 Tf")
        text_ops.append(_pdf_string(line) + b" Tj T*")
    text_ops.append(b"ET")
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"",  # the page, filled below once we know whether it has an image
        b"",  # the content stream
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Title " + _pdf_string(spec.title) + b" /Producer (moha-migrate replica) >>",
    ]
    resources = b"/Font << /F1 5 0 R >>"
    if spec.size_hint:
        side = max(16, int(math.sqrt(spec.size_hint)))
        pixels = spec.rng("pdf-image").randbytes(side * side)
        objects.append(
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
            b"/BitsPerComponent 8 /Length %d >>\nstream\n%s\nendstream" % (side, side, len(pixels), pixels)
        )
        resources += b" /XObject << /Im1 7 0 R >>"
        text_ops.append(b"q 495 0 0 300 50 60 cm /Im1 Do Q")
    content = b"\n".join(text_ops)
    objects[2] = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << "
        + resources
        + b" >> /Contents 4 0 R >>"
    )
    objects[3] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref_at,
    )
    return bytes(out)


# -- ZIP-based: docx and zip ----------------------------------------------------------------------


def _zip(members: list[tuple[str, bytes, int]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data, method in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = method
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return out.getvalue()


def _docx(spec: _Spec) -> bytes:
    """A Word 2007+ document: title and paragraphs (Vietnamese, UTF-8 XML), fixed dates."""
    paragraphs = [
        (
            f'<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/></w:rPr>'
            f"<w:t>{escape(spec.title)}</w:t></w:r></w:p>"
        )
    ]
    paragraphs += [
        f'<w:p><w:r><w:t xml:space="preserve">{escape(s)}</w:t></w:r></w:p>' for s in spec.sentences(8)
    ]
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{''.join(paragraphs)}<w:sectPr/></w:body></w:document>"
    )
    thumbnail = b""
    if spec.size_hint:
        side = max(16, int(math.sqrt(spec.size_hint)))
        buffer = io.BytesIO()
        Image.frombytes("L", (side, side), spec.rng("docx-thumb").randbytes(side * side)).save(
            buffer, "PNG", compress_level=1
        )
        thumbnail = buffer.getvalue()
    rels = (
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="word/document.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
        'core-properties" Target="docProps/core.xml"/>'
    )
    if thumbnail:
        rels += (
            '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
            'metadata/thumbnail" Target="docProps/thumbnail.png"/>'
        )
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Default Extension="png" ContentType="image/png"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.wordprocessingml.document.main+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
        'package.core-properties+xml"/></Types>'
    )
    core = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        "<cp:coreProperties "
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:title>{escape(spec.title)}</dc:title><dc:creator>Bộ Nội vụ</dc:creator></cp:coreProperties>"
    )
    members = [
        ("[Content_Types].xml", content_types.encode(), zipfile.ZIP_DEFLATED),
        (
            "_rels/.rels",
            (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns='
                f'"http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>'
            ).encode(),
            zipfile.ZIP_DEFLATED,
        ),
        ("word/document.xml", document.encode(), zipfile.ZIP_DEFLATED),
        ("docProps/core.xml", core.encode(), zipfile.ZIP_DEFLATED),
    ]
    if thumbnail:
        members.append(("docProps/thumbnail.png", thumbnail, zipfile.ZIP_STORED))
    return _zip(members)


def _zip_archive(spec: _Spec) -> bytes:
    """A bundle as ministries posted them: a readme, the text as docx and as PDF (+ data if large)."""
    stem = PurePosixPath(spec.path.split("?", 1)[0]).stem or "tai-lieu"
    readme = "\r\n".join([spec.title, "", *spec.sentences(3, "readme"), ""]).encode("utf-8")
    members = [
        ("Doc ky.txt", readme, zipfile.ZIP_DEFLATED),
        (
            f"{stem}.docx",
            make_media(f"{spec.path}#inner.docx", spec.seed, title=spec.title),
            zipfile.ZIP_STORED,
        ),
        (
            f"{stem}.pdf",
            make_media(f"{spec.path}#inner.pdf", spec.seed, title=spec.title),
            zipfile.ZIP_DEFLATED,
        ),
    ]
    if spec.size_hint:
        members.append(
            (
                f"Phụ lục {stem}.pdf",
                make_media(f"{spec.path}#annex.pdf", spec.seed, spec.size_hint, title=spec.title),
                zipfile.ZIP_STORED,
            )
        )
    return _zip(members)


# -- OLE2 compound files: doc and xls (container in replica.cfb) ---------------------------------


def _doc(spec: _Spec) -> bytes:
    """A Word 97-2003 file: FIB, a stylesheet with the Normal style and a piece table in `1Table`.

    The text is one uncompressed (UTF-16LE) piece, so Vietnamese survives. Formatting tables
    (character/paragraph FKPs, fonts, DOP) are left out: readers that follow MS-DOC's text
    retrieval (antiword, catdoc, the tests' own reader) get the text; Word may offer to repair.
    antiword reads past a missing stylesheet (and crashes at random), hence the STSH.
    """
    text = "\r".join([spec.title, *spec.sentences(8)]) + "\r"
    encoded = text.encode("utf-16-le")
    fib_size = 32 + 2 + 28 + 2 + 88 + 2 + 93 * 8 + 2
    text_at = 0x800  # Word puts the text after the FIB, conventionally at 0x400 or beyond
    fib = bytearray(text_at)
    # FibBase: wIdent, nFib, unused, lid (vi-VN), pnNext, flags (fWhichTblStm=1, fExtChar=1)
    struct.pack_into("<HHHHHH", fib, 0, 0xA5EC, 0x00C1, 0, 0x042A, 0, 0x1200)
    struct.pack_into("<H", fib, 12, 0x00BF)  # nFibBack
    # FibBase's last two fields were fcMin/fcMac in Word 97 (MS-DOC calls them reserved5/6, but
    # older readers such as catdoc still find the text by them)
    struct.pack_into("<II", fib, 0x18, text_at, text_at + len(encoded))
    offset = 32
    struct.pack_into("<H", fib, offset, 14)  # csw, then fibRgW97 (zeros)
    offset += 2 + 28
    struct.pack_into("<H", fib, offset, 22)  # cslw, then fibRgLw97
    lw_at = offset + 2
    offset = lw_at + 88
    struct.pack_into("<H", fib, offset, 93)  # cbRgFcLcb, then fibRgFcLcb97
    fclcb_at = offset + 2
    struct.pack_into("<H", fib, fclcb_at + 93 * 8, 0)  # cswNew
    assert fclcb_at + 93 * 8 + 2 == fib_size
    struct.pack_into("<I", fib, lw_at, text_at + len(encoded))  # cbMac
    struct.pack_into("<I", fib, lw_at + 12, len(encoded) // 2)  # ccpText (UTF-16 code units)

    table = bytearray()

    def put(index: int, blob: bytes) -> None:  # a table in 1Table, located by FibRgFcLcb97 pair `index`
        struct.pack_into("<II", fib, fclcb_at + index * 8, len(table), len(blob))
        table.extend(blob)

    put(1, _word_stylesheet())  # fcStshf
    # Clx: one Pcdt holding a PlcPcd with CPs [0, len] and one Pcd at the text (fc, not compressed)
    pcd = struct.pack("<HIH", 0, text_at, 0)
    plc = struct.pack("<II", 0, len(encoded) // 2) + pcd
    put(33, b"\x02" + struct.pack("<I", len(plc)) + plc)  # fcClx
    streams = [("WordDocument", bytes(fib) + encoded), ("1Table", bytes(table))]
    if spec.size_hint:
        streams.append(
            ("Data", spec.rng("doc-data").randbytes(max(0, spec.size_hint - text_at - len(encoded))))
        )
    return write_cfb(streams)


def _word_stylesheet() -> bytes:
    """STSH with one style, Normal (sti 0, a paragraph style with empty property exceptions)."""
    stshi = struct.pack("<HHHHHH", 1, 0x000A, 1, 0x5B, 0x0F, 0)  # cstd, cbSTDBaseInFile, flags, stiMax...
    stshi += struct.pack("<HHHH", 0, 0, 0, 0)  # rgftcStandardChpStsh (3 fonts), ftcBi
    name = "Normal".encode("utf-16-le")
    std_body = struct.pack("<HHH", 0x0000, 0xFFF1, 0x0002)  # sti 0; stk paragraph, no base; 2 UPXs, next 0
    upx = struct.pack("<HH", 2, 0) + struct.pack("<H", 0)  # paragraph UPX: istd 0; character UPX: empty
    name_field = struct.pack("<H", len(name) // 2) + name + b"\0\0"
    cb_std = len(std_body) + 4 + len(name_field) + len(upx)
    std = std_body + struct.pack("<HH", cb_std, 0) + name_field + upx  # bchUpe = cbStd, grfstd 0
    return struct.pack("<H", len(stshi)) + stshi + struct.pack("<H", cb_std) + std


def _biff(record_type: int, payload: bytes) -> bytes:
    return struct.pack("<HH", record_type, len(payload)) + payload


def _xl_string(text: str, length_bytes: int) -> bytes:
    """XLUnicodeString (2-byte count) or ShortXLUnicodeString (1-byte count), always UTF-16LE."""
    count = struct.pack("<H", len(text)) if length_bytes == 2 else struct.pack("<B", len(text))
    return count + b"\x01" + text.encode("utf-16-le")


def _xls(spec: _Spec) -> bytes:
    """An Excel 97-2003 (BIFF8) workbook with one sheet: a staff list as ministries published them."""
    rng = spec.rng("xls")
    header = ["STT", "Họ và tên", "Chức vụ", "Đơn vị", "Năm sinh"]
    rows: list[list[str | float]] = []
    for index in range(1, rng.randint(6, 14) + 1):
        rows.append(
            [
                float(index),
                rng.choice(_NAMES),
                rng.choice(_POSTS),
                rng.choice(_UNITS),
                float(rng.randint(1955, 1990)),
            ]
        )
    font = struct.pack("<HHHHHBBBB", 200, 0, 0x7FFF, 400, 0, 0, 0, 0, 0) + _xl_string("Times New Roman", 1)
    style_xf = struct.pack("<HHHBBBBIIH", 0, 0, 0xFFF5, 0x20, 0, 0, 0, 0, 0, 0x20C0)
    cell_xf = struct.pack("<HHHBBBBIIH", 0, 0, 0x0001, 0x20, 0, 0, 0, 0, 0, 0x20C0)
    sheet_name = "Danh sách"
    globals_ = [
        _biff(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0x41, 0x06)),  # BOF workbook
        _biff(0x0042, struct.pack("<H", 1200)),  # CODEPAGE: UTF-16
        _biff(0x003D, struct.pack("<HHHHHHHHH", 0, 0, 0x3A00, 0x2000, 0x38, 0, 0, 1, 0x258)),  # WINDOW1
        *[_biff(0x0031, font) for _ in range(5)],  # FONT x5 (index 4 is never used, as in Excel)
        *[_biff(0x00E0, style_xf) for _ in range(15)],  # XF 0-14: style XFs, as Excel writes them
        _biff(0x00E0, cell_xf),  # XF 15: the default cell format every cell uses
        _biff(0x0293, struct.pack("<HBB", 0x8000, 0, 0xFF)),  # STYLE: built-in Normal
    ]
    boundsheet_at = sum(len(r) for r in globals_)
    boundsheet_len = len(_biff(0x0085, struct.pack("<IBB", 0, 0, 0) + _xl_string(sheet_name, 1)))
    eof = _biff(0x000A, b"")
    sheet_at = boundsheet_at + boundsheet_len + len(eof)
    globals_.append(_biff(0x0085, struct.pack("<IBB", sheet_at, 0, 0) + _xl_string(sheet_name, 1)))
    globals_.append(eof)
    cells = []
    for row_index, row in enumerate([header, *rows]):
        for col_index, value in enumerate(row):
            if isinstance(value, float):
                cells.append(_biff(0x0203, struct.pack("<HHHd", row_index, col_index, 15, value)))
            else:
                cells.append(
                    _biff(0x0204, struct.pack("<HHH", row_index, col_index, 15) + _xl_string(value, 2))
                )
    sheet = [
        _biff(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0x41, 0x06)),  # BOF worksheet
        _biff(0x0200, struct.pack("<IIHHH", 0, len(rows) + 1, 0, len(header), 0)),  # DIMENSIONS
        *cells,
        _biff(0x023E, struct.pack("<HHHHHHHI", 0x06B6, 0, 0, 0x40, 0, 0, 0, 0)),  # WINDOW2
        eof,
    ]
    workbook = b"".join(globals_) + b"".join(sheet)
    streams = [("Workbook", workbook)]
    if spec.size_hint:
        streams.append(("Data", spec.rng("xls-data").randbytes(max(0, spec.size_hint - len(workbook)))))
    return write_cfb(streams)


_MAKERS: dict[str, Callable[[_Spec], bytes]] = {
    "jpg": _jpeg,
    "jpeg": _jpeg,
    "png": _png,
    "gif": _gif,
    "pdf": _pdf,
    "docx": _docx,
    "zip": _zip_archive,
    "doc": _doc,
    "xls": _xls,
}
