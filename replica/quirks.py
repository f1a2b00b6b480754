"""The legacy site's quirks, one named function each (legacy-site.md, "Quirks the replica must have").

Encoders turn Unicode text into what the old pages really held: TCVN3 (`.VnTime`) and VNI
(`VNI-Times`) runs produced by the real codecs of `moha_migrate.vncodecs` and carried as the
windows-1252 characters of their bytes, windows-1258 with the tone marks as separate combining
characters (what Vietnamese Windows typed), and NFD UTF-8. The ASP.NET functions make and check
the hidden fields of the postback pager; the session functions put ASP.NET's cookieless session
id into paths. `QUIRKS` names every quirk with a one-line description, and `Site.quirk_urls()`
maps each name to URLs that show it, so tests are parametrised by quirk name.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import re
import threading
import unicodedata
from collections.abc import Iterable
from urllib.parse import parse_qsl

from moha_migrate.vncodecs import encode_tcvn3, encode_vni, vietnamese_letters
from replica.catalog import ascii_int

QUIRKS: dict[str, str] = {
    "tcvn3": "body typed in TCVN3 (.VnTime), served as windows-1252 bytes; ư = 0xAD",
    "tcvn3-heading": "headline typed in lowercase TCVN3 and shown as capitals by .VnTimeH",
    "vni": "body typed in VNI-Windows (VNI-Times), served as windows-1252 bytes",
    "windows-1258": "page served as windows-1258 with decomposed tone marks",
    "nfd": "UTF-8 page whose text is in Unicode NFD",
    "charset-header-conflict": "HTTP header says ISO-8859-1, <meta> and bytes are UTF-8",
    "charset-meta-conflict": "HTTP header and bytes are UTF-8, <meta> says windows-1252",
    "word-html": "Word paste: mso- styles, <o:p>, <font>, nested tables, &nbsp; paragraphs, unclosed tags",
    "dangerous-markup": "inline <script>, <iframe>, onclick= and javascript: links in a body",
    "alias-default": "article under /Default.aspx?tabid=&ItemID=",
    "alias-reordered-query": "article under /Default.aspx?ItemID=&tabid= (parameters reordered)",
    "alias-dnn": "article under /tabid/T/catid/C/item/I/slug.aspx",
    "alias-www": "article under the www. host",
    "print-view": "article print view /Print.aspx?ItemID=",
    "duplicate-image": "the same image bytes under two URLs",
    "media-name-spaces": "media file name with spaces, not percent-encoded in links",
    "media-name-vietnamese": "media file name with raw Vietnamese letters",
    "media-name-case": "two media files whose names differ only in case",
    "session-path": "ASP.NET cookieless session id in the path",
    "calendar-trap": "LichCongTac.aspx?date= whose previous/next links never end",
    "search-echo": "TimKiem.aspx?q= echoing links with growing queries",
    "robots": "robots.txt disallowing /Admin/, /TimKiem.aspx, /EmailArticle.aspx with Crawl-delay",
    "deleted-404": "deleted item answering 404",
    "soft-404": "deleted item answering 200 with 'Bài viết không tồn tại'",
    "error-500-once": "URL failing with 500 on the first request only",
    "slow": "page answering after several seconds",
    "redirect-chain": "301 -> 302 -> 200 chain",
    "redirect-loop": "redirect loop",
    "large-attachment": "one attachment far larger than the rest",
    "media-validators": "ETag and Last-Modified on media (304 on a conditional GET)",
    "gzip": "gzip-compressed response (when accepted)",
    "chunked": "chunked transfer encoding",
    "postback-pager": "listing page N only through an ASP.NET postback with valid hidden fields",
    "query-pager": "listing page N through &page=N",
    "document-filters": "document listing filtered by type/issuer/year in the query string",
    "links-every-form": "absolute (both hosts), relative, ../, #fragment, mailto:, javascript:, out-of-scope links",
}

# ------------------------------------------------------------------ legacy encodings

# Tone marks Vietnamese Windows typed as separate combining characters after the base letter
# (which keeps its shape mark: â ă ê ô ơ ư); windows-1258 has all of them (0xCC 0xEC 0xDE 0xD2 0xF2).
_TONES = "\u0300\u0301\u0303\u0309\u0323"


def windows_1258_decomposed(text: str) -> bytes:
    """`text` as Vietnamese Windows wrote it in windows-1258: base letter (with its shape mark
    precomposed, e.g. `ô`) followed by the combining tone mark; anything else as a character
    reference. Python's cp1258 decoder gives back the combining marks (field-notes.md)."""
    return (
        unicodedata.normalize("NFC", text)
        .translate(_cp1258_table())
        .encode("cp1258", errors="xmlcharrefreplace")
    )


@functools.cache
def _cp1258_table() -> dict[int, str]:
    """Each Vietnamese letter with a tone -> base letter (shape kept) + combining tone mark."""
    table: dict[int, str] = {}
    for char in vietnamese_letters():
        decomposed = unicodedata.normalize("NFD", char)
        tones = "".join(c for c in decomposed if c in _TONES)
        if tones:
            table[ord(char)] = (
                unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES)) + tones
            )
    return table


def tcvn3_run(text: str) -> str:
    """HTML-escaped `text` as a `.VnTime` run: its TCVN3 bytes read as Latin-1 characters.

    TCVN3 has no capitals with tone marks; vncodecs folds them to the lowercase byte, as typists
    had to. The page is then written as Latin-1 (see `latin1_page`), which restores the bytes.
    """
    return encode_tcvn3(html.escape(text, quote=False)).decode("latin-1")


def tcvn3_heading(text: str) -> str:
    """A headline as typed for `.VnTimeH`: lowercase TCVN3, which the font shows in capitals."""
    return tcvn3_run(text.lower())


