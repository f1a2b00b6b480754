"""ASCII slugs from Vietnamese text, as the legacy site wrote them in URLs and the portal does."""

from __future__ import annotations

import re
import unicodedata

_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, max_length: int = 80) -> str:
    """`Chính thức khai trương Cổng` -> `chinh-thuc-khai-truong-cong`.

    Diacritics are dropped after NFD decomposition; `đ`/`Đ` have no decomposition and are mapped
    to `d` by hand. The result is cut at a word boundary to at most `max_length` characters.
    """
    text = text.replace("đ", "d").replace("Đ", "D")
    ascii_text = unicodedata.normalize("NFD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = _NON_SLUG.sub("-", ascii_text).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0]
    return slug or "x"
