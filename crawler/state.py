"""Crawl state for `--resume`: the frontier journal, and recovery after a crash or kill -9.

Scrapy's JOBDIR is not kill -9 safe (queuelib writes its queue index on close, the dupefilter's
`requests.seen` is buffered), so the crawl keeps its own append-only, line-flushed journal:
`state/frontier.jsonl` holds one line per newly seen request (key, URL, method, body, hop path) and
one `{"parsed": key}` line once a page's links have all been handed to the scheduler. With the crawl
log (one line per fetch, written after its WARC records are flushed) that is enough to rebuild
everything: pending = journalled minus finished; seen set = the finished ones (pending requests are
scheduled again through the dupefilter); pages fetched but not parsed are re-parsed from the WARC
instead of fetched again.

Recovery (`recover`) runs before the crawl restarts: each `*.warc.gz.open` file is cut back to the
end of the last record the crawl log vouches for (the cut-off bytes are kept under `state/partial/`,
never deleted) and renamed, so every WARC is valid and nothing is captured twice.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import shutil
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from scrapy import Request

from crawler.crawllog import iter_crawl_log, truncate_incomplete_tail
from crawler.warc_writer import OPEN_SUFFIX

log = logging.getLogger(__name__)

JOURNAL = "frontier.jsonl"
META_KEYS = ("moha_hops", "moha_referrer", "moha_postback", "moha_embed")


def request_to_entry(key: str, request: Request) -> dict[str, Any]:
    """The journal line for a newly seen request (JSON-safe)."""
    entry: dict[str, Any] = {"k": key, "u": request.url}
    if request.method != "GET":
        entry["m"] = request.method
        entry["b"] = base64.b64encode(request.body).decode("ascii")
        ctype = request.headers.get(b"Content-Type")
        if ctype:
            entry["ct"] = ctype.decode("latin-1")
    for name in META_KEYS:
        if name in request.meta:
            entry[name] = request.meta[name]
    if request.priority:
        entry["p"] = request.priority
    return entry


def entry_to_request(entry: dict[str, Any], callback: Any) -> Request:
    """Rebuild a journalled request (it goes through the dupefilter again, see prepare_resume)."""
    meta = {name: entry[name] for name in META_KEYS if name in entry}
    if "moha_postback" in meta:
        meta["moha_postback"] = tuple(meta["moha_postback"])
    headers = {"Content-Type": entry["ct"]} if "ct" in entry else None
    referrer = entry.get("moha_referrer")
    if referrer:
        headers = {**(headers or {}), "Referer": referrer}
    return Request(
        entry["u"], method=entry.get("m", "GET"), body=base64.b64decode(entry.get("b", "")),
        headers=headers, meta=meta, callback=callback, priority=entry.get("p", 0),
    )


class Journal:
    """Append-only frontier journal; `add` returns False for a key already seen."""

    def __init__(self, path: Path, seen: set[str] | None = None) -> None:
        self.path = path
        self.seen: set[str] = seen if seen is not None else set()
        self._fh: IO[str] | None = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()

    def _write(self, entry: dict[str, Any]) -> None:
        if self._fh is None:
            return
        self._fh.write(json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n")
        self._fh.flush()

    def add(self, key: str, request: Request) -> bool:
        if key in self.seen:
            return False
        self.seen.add(key)
        self._write(request_to_entry(key, request))
        return True

    def mark_parsed(self, key: str) -> None:
        self._write({"parsed": key})

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


@dataclass
class ResumePlan:
    """What a resumed crawl starts from."""

    seen: set[str] = field(default_factory=set)
    pending: list[dict[str, Any]] = field(default_factory=list)
    reparse: list[dict[str, Any]] = field(default_factory=list)
    robots: dict[str, dict[str, Any]] = field(default_factory=dict)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    log_entries: list[dict[str, Any]] = field(default_factory=list)
    trimmed_bytes: int = 0
    recovered_files: list[str] = field(default_factory=list)
    next_serial: int = 0


def is_dead_writer(name: str) -> bool:
    """True when a WARC name's `<pid>~<host>` tag is a process of this host that no longer runs."""
    tag = name.split(".warc", 1)[0].rsplit("-", 1)[-1]
    pid, _, host = tag.partition("~")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def recover_open_warcs(warc_dir: Path, partial_dir: Path, entries: list[dict[str, Any]],
                       only: Callable[[str], bool] | None = None) -> tuple[int, list[str]]:
    """Cut each `.open` WARC (those `only(name)` accepts) back to its last logged record and rename
    it; return (bytes cut, files recovered)."""
    ends: dict[str, int] = {}
    for e in entries:
        if e.get("warc") and e.get("end"):
            ends[e["warc"]] = max(ends.get(e["warc"], 0), int(e["end"]))
    trimmed = 0
    recovered: list[str] = []
    for path in sorted(warc_dir.glob("*" + OPEN_SUFFIX)):
        name = path.name[: -len(OPEN_SUFFIX)]
        if only is not None and not only(name):
            continue
        partial_dir.mkdir(parents=True, exist_ok=True)
        size = path.stat().st_size
        end = ends.get(name)
        if end is None:
            # Nothing in it the crawl log vouches for (only warcinfo, or killed mid-record): set aside.
            shutil.move(path, partial_dir / (name + ".unlogged"))
            trimmed += size
            log.warning("resume: %s held no logged record; moved to %s", name, partial_dir)
            continue
        with open(path, "rb+") as fh:
            fh.seek(end)
            tail = fh.read()
            if tail:
                (partial_dir / (name + ".tail")).write_bytes(tail)
                fh.truncate(end)
                trimmed += len(tail)
                log.warning("resume: cut %d unlogged bytes off %s (kept in %s)", len(tail), name, partial_dir)
        path.rename(warc_dir / name)
        recovered.append(name)
    return trimmed, recovered