def vni_run(text: str) -> str:
    """HTML-escaped `text` as a `VNI-Times` run: its VNI-Windows bytes read as Latin-1 characters."""
    return encode_vni(html.escape(text, quote=False)).decode("latin-1")


def nfd_text(text: str) -> str:
    """HTML-escaped `text` in Unicode NFD (some UTF-8 pages held decomposed text)."""
    return html.escape(unicodedata.normalize("NFD", text), quote=False)


def latin1_page(page: str) -> bytes:
    """A page whose legacy-font runs are Latin-1 characters, written as windows-1252 bytes: those
    runs become their original bytes, every other non-Latin-1 character a numeric reference
    (ASP.NET pages served as windows-1252 wrote Vietnamese template text that way)."""
    return page.encode("latin-1", errors="xmlcharrefreplace")


# ------------------------------------------------------------------ ASP.NET postback pager

PAGER_TARGET = "ctl00$ContentPane$ctl01$pager"


def _sign(*parts: object) -> str:
    return hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:12]


def viewstate(seed: int, tabid: int, page: int) -> str:
    """The __VIEWSTATE of listing `tabid` at `page`: opaque, signed, stable for a seed."""
    payload = f"{tabid}|{page}|{_sign('vs', seed, tabid, page)}".encode()
    return "/wEPDwUKMTI3" + base64.b64encode(payload).decode()


def eventvalidation(seed: int, tabid: int, pages: int) -> str:
    """The __EVENTVALIDATION listing which pager arguments (Page$1..Page$pages) are valid."""
    payload = f"{tabid}|{pages}|{_sign('ev', seed, tabid, pages)}".encode()
    return "/wEWBgL" + base64.b64encode(payload).decode()


def postback_page(seed: int, tabid: int, pages: int, body: bytes) -> int | None:
    """The page a POSTed form asks for, or None when it is not a valid pager postback.

    Valid means: __EVENTTARGET is the pager, __EVENTARGUMENT is `Page$N` with 1 <= N <= pages,
    __VIEWSTATE was issued for this listing (any of its pages) and __EVENTVALIDATION matches
    it, as ASP.NET's event validation demands.
    """
    try:
        fields = dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
    except ValueError:
        return None
    if fields.get("__EVENTTARGET") != PAGER_TARGET:
        return None
    match = re.fullmatch(r"Page\$([0-9]{1,6})", fields.get("__EVENTARGUMENT", ""))
    if not match or not 1 <= int(match.group(1)) <= pages:
        return None
    if fields.get("__EVENTVALIDATION") != eventvalidation(seed, tabid, pages):
        return None
    state = fields.get("__VIEWSTATE", "")
    if not state.startswith("/wEPDwUKMTI3"):
        return None
    try:
        vs_tabid, vs_page, _ = (
            base64.b64decode(state[len("/wEPDwUKMTI3") :], validate=True).decode().split("|")
        )
    except (ValueError, UnicodeDecodeError):
        return None
    page_shown = ascii_int(vs_page)
    if ascii_int(vs_tabid) != tabid or page_shown is None:
        return None
    if state != viewstate(seed, tabid, page_shown):
        return None
    return int(match.group(1))


# ------------------------------------------------------------------ cookieless sessions

SESSION_ID = "lit3py55t21z5v55vlm25s55"
SESSION_PREFIX = re.compile(r"^/\(S\(([a-z0-9]{24})\)\)(?=/)")


def split_session(path: str) -> tuple[str | None, str]:
    """(session id, path without it) for `/(S(id))/rest`; (None, path) otherwise."""
    match = SESSION_PREFIX.match(path)
    if not match:
        return None, path
    return match.group(1), path[match.end() :] or "/"


def session_links(page: bytes, session_id: str) -> bytes:
    """Rewrite app-relative links (`href="/..."`) of a page under the session prefix, as ASP.NET's
    cookieless mode does: every page reached through a session URL leads to more of them."""
    return page.replace(b'href="/', f'href="/(S({session_id}))/'.encode("ascii"))


# ------------------------------------------------------------------ robots.txt

ROBOTS_TXT = """# robots.txt for http://moha.gov.vn/
User-agent: *
Crawl-delay: 1
Disallow: /Admin/
Disallow: /TimKiem.aspx
Disallow: /EmailArticle.aspx
"""
ROBOTS_DISALLOWED = ("/Admin/", "/TimKiem.aspx", "/EmailArticle.aspx")
CRAWL_DELAY_S = 1


def robots_disallows(path_and_query: str) -> bool:
    """True when robots.txt forbids the path (simple prefix rules, as the file is written)."""
    return path_and_query.startswith(ROBOTS_DISALLOWED)


# ------------------------------------------------------------------ server behaviour

SLOW_DELAY_S = 3.0  # the one slow page (legacy-site.md: "several seconds")


class FailOnce:
    """URLs that answer 500 on their first request only (a crawler must retry them).

    Thread-safe: when several requests for one URL race, exactly one of them fails.
    """

    def __init__(self, keys: Iterable[str]) -> None:
        self.keys = frozenset(keys)
        self._failed: set[str] = set()
        self._lock = threading.Lock()

    def fails(self, key: str) -> bool:
        """True for the first request of a listed key, False for every later one."""
        if key not in self.keys:
            return False
        with self._lock:
            if key in self._failed:
                return False
            self._failed.add(key)
            return True


def redirect_loop_target(has_return_url: bool) -> str:
    """Where /Portal.aspx sends a client: to itself with a ReturnUrl, which sends it back (a loop)."""
    return "/Portal.aspx" if has_return_url else "/Portal.aspx?ReturnUrl=%2fPortal.aspx"
