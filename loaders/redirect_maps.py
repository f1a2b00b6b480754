"""The redirect map as web-server configuration: an nginx `map`, an Apache `RewriteMap`, or CSV.

Keys are `host + request URI` exactly as a client sends them (the old URL's percent-encoded form:
records.md writes non-ASCII and spaces as UTF-8 %XX), one entry per old URL on either legacy host,
so a request to any other host never matches. Values are paths on the new portal, never another
host (checked here again before anything is written).

nginx matches map strings *ignoring case*, but the legacy site has files whose names differ only in
case (legacy-site.md); keys that collide that way are written as case-sensitive, anchored regexes
(`~^...$`) instead, with regex metacharacters put in brackets (`[.]`) so no backslash escaping is
involved. Apache's txt RewriteMap is case-sensitive already.
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from loaders.db import connect, masked
from loaders.redirects import RedirectRow, SortedRedirects
from moha_migrate.console import Summary
from moha_migrate.errors import LoadError

FORMATS = ("nginx", "apache", "csv")
NGINX_VARIABLE = "$moha_redirect"
_REGEX_META = set(".^$*+?()[]{}|\\")


def request_key(old_url: str) -> str:
    """`host/path?query` of an old URL, as nginx's `$host$request_uri` and Apache see it."""
    parts = urlsplit(old_url)
    host = (parts.hostname or "").lower()
    return host + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def check_target(row: RedirectRow) -> str:
    """The redirect's target path; LoadError if it is not a plain path on the portal."""
    target = row.new_path
    if not target.startswith("/") or target.startswith("//") or any(c.isspace() or c in '"\';{}' for c in target):
        raise LoadError(f"redirect of {row.old_url} has target {target!r}, which is not a path on the portal")
    return target


def _quote_nginx(text: str) -> str:
    if any(c in text for c in '"\\\n\r'):
        raise LoadError(f"cannot write {text!r} in an nginx map (quote or backslash in a URL)")
    return f'"{text}"'


def _regex_literal(text: str) -> str:
    return "".join(f"[{c}]" if c in _REGEX_META and c not in "^\\[]" else c for c in text)


def write_nginx(rows: Iterable[RedirectRow], out: IO[str]) -> int:
    """Write an nginx config snippet (http context): hash sizes plus one `map`; return entries.

    Two passes over `rows` (the hash sizes come first in the file), holding only the hash of each
    case-folded key: two keys with one hash are written as regexes, which is right for true case
    twins and merely slower for the (practically never) colliding others.
    """
    folded: Counter[int] = Counter()
    longest, count = 32, 0
    for row in rows:
        check_target(row)  # before anything is written
        key = request_key(row.old_url)
        folded[hash(key.lower())] += 1
        longest = max(longest, len(key))
        count += 1
    bucket = max(128, 2 ** math.ceil(math.log2(longest + 32)))
    max_size = max(2048, 2 ** math.ceil(math.log2(max(count, 1) * 2)))
    out.write("# Old moha.gov.vn URLs -> new portal paths (301), written by `moha-migrate redirects`.\n")
    out.write("# Include in the http {} block; in the server {} for moha.gov.vn and www.moha.gov.vn:\n")
    out.write(f"#     if ({NGINX_VARIABLE}) {{ return 301 {NGINX_VARIABLE}; }}\n")
    out.write("# Keys are $host$request_uri as sent by clients; case-only twins are case-sensitive regexes.\n")
    out.write(f"map_hash_bucket_size {bucket};\nmap_hash_max_size {max_size};\n")
    out.write(f"map $host$request_uri {NGINX_VARIABLE} {{\n    default \"\";\n")
    for row in rows:
        key, target = request_key(row.old_url), check_target(row)
        if folded[hash(key.lower())] > 1:
            source = _quote_nginx("~^" + _regex_literal(key) + "$")
        else:
            source = _quote_nginx(key)
        out.write(f"    {source} {_quote_nginx(target)};\n")
    out.write("}\n")
    return count


def write_apache(rows: Iterable[RedirectRow], out: IO[str]) -> int:
    """Write an Apache txt RewriteMap (key value per line) with the rules to use it as comments."""
    out.write("# Old moha.gov.vn URLs -> new portal paths (301), written by `moha-migrate redirects`.\n")
    out.write("# Keys: host + request URI as sent by the client. Use it in the virtual host with:\n")
    out.write('#   RewriteEngine On\n#   RewriteMap mohaold "txt:/etc/apache2/moha-redirects.txt"\n')
    out.write('#   RewriteCond %{THE_REQUEST} "^\\S+\\s+(\\S+)"\n')
    out.write('#   RewriteCond "${mohaold:%{HTTP_HOST}%1}" "^(/.+)$"\n')
    out.write("#   RewriteRule ^ %1 [R=301,L,NE]\n")
    count = 0
    for row in rows:
        key = request_key(row.old_url)
        if any(c.isspace() for c in key):
            raise LoadError(f"cannot write {row.old_url!r} in a RewriteMap (whitespace in the URL)")
        out.write(f"{key} {check_target(row)}\n")
        count += 1
    return count


def write_csv(rows: Iterable[RedirectRow], out: IO[str]) -> int:
    """Write old_url,new_path,status,kind,source_url,origin (one header line)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["old_url", "new_path", "status", "kind", "source_url", "origin"])
    count = 0
    for row in rows:
        writer.writerow([row.old_url, check_target(row), row.status_code, row.kind, row.source_url, row.origin])
        count += 1
    return count


WRITERS = {"nginx": write_nginx, "apache": write_apache, "csv": write_csv}


_NGINX_ENTRY = re.compile(r'^\s*"((?:[^"\\]|\\.)*)"\s+"([^"]*)";\s*$')


def parse_nginx_map(lines: Iterable[str]) -> dict[str, str]:
    """The entries of a map written by `write_nginx` (regex keys as written), for checks and tests."""
    entries: dict[str, str] = {}
    inside = False
    for line in lines:
        if line.startswith("map "):
            inside = True
            continue
        if inside and line.strip() == "}":
            break
        match = _NGINX_ENTRY.match(line) if inside else None
        if match:
            entries[match.group(1)] = match.group(2)
    return entries


@dataclass
class RedirectsResult:
    """What `redirects` wrote."""

    db: str
    fmt: str
    out: str
    entries: int
    by_origin: dict[str, int]

    def summary(self) -> Summary:
        counts: dict[str, int | float] = {"redirects": self.entries, **self.by_origin}
        return Summary("redirects", counts=counts, outputs={self.fmt: self.out}, message=f"{self.fmt} map from {self.db}")


def write_redirects(db_url: str | None, fmt: str, out: Path | IO[str]) -> RedirectsResult:
    """Write the database's redirect map in `fmt` (nginx, apache or csv) to a path or a stream."""
    if fmt not in WRITERS:
        raise LoadError(f"unknown redirect format {fmt!r} (expected one of {', '.join(FORMATS)})")
    engine = connect(db_url)
    try:
        with engine.connect() as conn, SortedRedirects(conn) as rows:
            by_origin = rows.by_origin()
            if isinstance(out, Path):
                out.parent.mkdir(parents=True, exist_ok=True)
                tmp = out.with_name(out.name + ".partial")
                with tmp.open("w", encoding="utf-8", newline="\n") as fh:
                    count = WRITERS[fmt](rows, fh)
                tmp.replace(out)  # a web server reloading mid-write never sees half a map
                name = str(out)
            else:
                count = WRITERS[fmt](rows, out)
                name = "-"
    finally:
        engine.dispose()
    return RedirectsResult(masked(engine.url), fmt, name, count, by_origin)
