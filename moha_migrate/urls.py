"""Canonical forms of legacy URLs, shared by the crawler's frontier, transform and the loaders.

Two jobs, kept apart on purpose:
- `normalize_url` writes one URL the way records.md wants it stored (absolute, no fragment, UTF-8
  percent-encoding for non-ASCII and spaces, the host as shown) without merging anything;
- `frontier_key` folds the variants that are the same resource for a crawler (www/bare host,
  parameter order, cookieless session tokens in the path, fragments), so each is fetched once.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

SITE_HOST = "moha.gov.vn"
SITE_HOSTS = frozenset({"moha.gov.vn", "www.moha.gov.vn"})

# ASP.NET cookieless session state puts the session id in the path: /(S(lit3py55t21z5v55vlm25s55))/
SESSION_IN_PATH = re.compile(r"/\((?:[A-Za-z]\([A-Za-z0-9]+\))+\)(?=/|$)")
# Characters kept as they are when percent-encoding a path or query (RFC 3986 reserved + '%').
_SAFE_PATH = "/:@!$&'()*+,;=-._~%"
_SAFE_QUERY = _SAFE_PATH + "?"


def normalize_url(url: str) -> str:
    """The URL as a record stores it: lower-case scheme and host, no fragment, no default port,
    non-ASCII and spaces UTF-8 percent-encoded; path case, host form and query order kept."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower() or "http"
    host = (parts.hostname or "").lower()
    if parts.port and not (scheme == "http" and parts.port == 80):
        host = f"{host}:{parts.port}"
    path = quote(unicodedata.normalize("NFC", parts.path or "/"), safe=_SAFE_PATH)
    query = quote(unicodedata.normalize("NFC", parts.query), safe=_SAFE_QUERY)
    return urlunsplit((scheme, host, path, query, ""))


def strip_session(path: str) -> str:
    """Remove an ASP.NET cookieless session segment from a URL path."""
    return SESSION_IN_PATH.sub("", path) or "/"


def frontier_key(url: str) -> str:
    """The key under which a crawler fetches a URL once: bare host, no session token, sorted query."""
    parts = urlsplit(normalize_url(url))
    host = parts.netloc
    if host.startswith("www.") and host[4:] in SITE_HOSTS:
        host = host[4:]
    path = strip_session(parts.path)
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)), quote_via=quote, safe="%")
    return urlunsplit((parts.scheme, host, path, query, ""))


def same_url(a: str, b: str) -> bool:
    """True when two URLs are the same text after unquoting and NFC (records.md's comparison)."""
    return comparable(a) == comparable(b)


def comparable(url: str) -> str:
    """A URL unquoted and in NFC, for comparisons that must ignore percent-encoding differences."""
    return unicodedata.normalize("NFC", unquote(url.split("#", 1)[0]))


def is_site_url(url: str) -> bool:
    """True for http(s) URLs on the legacy site's hosts."""
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and (parts.hostname or "").lower() in SITE_HOSTS
