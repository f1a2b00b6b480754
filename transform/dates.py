"""The legacy site's Vietnamese date forms, parsed to aware datetimes in Vietnam time (+07:00).

The three forms the site prints (legacy-site.md) are matched directly: `15/08/2015 07:25 GMT+7`
(article toolbar), `Thứ bảy, 15/08/2015, 07:25` and `Cập nhật lúc 7:25 ngày 15/8/2015`. Anything
else goes to dateparser with `languages=["vi"]`, day first and strict parsing (day, month and year
must all be present); relative phrases ("hôm qua") and strings without a four-digit year are
refused. A string that is not a date raises `TransformError`: a migration must not guess a date.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from datetime import date, datetime

from moha_migrate.errors import TransformError
from moha_migrate.records import VN_TZ

log = logging.getLogger(__name__)

__all__ = ["find_vn_datetime", "parse_vn_date", "parse_vn_datetime"]

_DAY = r"(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})"
_TIME = r"(?P<H>\d{1,2})[:hg](?P<M>\d{2})"
# Toolbar: "15/08/2015 07:25 GMT+7" (the GMT+7 suffix is optional on some pages)
_TOOLBAR = re.compile(_DAY + r"[ ,]+" + _TIME + r"(?:\s*\(?GMT\s*\+\s*7\)?)?", re.IGNORECASE)
# "Thứ bảy, 15/08/2015, 07:25" (weekday first; the weekday is not checked against the date)
_WEEKDAY = re.compile(r"(?:Thứ\s+\w+|Chủ\s+nhật)\s*,\s*" + _DAY + r"\s*,?\s*" + _TIME, re.IGNORECASE)
# "Cập nhật lúc 7:25 ngày 15/8/2015" (time before date)
_UPDATED = re.compile(r"(?:Cập\s+nhật\s+)?lúc\s+" + _TIME + r"\s*,?\s*ngày\s+" + _DAY, re.IGNORECASE)
_DATE_ONLY = re.compile(r"^\s*(?:ngày\s+)?" + _DAY + r"\s*$", re.IGNORECASE)
_ISO_DATE = re.compile(r"^\s*(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\s*$")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")

def _moment(m: re.Match[str], text: str) -> datetime:
    try:
        return datetime(
            int(m.group("y")), int(m.group("m")), int(m.group("d")), int(m.group("H")), int(m.group("M")), tzinfo=VN_TZ
        )
    except ValueError as exc:
        raise TransformError(f"not a calendar date and time: {text!r} ({exc})") from exc


def find_vn_datetime(text: str) -> datetime | None:
    """The first of the site's three date-and-time forms found in `text`, or None when none is."""
    text = unicodedata.normalize("NFC", text)
    best: tuple[int, re.Match[str]] | None = None
    for pattern in (_WEEKDAY, _UPDATED, _TOOLBAR):
        m = pattern.search(text)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), m)
    return _moment(best[1], text) if best else None


def parse_vn_datetime(text: str) -> datetime:
    """Parse one date (and time) as the legacy site printed it; return an aware datetime (+07:00).

    The three site forms are read directly; other forms go through dateparser (`vi`, day first,
    strict). Raises TransformError naming the text when it is not an unambiguous date.
    """
    clean = " ".join(unicodedata.normalize("NFC", text).split())
    for pattern in (_WEEKDAY, _UPDATED, _TOOLBAR):
        m = pattern.fullmatch(clean) or pattern.search(clean)
        if m:
            return _moment(m, text)
    return _dateparser(clean, text)


def parse_vn_date(text: str) -> date:
    """Parse a calendar date (`15/08/2015`, `15/8/2015`, `ngày 15/8/2015`, `2015-08-15`, or a form
    dateparser reads in Vietnamese); raise TransformError for anything that is not one date."""
    clean = " ".join(unicodedata.normalize("NFC", text).split())
    m = _DATE_ONLY.match(clean) or _ISO_DATE.match(clean)
    if m:
        try:
            return date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
        except ValueError as exc:
            raise TransformError(f"not a calendar date: {text!r} ({exc})") from exc
    return _dateparser(clean, text).date()


def _dateparser(clean: str, text: str) -> datetime:
    if not _YEAR.search(clean):
        raise TransformError(f"unparseable date {text!r}: no four-digit year")
    import dateparser  # imported on first use: it costs ~0.3 s and most pages never need it

    parsed = dateparser.parse(
        clean,
        languages=["vi"],
        settings={
            "DATE_ORDER": "DMY",
            "STRICT_PARSING": True,
            "PREFER_DATES_FROM": "past",
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )
    if parsed is None:
        raise TransformError(f"unparseable date {text!r}")
    log.debug("date %r read by dateparser as %s", text, parsed)
    return parsed.replace(tzinfo=VN_TZ)
