"""Media files under /Uploads/: sniff the type from the payload, name the file, build Media records.

The type comes from the first bytes of the payload (magic numbers), not from the URL or the
server's Content-Type: the legacy server sent `application/octet-stream` for many files, and a
name can lie. The extension only separates formats that share a container (an OLE2 file is a
`.doc` or an `.xls`; a ZIP is a `.docx`, an `.xlsx` or a plain `.zip`, told by its first entry).
Grouping by payload digest (same bytes under two URLs, one record) happens in merge.py.
"""

from __future__ import annotations

import logging
import mimetypes
import posixpath
import unicodedata
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)

__all__ = ["file_name", "sniff_mime"]

_EXT_MIME = {
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"BM", "image/bmp"),
    (b"{\\rtf", "application/rtf"),
)
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")


def file_name(url: str) -> str:
    """The file name of a URL's path, percent-escapes undone, NFC (`Quyết định 1.pdf`)."""
    name = posixpath.basename(unquote(urlsplit(url).path))
    return unicodedata.normalize("NFC", name)


def _extension(url: str) -> str:
    name = file_name(url)
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def sniff_mime(head: bytes, url: str, declared: str = "") -> str:
    """The MIME type of a payload from its first bytes; the URL's extension separates formats that
    share a container; `declared` (the Content-Type) is used only when the bytes say nothing."""
    for magic, mime in _MAGIC:
        if head.startswith(magic):
            return mime
    if head[8:12] == b"WEBP" and head.startswith(b"RIFF"):
        return "image/webp"
    ext = _extension(url)
    if head.startswith(_OLE2):
        return _EXT_MIME.get(ext, "application/x-ole-storage") if ext in ("doc", "xls", "ppt") else "application/x-ole-storage"
    if head.startswith(_ZIP):
        # An Office Open XML file is a ZIP whose first entry is its content-types part or one of
        # its folders; a plain ZIP (even one holding .docx files) starts with anything else.
        name_length = int.from_bytes(head[26:28], "little") if len(head) >= 30 else 0
        first = head[30 : 30 + name_length]
        if first == b"[Content_Types].xml" or first.startswith((b"word/", b"xl/", b"ppt/", b"_rels/", b"docProps/")):
            for marker, kind in ((b"word/", "docx"), (b"xl/", "xlsx"), (b"ppt/", "pptx")):
                if marker in head:
                    return _EXT_MIME[kind]
            return _EXT_MIME.get(ext, _EXT_MIME["docx"]) if ext in ("docx", "xlsx", "pptx") else _EXT_MIME["docx"]
        return "application/zip"
    if declared and declared not in ("application/octet-stream", "text/html"):
        return declared
    if not head:  # nothing captured: the extension is the only evidence left
        guessed = _EXT_MIME.get(ext) or mimetypes.guess_type(file_name(url))[0]
        return guessed or "application/octet-stream"
    sample = head[:512]
    if sample and not any(b < 9 or 13 < b < 32 for b in sample):
        return "text/plain"
    return "application/octet-stream"
