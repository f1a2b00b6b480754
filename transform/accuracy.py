"""Score transform output against reference records (the replica's truth), field by field.

Records are matched by kind and `source_url`. For each field of the matched pairs the exact-match
rate is counted (URL lists compared as sets after unquoting and NFC, as records.md says); body
text also gets a similarity ratio (difflib), so a near miss is told from a wrong page. The output
itself is checked for mojibake, non-NFC text and unsafe body HTML, whatever the reference says.
Used by the acceptance test and printed by bench/accuracy.py.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any

from moha_migrate.records import Record, has_mojibake, is_nfc, record_to_dict
from moha_migrate.urls import comparable
from transform.sanitize import has_unsafe_markup

__all__ = ["AccuracyReport", "score_records"]

_URL_LIST_FIELDS = {"old_urls", "referenced_by"}
# A new media path is /media/<sha256[:2]>/<sha256[:16]>/<name>: the digest names the file, the
# name is cosmetic. For one file shown under two legacy names, the replica's truth (replica/
# truth.py, body_html) builds the name from the name each article used, while the portal serves
# the file once, at new_path() of its media record (the smallest name); compare by digest.
_MEDIA_NAME = re.compile(r"(/media/[0-9a-f]{2}/[0-9a-f]{16}/)[^\"'\s<>]*")
_SKIP_FIELDS = {"provenance", "kind"}


@dataclass
class AccuracyReport:
    """Per-field exact-match counts, text similarity and output hygiene of one comparison."""

    expected: int = 0
    produced: int = 0
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    field_total: Counter[str] = field(default_factory=Counter)
    field_equal: Counter[str] = field(default_factory=Counter)
    field_misses: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    similarities: list[tuple[float, str]] = field(default_factory=list)
    mojibake: list[str] = field(default_factory=list)
    not_nfc: list[str] = field(default_factory=list)
    unsafe_html: list[str] = field(default_factory=list)
    old_urls_missing: list[str] = field(default_factory=list)
    body_html_strict: int = 0
    """body_html equal including media file names (see _MEDIA_NAME for why they may differ)."""

    def accuracy(self, name: str) -> float:
        total = self.field_total[name]
        return self.field_equal[name] / total if total else 1.0

    @property
    def worst_field(self) -> tuple[str, float]:
        if not self.field_total:
            return "", 1.0
        name = min(self.field_total, key=self.accuracy)
        return name, self.accuracy(name)

    @property
    def similarity_avg(self) -> float:
        return sum(s for s, _ in self.similarities) / len(self.similarities) if self.similarities else 1.0

    @property
    def similarity_min(self) -> float:
        return min((s for s, _ in self.similarities), default=1.0)

    def lines(self) -> list[str]:
        """The report as printable lines (one per field, then the totals)."""
        out = [f"records: expected {self.expected}, produced {self.produced}, missing {len(self.missing)}, extra {len(self.extra)}"]
        for name in sorted(self.field_total):
            out.append(f"  {name:<16} {100 * self.accuracy(name):7.2f} %  ({self.field_equal[name]}/{self.field_total[name]})")
        if self.field_total["body_html"]:
            out.append(f"  (body_html byte-exact, media names included: {self.body_html_strict}/{self.field_total['body_html']})")
        out.append(f"body_text similarity: avg {self.similarity_avg:.4f}, min {self.similarity_min:.4f}")
        out.append(
            f"mojibake values {len(self.mojibake)}, non-NFC values {len(self.not_nfc)}, unsafe body_html {len(self.unsafe_html)}, "
            f"old URLs not listed {len(self.old_urls_missing)}"
        )
        return out


def _key(record: Record) -> tuple[str, str]:
    return record.kind, comparable(record.source_url)


def _normalized(name: str, value: Any) -> Any:
    if name in _URL_LIST_FIELDS:
        return sorted({comparable(v) for v in value})
    if name == "related":
        return [comparable(v) for v in value]
    if name in ("source_url", "url"):
        return comparable(value)
    if name == "body_html":
        return _MEDIA_NAME.sub(r"\1", value)
    return value


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def score_records(produced: Iterable[Record], expected: Iterable[Record], *, keep_misses: int = 5) -> AccuracyReport:
    """Compare `produced` records with `expected` ones; see the module docstring."""
    report = AccuracyReport()
    want = {_key(r): r for r in expected}
    report.expected = len(want)
    seen: set[tuple[str, str]] = set()
    for record in produced:
        report.produced += 1
        data = record_to_dict(record)
        for text in _strings({k: v for k, v in data.items() if k != "provenance"}):
            if has_mojibake(text):
                report.mojibake.append(f"{record.source_url}: {text[:60]!r}")
            if not is_nfc(text):
                report.not_nfc.append(f"{record.source_url}: {text[:60]!r}")
        body_html = getattr(record, "body_html", "")
        if body_html and has_unsafe_markup(body_html):
            report.unsafe_html.append(record.source_url)
        key = _key(record)
        truth = want.get(key)
        if truth is None:
            report.extra.append(record.source_url)
            continue
        seen.add(key)
        for f in fields(truth):
            if f.name in _SKIP_FIELDS:
                continue
            ours, theirs = _normalized(f.name, getattr(record, f.name)), _normalized(f.name, getattr(truth, f.name))
            report.field_total[f.name] += 1
            if ours == theirs:
                report.field_equal[f.name] += 1
            elif len(report.field_misses[f.name]) < keep_misses:
                report.field_misses[f.name].append(f"{record.source_url}: got {str(ours)[:300]!r}, want {str(theirs)[:300]!r}")
        if getattr(truth, "body_html", None) is not None and record.body_html == truth.body_html:  # type: ignore[union-attr]
            report.body_html_strict += 1
        if hasattr(truth, "body_text"):
            ratio = difflib.SequenceMatcher(None, record.body_text, truth.body_text, autojunk=False).ratio()  # type: ignore[union-attr]
            report.similarities.append((ratio, record.source_url))
        listed = {comparable(u) for u in record.old_urls}
        for url in truth.old_urls:
            if comparable(url) not in listed:
                report.old_urls_missing.append(f"{truth.source_url}: {url}")
    report.missing = sorted(r.source_url for k, r in want.items() if k not in seen)
    return report
