"""Turn the captured responses of WARC files into records.jsonl and errors.jsonl, streaming.

One pass over the WARCs (archive.reader.iter_responses: revisits resolved, content-encoding
undone) sends each response to its extractor by URL class; every extraction is spooled to a
temporary file next to the output and the keys that merge them go to a temporary SQLite store in
the temporary directory (transform/merge.py), so memory does not grow with the capture. After
the pass, items are merged, completed and written one at a time. A page that fails becomes one
line of errors.jsonl `{warc_file, offset, url, reason}` and the run goes on; a damaged WARC gives
every record before the damage plus one error line naming the offset.

`transform_warcs` is the library entry point under `moha-migrate transform` (and `run`).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO
from urllib.parse import urljoin

from archive.reader import DEFAULT_MAX_BODY_BYTES, CapturedResponse, iter_responses, iter_warc_paths
from archive.warcfile import WarcDamaged
from moha_migrate.console import Summary
from moha_migrate.errors import ArchiveError, MohaError, TransformError
from moha_migrate.jsonl import dumps_record
from moha_migrate.profile import SiteProfile, load_profile
from transform.article import extract_article, provenance_of
from transform.classify import Classification, UrlRules, classify_url
from transform.document import extract_document
from transform.item import ExtractedItem, ItemKey, NotAnItem
from transform.media import sniff_mime
from transform.merge import ItemSet
from transform.page import extract_fallback, extract_page
from transform.tree import DEFAULT_MAX_PAGE_BYTES, parse_page

log = logging.getLogger(__name__)

__all__ = ["TransformOptions", "TransformResult", "transform_response", "transform_warcs"]

_HTML_TYPES = ("text/html", "application/xhtml+xml", "")
_BODILESS_VERDICTS = frozenset({"offsite", "session", "media", "skip"})
"""URL classes whose responses are skipped or only digested (media: sha256, size and head): the
reader streams their payload through the digest instead of holding it (a 30 MB PDF would
otherwise be a 30 MB peak whatever the size of the capture)."""


@dataclass(frozen=True, slots=True)
class TransformOptions:
    """How to transform: the site profile, size bounds, and whether unknown pages fall back to
    trafilatura as `page` records."""

    profile: SiteProfile = field(default_factory=load_profile)
    max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES
    max_media_bytes: int = DEFAULT_MAX_BODY_BYTES
    fallback: bool = True
    reuse_identical_payloads: bool = True
    """Extract a page once per (payload digest, item): the same bytes under another URL of the
    same item (www. form, alias, revisit) reuse the extraction instead of parsing again."""


@dataclass
class TransformResult:
    """What a transform run did: counts by outcome, the error lines written, the output paths."""

    out: Path
    errors_path: Path
    responses: int = 0
    records: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    fallback_urls: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.errors == 0

    def summary(self) -> Summary:
        counts: dict[str, int | float] = {"responses": self.responses, "records": sum(self.records.values())}
        counts.update({f"records_{k}": v for k, v in sorted(self.records.items())})
        counts["skipped"] = sum(self.skipped.values())
        counts["errors"] = self.errors
        counts["fallback_pages"] = len(self.fallback_urls)
        problems = list(self.error_samples)
        if self.errors > len(problems):
            problems.append(f"... {self.errors - len(problems)} more in {self.errors_path}")
        message = f"wrote {self.out}" + (f"; {self.errors} error(s) in {self.errors_path}" if self.errors else "")
        if self.fallback_urls:
            message += f"; {len(self.fallback_urls)} page(s) matched no template (generic extraction)"
        return Summary(
            command="transform",
            ok=self.ok,
            counts=counts,
            problems=problems,
            outputs={"records": str(self.out), "errors": str(self.errors_path)},
            message=message,
        )


class _ErrorLog:
    """errors.jsonl: one line per failed page `{warc_file, offset, url, reason}`."""

    def __init__(self, fh: IO[str], result: TransformResult) -> None:
        self._fh = fh
        self._result = result

    def write(self, warc_file: str, offset: int | None, url: str, reason: str) -> None:
        line = {"warc_file": warc_file, "offset": offset, "url": url, "reason": reason}
        self._fh.write(json.dumps(line, ensure_ascii=False) + "\n")
        self._result.errors += 1
        if len(self._result.error_samples) < 20:
            self._result.error_samples.append(f"{url or warc_file} ({warc_file}@{offset}): {reason}")
        log.warning("transform: %s (%s@%s): %s", url or "-", warc_file, offset, reason)


def _is_html(resp: CapturedResponse) -> bool:
    if resp.content_type in _HTML_TYPES[:2]:
        return True
    head = resp.head[:1024].lstrip().lower()
    return resp.content_type in ("", "text/plain", "application/octet-stream") and head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body"))


def transform_response(resp: CapturedResponse, items: ItemSet, rules: UrlRules, opts: TransformOptions) -> str | None:
    """Handle one captured response: add it to `items` (item page, media, redirect hop) and return
    None, or return why it is skipped. Raises TransformError for a page that should be an item but
    cannot be read."""
    cls = classify_url(resp.url, rules)
    if cls.verdict in ("offsite", "session"):
        return cls.verdict
    if 300 <= resp.status < 400:
        location = resp.header("Location")
        if location:
            items.add_redirect(resp.url, urljoin(resp.url, location.strip()))
        return "redirect"
    if resp.status != 200:
        return f"http-{resp.status}"
    if cls.verdict == "media":
        items.add_media(resp.url, resp.sha256, resp.size, sniff_mime(resp.head, resp.url, resp.content_type), provenance_of(resp))
        return None
    if cls.verdict == "skip":
        return "not-an-item"
    if not _is_html(resp):
        if cls.verdict == "unknown":
            return "not-html"
        raise TransformError(f"expected an HTML page, got {resp.content_type or 'no Content-Type'}")
    if resp.body is None:
        raise TransformError(f"page of {resp.size:,} bytes is larger than the {opts.max_media_bytes:,}-byte read limit")
    if cls.verdict == "unknown" and not opts.fallback:
        return "unknown-template"
    key = _item_key(cls)
    if key is not None and opts.reuse_identical_payloads and items.add_duplicate(resp.url, key, cls.pattern_index, resp.sha256, provenance_of(resp)):
        return None
    if b"</html" not in resp.body[-65536:].lower():
        # Every page of the legacy CMS ends with </html>: without it the capture was cut short,
        # and a record made from the first half would silently lose the rest of the item.
        raise TransformError(f"truncated page: {resp.size:,} bytes and no closing </html>")
    page = parse_page(resp.body, resp.charset, resp.url, max_bytes=opts.max_page_bytes)
    soft = rules.soft_404
    outcome: ExtractedItem | NotAnItem
    if cls.verdict == "article":
        outcome = extract_article(page, cls, resp, opts.profile, soft)
    elif cls.verdict == "document":
        outcome = extract_document(page, cls, resp, soft)
    elif cls.verdict == "page":
        outcome = extract_page(page, cls, resp, soft)
    else:
        outcome = extract_fallback(page, resp, soft)
    if isinstance(outcome, NotAnItem):
        return outcome.reason.split(" (")[0]
    items.add_item(replace(outcome, payload_sha256=resp.sha256))
    return None


def _item_key(cls: Classification) -> ItemKey | None:
    if cls.verdict == "article" and cls.item is not None:
        return ("article", str(cls.item))
    if cls.verdict == "document" and cls.doc is not None:
        return ("document", str(cls.doc))
    if cls.verdict == "page" and cls.slug:
        return ("page", cls.slug)
    return None


def transform_warcs(
    paths: Iterable[Path | str],
    out: Path,
    errors: Path,
    *,
    options: TransformOptions | None = None,
    on_response: Callable[[CapturedResponse], None] | None = None,
) -> TransformResult:
    """Transform every captured response of the WARC files (or directories) `paths` into records.

    Writes `out` (records.jsonl, replaced only when complete) and `errors` (errors.jsonl); returns
    the counts. Raises ArchiveError when a path does not exist or holds no WARC (nothing to do),
    never for one bad page or a damaged file (those are error lines).
    """
    opts = options or TransformOptions()
    rules = UrlRules.from_profile(opts.profile)
    warc_paths = iter_warc_paths(paths)
    out, errors = Path(out), Path(errors)
    for target in (out, errors):
        target.parent.mkdir(parents=True, exist_ok=True)
    result = TransformResult(out=out, errors_path=errors)
    started = time.monotonic()
    with (
        errors.open("w", encoding="utf-8", newline="\n") as err_fh,
        tempfile.TemporaryFile(dir=out.parent, prefix=".transform-spool-") as spool,
        ItemSet(spool, rules, opts.profile) as items,
    ):
        error_log = _ErrorLog(err_fh, result)

        def on_archive_error(exc: ArchiveError) -> None:
            if isinstance(exc, WarcDamaged):
                error_log.write(exc.path.name, exc.offset, "", f"damaged WARC: {exc.reason}")
            else:
                error_log.write("", None, "", f"unreadable WARC: {exc}")

        def wants_body(url: str) -> bool:
            return classify_url(url, rules).verdict not in _BODILESS_VERDICTS

        for resp in iter_responses(warc_paths, max_body_bytes=opts.max_media_bytes, on_error=on_archive_error, wants_body=wants_body):
            result.responses += 1
            try:
                skipped = transform_response(resp, items, rules, opts)
            except MohaError as exc:
                error_log.write(resp.warc_file, resp.offset, resp.url, str(exc))
                skipped = None
            except RecursionError:
                error_log.write(resp.warc_file, resp.offset, resp.url, "markup nested too deep")
                skipped = None
            except Exception as exc:
                log.exception("unexpected failure on %s", resp.url)
                error_log.write(resp.warc_file, resp.offset, resp.url, f"unexpected {type(exc).__name__}: {exc}")
                skipped = None
            if skipped:
                result.skipped[skipped] += 1
            if on_response is not None:
                on_response(resp)
        tmp = out.with_name(f".{out.name}.partial")
        with tmp.open("w", encoding="utf-8", newline="\n") as fh:
            for record in items.iter_records():
                fh.write(dumps_record(record))
                fh.write("\n")
                result.records[record.kind] += 1
        os.replace(tmp, out)
        for problem in items.problems:
            error_log.write(problem.warc_file, problem.offset, problem.url, problem.reason)
        result.fallback_urls = items.fallback_urls
    result.seconds = time.monotonic() - started
    log.info(
        "transform: %d responses -> %d records (%s), %d skipped, %d errors in %.1f s",
        result.responses, sum(result.records.values()), dict(result.records), sum(result.skipped.values()), result.errors, result.seconds,
    )
    return result
