"""Reconcile the three sides of a migration — capture, records, database — item by item.

One pass over each side, keeping only small per-item facts (keys, hashes, body text of the loaded
rows), so a full-scale migration (~30,000 items) verifies in bounded memory:

1. records.jsonl (+ errors.jsonl): what transform made of the capture, and what it could not;
2. the portal database, read back through `loaders.export` (the same records shape), its redirect
   map and its file store;
3. the WARCs, read through `archive.reader`: every captured item (identified by the same URL rules
   transform uses), the payload digest of every file, and the text of every captured page to
   compare with the text the database now holds.

Each check says over how many items it ran and names every item at fault; `Verification.ok` is
true only when all checks are green.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from archive.index import iter_index
from archive.reader import CapturedResponse, iter_responses, iter_warc_paths
from loaders.db import connect, is_at_head, make_engine, masked
from loaders.export import iter_exported
from loaders.filestore import FileStore, default_store_root
from loaders.redirects import iter_redirects
from loaders.schema import IdMap
from moha_migrate.errors import ArchiveError, TransformError, VerifyError
from moha_migrate.jsonl import iter_lines
from moha_migrate.newurls import new_path
from moha_migrate.profile import load_profile
from moha_migrate.records import VN_TZ, Article, Document, Media, Page, Record, record_to_dict
from moha_migrate.urls import comparable
from transform.classify import UrlRules, classify_url
from transform.tree import parse_page, text_of
from verify.model import Check, ItemReport, Lost, Verification

log = logging.getLogger(__name__)

ProgressFn = Callable[[str], None]
_WORD = re.compile(r"\w+", re.UNICODE)
DEFAULT_MIN_SIMILARITY = 0.95


@dataclass(frozen=True)
class VerifyInputs:
    """What to reconcile: the capture (WARCs, optional index and crawl log), records, database."""

    records: Path
    db_url: str | None
    warcs: tuple[Path, ...] = ()
    index: Path | None = None
    crawl_log: Path | None = None
    errors: Path | None = None
    files_dir: Path | None = None
    replay_url: str | None = None
    min_similarity: float = DEFAULT_MIN_SIMILARITY


@dataclass
class _RecordFacts:
    """What verification keeps of one record of records.jsonl."""

    kind: str
    source_url: str
    title: str
    identity: tuple[str, str]
    digest: str
    new_path: str
    old_urls: list[str]
    year: int | None
    category: str | None
    provenance: dict | None
    file_digests: list[tuple[str, str]] = field(default_factory=list)
    """(url, sha256) of the files the record holds or uses."""


@dataclass
class _RowFacts:
    digest: str
    path: str
    text: str | None


def record_digest(record: Record) -> str:
    """A digest of everything a record says; equal digests mean the database row equals the record."""
    data = record_to_dict(record)
    return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def identity(record: Record) -> tuple[str, str]:
    """The key of the legacy item a record stands for (the same key a captured URL yields)."""
    if isinstance(record, Article):
        return ("article", str(record.item_id))
    if isinstance(record, Document):
        return ("document", str(record.doc_id))
    if isinstance(record, Page):
        return ("page", record.slug.lower())
    return ("media", record.sha256)


def text_similarity(expected: str, observed: str) -> float:
    """Share of the words of `expected` found in `observed` (as a multiset, case-folded).

    Why this measure: the database text is the article body alone, the captured page also holds
    menus, lists and footers, so a symmetric ratio would punish the page's boilerplate. What must
    hold is that every word the portal shows was on the captured page, as often.
    """
    want = Counter(w.casefold() for w in _WORD.findall(unicodedata.normalize("NFC", expected)))
    if not want:
        return 1.0
    have = Counter(w.casefold() for w in _WORD.findall(unicodedata.normalize("NFC", observed)))
    found = sum(min(n, have[w]) for w, n in want.items())
    return found / sum(want.values())


def _facts(record: Record) -> _RecordFacts:
    year: int | None = None
    category: str | None = None
    files: list[tuple[str, str]] = []
    if isinstance(record, Article):
        year, category = record.published_at.year, record.category
        files = [(i.url, i.sha256) for i in record.images if i.sha256]
        files += [(a.url, a.sha256) for a in record.attachments if a.sha256]
    elif isinstance(record, Document):
        year = record.issued_on.year if record.issued_on else None
        files = [(a.url, a.sha256) for a in record.attachments if a.sha256]
    elif isinstance(record, Media):
        files = [(url, record.sha256) for url in record.old_urls]
    prov = record_to_dict(record).get("provenance")
    return _RecordFacts(
        kind=record.kind,
        source_url=record.source_url,
        title=record.title,
        identity=identity(record),
        digest=record_digest(record),
        new_path=new_path(record),
        old_urls=list(record.old_urls),
        year=year,
        category=category,
        provenance=prov,
        file_digests=files,
    )


class _Reconciler:
    def __init__(self, inputs: VerifyInputs, progress: ProgressFn | None) -> None:
        self.inputs = inputs
        self.say = progress or (lambda _msg: None)
        self.records: dict[tuple[str, str], _RecordFacts] = {}
        self.bad_lines: list[str] = []
        self.transform_errors: list[dict] = []
        self.rows: dict[tuple[str, str], _RowFacts] = {}
        self.row_paths: set[str] = set()
        self.captured: dict[tuple[str, str], str] = {}
        """Captured item identity -> the first URL that showed it."""
        self.page_text: dict[tuple[str, str], float] = {}
        self.payload_sha: dict[str, set[str]] = defaultdict(set)
        """comparable(url) -> sha256 of every captured payload under that URL."""
        self.capture: dict = {"responses": 0, "bytes": 0, "statuses": {}, "bytes_per_mime": {}}
        self.capture_damage: list[str] = []
        self.redirects: dict[str, str] = {}
        self.map_messages: dict[tuple[str, str], str] = {}
        self.problems_by_item: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.lost: list[Lost] = []
        self.checks: list[Check] = []

    # -------------------------------------------------------------- side 1: records
    def read_records(self) -> None:
        self.say("reading records")
        for parsed in iter_lines(self.inputs.records):
            if parsed.error is not None or parsed.record is None:
                self.bad_lines.append(f"{self.inputs.records.name} {parsed.error}")
                continue
            facts = _facts(parsed.record)
            self.records[(facts.kind, facts.source_url)] = facts
        if self.inputs.errors and self.inputs.errors.exists():
            with self.inputs.errors.open(encoding="utf-8") as fh:
                for number, line in enumerate(fh, 1):
                    if line.strip():
                        try:
                            self.transform_errors.append(json.loads(line))
                        except ValueError:
                            self.bad_lines.append(f"{self.inputs.errors.name} line {number}: bad JSON")

    # -------------------------------------------------------------- side 2: database
    def read_database(self) -> None:
        self.say("reading the database")
        engine = make_engine(self.inputs.db_url)
        if not is_at_head(engine):
            engine.dispose()
            raise VerifyError(f"{masked(make_engine(self.inputs.db_url).url)} holds no portal database (run `moha-migrate load` first)")
        engine.dispose()
        engine = connect(self.inputs.db_url, upgrade=False)
        try:
            for record in iter_exported(engine):
                text = record.body_text if isinstance(record, (Article, Page)) else None
                path = new_path(record)
                self.rows[(record.kind, record.source_url)] = _RowFacts(record_digest(record), path, text)
                self.row_paths.add(path)
            with engine.connect() as conn:
                self.redirects = {comparable(r.old_url): r.new_path for r in iter_redirects(conn)}
                self.map_messages = {
                    (kind, url): f"{status}: {message}" if message else status
                    for kind, url, status, message in conn.execute(
                        select(IdMap.kind, IdMap.source_url, IdMap.status, IdMap.message)
                    )
                }
        finally:
            engine.dispose()
        self.store = FileStore(default_store_root(self.inputs.db_url, self.inputs.files_dir))

    # -------------------------------------------------------------- side 3: capture
    def read_capture(self) -> None:
        if not self.inputs.warcs:
            return
        self.say("reading the capture")
        rules = UrlRules.from_profile(load_profile())
        soft_404 = tuple(s.encode("utf-8") for s in rules.soft_404)
        # The crawler fetches one form of each URL (www or bare host, either query order), so a
        # record's page is looked up under every old URL it lists.
        text_wanted = {
            comparable(url): key
            for key, f in self.records.items()
            if f.kind in ("article", "page")
            for url in f.old_urls
        }
        for resp in iter_responses(iter_warc_paths(self.inputs.warcs), on_error=self._capture_damage):
            self._count(resp)
            if resp.status != 200:
                continue
            self.payload_sha[comparable(resp.url)].add(resp.sha256)
            verdict = classify_url(resp.url, rules)
            if verdict.verdict == "media":
                self.captured.setdefault(("media", resp.sha256), resp.url)
                continue
            if verdict.verdict not in ("article", "document", "page") or resp.body is None:
                continue
            if any(marker in resp.body for marker in soft_404):
                continue
            key = {"article": verdict.item, "document": verdict.doc, "page": (verdict.slug or "").lower()}[verdict.verdict]
            if key is None or key == "":
                continue
            self.captured.setdefault((verdict.verdict, str(key)), resp.url)
            record_key = text_wanted.get(comparable(resp.url))
            if record_key is not None and record_key not in self.page_text:
                self.page_text[record_key] = self._similarity(record_key, resp)

    def _capture_damage(self, exc: ArchiveError) -> None:
        self.capture_damage.append(str(exc))

    def _count(self, resp: CapturedResponse) -> None:
        cap = self.capture
        cap["responses"] += 1
        cap["bytes"] += resp.size
        cap["statuses"][str(resp.status)] = cap["statuses"].get(str(resp.status), 0) + 1
        mime = resp.content_type or "(none)"
        cap["bytes_per_mime"][mime] = cap["bytes_per_mime"].get(mime, 0) + resp.size

    def _similarity(self, record_key: tuple[str, str], resp: CapturedResponse) -> float:
        row = self.rows.get(record_key)
        if row is None or row.text is None:
            return -1.0
        try:
            page = parse_page(resp.body or b"", resp.charset, resp.url)
        except TransformError as exc:
            log.warning("%s: cannot read the captured page to compare: %s", resp.url, exc)
            return 0.0
        return text_similarity(row.text, text_of(page.root))

    # -------------------------------------------------------------- the checks
    def check_all(self) -> None:
        self._check_capture_readable()
        self._check_capture_to_records()
        self._check_transform_errors()
        self._check_records_valid()
        self._check_records_loaded()
        self._check_rows_match()
        self._check_files()
        self._check_redirects()
        self._check_text()

    def _fail(self, key: tuple[str, str], why: str) -> str:
        self.problems_by_item[key].append(why)
        return f"{key[0]} {key[1]}: {why}"

    def _check_capture_readable(self) -> None:
        if not self.inputs.warcs:
            return
        files = iter_warc_paths(self.inputs.warcs)
        self.checks.append(
            Check("capture_readable", "Every WARC file reads to its end", len(files), len(self.capture_damage),
                  "Damaged files are read up to the damage; what follows it is not verified "
                  "(`moha-migrate archive verify` names every bad record).", self.capture_damage)
        )

    def _check_capture_to_records(self) -> None:
        if not self.inputs.warcs:
            return
        have = {f.identity for f in self.records.values()}
        errors_by_url = {comparable(e.get("url", "")): e.get("reason", "") for e in self.transform_errors}
        failures = []
        for ident, url in sorted(self.captured.items()):
            if ident in have:
                continue
            reason = errors_by_url.get(comparable(url)) or "no record and no transform error for it"
            self.lost.append(Lost(ident[0], url, "captured -> records", reason))
            failures.append(f"{ident[0]} {url}: {reason}")
        self.checks.append(
            Check("capture_to_records", "Every captured item became a record", len(self.captured), len(failures),
                  "Items found in the WARCs (by the site profile's URL patterns, soft-404 pages left out) "
                  "and the records that stand for them.", failures)
        )

    def _check_transform_errors(self) -> None:
        failures = [
            f"{e.get('url') or '(no URL)'} ({e.get('warc_file')}@{e.get('offset')}): {e.get('reason')}"
            for e in self.transform_errors
        ]
        total = self.capture["responses"] or len(self.records) + len(failures)
        self.checks.append(
            Check("transform_errors", "No captured page failed to transform", total, len(failures),
                  "Lines of errors.jsonl: pages transform could not turn into records.", failures)
        )

    def _check_records_valid(self) -> None:
        self.checks.append(
            Check("records_valid", "records.jsonl follows the records contract",
                  len(self.records) + len(self.bad_lines), len(self.bad_lines),
                  "Every line parses and validates (types, NFC text, no mojibake, URLs).", self.bad_lines)
        )

    def _check_records_loaded(self) -> None:
        failures = []
        for key, facts in sorted(self.records.items()):
            if key not in self.rows:
                reason = self.map_messages.get(key, "not in the database")
                self.lost.append(Lost(facts.kind, facts.source_url, "records -> loaded", reason))
                failures.append(self._fail(key, f"not in the database ({reason})"))
        extra = sorted(set(self.rows) - set(self.records))
        for key in extra:
            failures.append(f"{key[0]} {key[1]}: in the database but in no record")
        self.checks.append(
            Check("records_loaded", "Every record is in the database, and nothing else",
                  len(self.records) + len(extra), len(failures),
                  "Rows read back from the portal database, matched to records by kind and source URL.", failures)
        )

    def _check_rows_match(self) -> None:
        failures = []
        loaded = [k for k in self.records if k in self.rows]
        for key in loaded:
            if self.rows[key].digest != self.records[key].digest:
                failures.append(self._fail(key, "database row differs from its record"))
        self.checks.append(
            Check("rows_match", "Every database row equals its record", len(loaded), len(failures),
                  "Each row exported back as a record and compared field by field (by digest).", failures)
        )

    def _check_files(self) -> None:
        failures = []
        wanted: dict[str, tuple[tuple[str, str], str]] = {}
        for key, facts in self.records.items():
            for url, sha in facts.file_digests:
                wanted.setdefault(sha, (key, url))
                captured = self.payload_sha.get(comparable(url))
                if self.inputs.warcs and captured is not None and sha not in captured:
                    failures.append(self._fail(key, f"{url}: sha256 {sha[:12]}… is not the captured payload's"))
        for sha, (key, url) in sorted(wanted.items()):
            path = self.store.path_for(sha)
            if not path.is_file():
                failures.append(self._fail(key, f"{url}: file {sha[:12]}… missing from the store"))
                continue
            digest = hashlib.sha256()
            with path.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
            if digest.hexdigest() != sha:
                failures.append(self._fail(key, f"{url}: stored file {path.name[:12]}… altered (sha256 differs)"))
        self.checks.append(
            Check("files", "Every stored file equals the captured bytes", len(wanted), len(failures),
                  f"sha256 of each file in the store ({self.store.root}) against the record and the WARC payload.",
                  failures)
        )

    def _check_redirects(self) -> None:
        failures = []
        total = 0
        for key, facts in sorted(self.records.items()):
            if key not in self.rows:
                continue
            for old in facts.old_urls:
                total += 1
                target = self.redirects.get(comparable(old))
                if target is None:
                    failures.append(self._fail(key, f"no redirect for {old}"))
                elif not target.startswith("/") or target.startswith("//"):
                    failures.append(self._fail(key, f"{old} redirects off the portal: {target}"))
                elif target not in self.row_paths:
                    failures.append(self._fail(key, f"{old} redirects to {target}, which is no loaded row"))
        self.checks.append(
            Check("redirects", "Every old URL redirects to a loaded row", total, len(failures),
                  "The redirect map, old URL by old URL, and the row each target resolves to.", failures)
        )

    def _check_text(self) -> None:
        if not self.inputs.warcs:
            return
        failures = []
        compared = 0
        for key, facts in sorted(self.records.items()):
            if facts.kind not in ("article", "page") or key not in self.rows:
                continue
            compared += 1
            score = self.page_text.get(key)
            if score is None:
                failures.append(self._fail(key, "its captured page is not in the WARCs"))
            elif score < self.inputs.min_similarity:
                failures.append(self._fail(key, f"text similarity {score:.3f} < {self.inputs.min_similarity}"))
        self.checks.append(
            Check("text_similarity", "Database text matches the captured page", compared, len(failures),
                  f"Share of the row's words found on its captured page; at least {self.inputs.min_similarity}.",
                  failures)
        )

    # -------------------------------------------------------------- assembling
    def verification(self) -> Verification:
        funnel: dict[str, dict[str, int]] = defaultdict(lambda: {"captured": 0, "records": 0, "loaded": 0})
        for kind, _ in self.captured:
            funnel[kind]["captured"] += 1
        for kind, _ in self.records:
            funnel[kind]["records"] += 1
        for kind, _ in self.rows:
            funnel[kind]["loaded"] += 1
        per_year: dict[str, dict[str, int]] = defaultdict(dict)
        per_category: Counter[str] = Counter()
        items = []
        for key, facts in sorted(self.records.items()):
            if key in self.rows:
                if facts.year:
                    per_year[str(facts.year)][facts.kind] = per_year[str(facts.year)].get(facts.kind, 0) + 1
                if facts.category:
                    per_category[facts.category] += 1
            score = self.page_text.get(key)
            items.append(
                ItemReport(
                    kind=facts.kind, source_url=facts.source_url, title=facts.title,
                    new_path=facts.new_path if key in self.rows else None, year=facts.year,
                    category=facts.category, old_urls=facts.old_urls, provenance=facts.provenance,
                    similarity=round(score, 4) if score is not None and score >= 0 else None,
                    problems=self.problems_by_item.get(key, []),
                )
            )
        for lost in self.lost:
            if lost.lost_between == "captured -> records":
                items.append(ItemReport(kind=lost.kind, source_url=lost.url, title="(no record)", new_path=None,
                                        year=None, category=None, old_urls=[lost.url], provenance=None,
                                        similarity=None, problems=[f"lost: {lost.reason}"]))
        capture = dict(self.capture)
        if self.inputs.index and self.inputs.index.exists():
            capture["index_lines"] = sum(1 for _ in iter_index(self.inputs.index))
        inputs = {
            "records": str(self.inputs.records),
            "errors": str(self.inputs.errors or ""),
            "database": masked(make_engine(self.inputs.db_url).url),
            "file store": str(self.store.root),
            "WARCs": ", ".join(str(p) for p in self.inputs.warcs),
            "index": str(self.inputs.index or ""),
        }
        return Verification(
            generated_at=datetime.now(VN_TZ).isoformat(timespec="seconds"),
            inputs=inputs,
            funnel=dict(funnel),
            checks=self.checks,
            lost=self.lost,
            items=items,
            per_year=dict(per_year),
            per_category=dict(per_category),
            capture=capture,
            replay_url=self.inputs.replay_url,
        )


def verify_migration(inputs: VerifyInputs, progress: ProgressFn | None = None) -> Verification:
    """Reconcile capture, records and database; raises VerifyError/LoadError/ArchiveError when an
    input cannot be read at all (a missing database, an unreadable records file)."""
    if not inputs.records.is_file():
        raise VerifyError(f"cannot read {inputs.records}: no such file (run `moha-migrate transform` first)")
    reconciler = _Reconciler(inputs, progress)
    reconciler.read_records()
    reconciler.read_database()
    reconciler.read_capture()
    reconciler.check_all()
    return reconciler.verification()

