"""Package WARC files into a WACZ (index, pages.jsonl, datapackage.json digests) with py-wacz.

py-wacz (`wacz create`) writes the package: the WARCs under `archive/`, a compressed CDXJ index
(built with cdxj-indexer, POST keys folded), `datapackage.json` with a digest of every file and
`datapackage-digest.json`; `wacz validate` reads it back. Its own page detection found only some
pages in a test (field-notes.md), so we hand it an explicit `pages.jsonl`: every HTML page captured
with status 200 by a GET, with its `<title>` and capture time. py-wacz prints its progress on
stdout; we route it to the log, since stdout carries our summary only.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import logging
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timezone
from pathlib import Path

from wacz.main import main as wacz_main

from archive.reader import CapturedResponse, iter_responses, iter_warc_paths
from moha_migrate.errors import ArchiveError

log = logging.getLogger(__name__)

_TITLE = re.compile(rb"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_SAFE_NAME = re.compile(r"^[-a-z0-9._]+$")
HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True, slots=True)
class PageEntry:
    """One line of pages.jsonl."""

    url: str
    ts: str
    title: str

    def as_json(self) -> str:
        return json.dumps({"url": self.url, "ts": self.ts, "title": self.title}, ensure_ascii=False)


@dataclass
class WaczResult:
    """What `write_wacz` made."""

    out: Path
    warcs: int = 0
    pages: int = 0
    size_bytes: int = 0
    unmatched_pages: list[str] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)


def page_title(resp: CapturedResponse) -> str:
    """The page's `<title>` text (entities and runs of spaces folded, NFC), or its URL when it has none."""
    data = resp.body if resp.body is not None else resp.head
    match = _TITLE.search(data)
    if not match:
        return resp.url
    raw = match.group(1)
    text = None
    for charset in _charsets(resp, data):
        try:
            text = raw.decode(charset)
            break
        except (LookupError, UnicodeDecodeError):
            continue
    if text is None:
        text = raw.decode("windows-1252", errors="replace")
    title = _SPACES.sub(" ", html.unescape(unicodedata.normalize("NFC", text))).strip()
    return unicodedata.normalize("NFC", title) or resp.url


def _charsets(resp: CapturedResponse, data: bytes) -> Iterator[str]:
    if resp.charset:
        yield resp.charset
    meta = _META_CHARSET.search(data[:4096])
    if meta:
        yield meta.group(1).decode("ascii", "replace")
    yield "utf-8"


def iter_pages(paths: Iterable[Path]) -> Iterator[PageEntry]:
    """Every HTML page captured by a GET with status 200, once per URL (first capture)."""
    seen: set[str] = set()
    for resp in iter_responses(paths, max_body_bytes=4 << 20):
        if resp.status != 200 or resp.method != "GET" or resp.content_type not in HTML_TYPES:
            continue
        if resp.url in seen:
            continue
        seen.add(resp.url)
        # whole seconds in UTC: py-wacz matches pages to captures by their 14-digit timestamp
        ts = resp.captured_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        yield PageEntry(url=resp.url, ts=ts, title=page_title(resp))


def write_wacz(paths: Iterable[Path | str], out: Path, *, title: str | None = None) -> WaczResult:
    """Package the WARC files into `out` (written to a temporary name, then renamed).

    Raises ArchiveError when inputs are missing, two WARCs share a file name, or py-wacz fails.
    """
    warcs = iter_warc_paths(paths)
    names = [p.name for p in warcs]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ArchiveError(f"two WARC files share the name {dupes[0]}; a WACZ keeps one archive/ folder")
    out = Path(out)
    result = WaczResult(out=out, warcs=len(warcs))
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".wacz-", dir=out.parent) as tmp:
        pages_file = Path(tmp) / "pages.jsonl"
        with pages_file.open("w", encoding="utf-8") as fh:
            fh.write(json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "Pages"}) + "\n")
            for page in iter_pages(warcs):
                fh.write(page.as_json() + "\n")
                result.pages += 1
        if not result.pages:
            raise ArchiveError(f"no HTML page captured with status 200 in {len(warcs)} WARC file(s)")
        target = Path(tmp) / out.name
        inputs = _safe_names(warcs, Path(tmp) / "archive", result)
        args = ["create", "-o", str(target), "-p", str(pages_file), *[str(p) for p in inputs]]
        if title:
            args += ["--title", title]
        chatter = io.StringIO()
        with contextlib.redirect_stdout(chatter):
            code = wacz_main(args)
        for line in chatter.getvalue().splitlines():
            if line.startswith("Invalid passed page"):
                result.unmatched_pages.append(line)
                log.warning("wacz: %s", line)
            else:
                log.debug("wacz: %s", line)
        if code not in (0, None):
            raise ArchiveError(f"{out}: py-wacz could not create the package (exit {code}): {chatter.getvalue()[-300:]}")
        os.replace(target, out)
    result.size_bytes = out.stat().st_size
    log.info("wrote %s: %d WARC(s), %d page(s)", out, result.warcs, result.pages)
    return result


def _safe_names(warcs: list[Path], folder: Path, result: WaczResult) -> list[Path]:
    """The WARCs under names a datapackage accepts (links, no copies).

    py-wacz names each resource after its file, lower-cased, and the Frictionless schema `wacz
    validate` applies allows only `[-a-z0-9._/]` there, so a Heritrix-style name such as
    `MOHA-2026...-00000-123~host.warc.gz` would make the package invalid. Such files go in as a
    link with the other characters replaced by `-`; the package's index names the link.
    """
    folder.mkdir(exist_ok=True)
    inputs = []
    taken = {p.name.lower() for p in warcs if _SAFE_NAME.match(p.name.lower())}
    for path in warcs:
        if _SAFE_NAME.match(path.name.lower()):
            inputs.append(path)
            continue
        safe = re.sub(r"[^-A-Za-z0-9._]", "-", path.name)
        while safe.lower() in taken:
            safe = "x" + safe
        taken.add(safe.lower())
        link = folder / safe
        link.symlink_to(path.resolve())
        result.renamed[path.name] = safe
        log.info("wacz: %s is packaged as archive/%s (datapackage names allow only [-a-z0-9._])", path.name, safe)
        inputs.append(link)
    return inputs


def validate_wacz(path: Path) -> tuple[bool, str]:
    """Run py-wacz's validator (what `wacz validate -f` does); returns (valid, its messages)."""
    if not Path(path).is_file():
        raise ArchiveError(f"{path}: no such WACZ file")
    chatter = io.StringIO()
    with contextlib.redirect_stdout(chatter):
        code = wacz_main(["validate", "-f", str(path)])
    return code == 0, chatter.getvalue()