def prepare_resume(crawl_dir: Path) -> ResumePlan:
    """Recover WARCs and logs after a crash and work out what the resumed crawl must do."""
    state_dir = crawl_dir / "state"
    warc_dir = crawl_dir / "warc"
    log_path = crawl_dir / "crawl.log"
    journal_path = state_dir / JOURNAL
    truncate_incomplete_tail(log_path)
    truncate_incomplete_tail(journal_path)
    entries = list(iter_crawl_log(log_path))
    plan = ResumePlan(log_entries=entries)
    plan.trimmed_bytes, plan.recovered_files = recover_open_warcs(warc_dir, state_dir / "partial", entries)
    serials = [int(p.name.split("-")[2]) for p in warc_dir.glob("*.warc.gz") if p.name.count("-") >= 3
               and p.name.split("-")[2].isdigit()]
    plan.next_serial = max(serials, default=-1) + 1
    done: set[str] = set()
    for e in entries:
        if e.get("kind") == "fetch" and e.get("record_id"):
            plan.records[e["record_id"]] = e
        if e.get("kind") in ("fetch", "error") and e.get("final", True) and e.get("key"):
            done.add(e["key"])
        if e.get("kind") == "fetch" and e.get("url", "").endswith("/robots.txt") and e.get("status") == 200:
            plan.robots[e["url"]] = e
    parsed: set[str] = set()
    journal: list[dict[str, Any]] = []
    if journal_path.exists():
        with open(journal_path, encoding="utf-8") as fh:
            for line in fh:
                entry = json.loads(line)
                if "parsed" in entry:
                    parsed.add(entry["parsed"])
                else:
                    journal.append(entry)
    # Pending requests are left out of the seen set and go through the dupefilter again when
    # re-issued: marking them dont_filter instead would let their redirects (and redirect loops)
    # past the seen set too.
    pending_keys: set[str] = set()
    for entry in journal:
        key = entry["k"]
        if key in plan.seen or key in pending_keys:
            continue
        if key in done:
            plan.seen.add(key)
        else:
            pending_keys.add(key)
            plan.pending.append(entry)
    for e in entries:
        if (e.get("kind") == "fetch" and e.get("status") == 200 and e.get("parse")
                and e.get("key") not in parsed and e.get("final", True)):
            plan.reparse.append(e)
            parsed.add(e["key"])
    log.info("resume: %d seen, %d pending, %d to re-parse from WARC, %d bytes trimmed",
             len(plan.seen), len(plan.pending), len(plan.reparse), plan.trimmed_bytes)
    return plan
