"""Reconcile the three sides of a migration — capture, records, database — item by item.

One pass over each side, writing small per-item facts (keys, hashes, body text of the loaded
rows) into a scratch database (`verify.facts`) rather than into memory, so a full-scale migration
(~30,000 items) verifies in about the memory of a small one:

1. records.jsonl (+ errors.jsonl): what transform made of the capture, and what it could not;
2. the portal database, read back through `loaders.export` (the same records shape), its redirect
   map and its file store;
3. the WARCs, read through `archive.reader`: every captured item (identified by the same URL rules
   transform uses), the payload digest of every file, and the text of every captured page to
   compare with the text the database now holds.

Each check is then a query over the scratch database; it says over how many items it ran and
names every item at fault. `Verification.ok` is true only when all checks are green.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, event, select

from archive.index import iter_index
from archive.reader import CapturedResponse, iter_responses, iter_warc_paths
from loaders.db import is_at_head, make_engine, masked
from loaders.export import iter_exported
from loaders.filestore import FileStore, default_store_root
from loaders.rows import other_host
from loaders.schema import IdMap, Redirect
from moha_migrate.errors import ArchiveError, TransformError, VerifyError
from moha_migrate.jsonl import iter_lines
from moha_migrate.newurls import new_path
from moha_migrate.profile import load_profile
from moha_migrate.records import VN_TZ, Article, Document, Media, Page, Record, record_to_dict
from moha_migrate.urls import comparable
from transform.classify import UrlRules, classify_url
from transform.tree import parse_page, text_of
from verify.facts import FactStore, RecordFacts
from verify.model import Check, ItemReport, Lost, SpooledItems, Verification

log = logging.getLogger(__name__)

ProgressFn = Callable[[str], None]
_WORD = re.compile(r"\w+", re.UNICODE)
DEFAULT_MIN_SIMILARITY = 0.95
NOT_CAPTURED = ""
"""The sha256 kept for an image or attachment the record says could not be captured (null)."""
REDIRECTS = Redirect.__table__
ID_MAP = IdMap.__table__
PORTAL_READ_CACHE_KIB = 4 * 1024
"""SQLite page cache while verify reads the portal (SQLite's default is 2 MB)."""


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


def _facts(record: Record) -> RecordFacts:
    year: int | None = None
    category: str | None = None
    files: list[tuple[str, str]] = []
    if isinstance(record, Article):
        year, category = record.published_at.year, record.category
        files = [(i.url, i.sha256 or NOT_CAPTURED) for i in record.images]
        files += [(a.url, a.sha256 or NOT_CAPTURED) for a in record.attachments]
    elif isinstance(record, Document):
        year = record.issued_on.year if record.issued_on else None
        files = [(a.url, a.sha256 or NOT_CAPTURED) for a in record.attachments]
    elif isinstance(record, Media):
        files = [(url, record.sha256) for url in record.old_urls]
    prov = record_to_dict(record).get("provenance")
    return RecordFacts(
        kind=record.kind,
        source_url=record.source_url,
        title=record.title,
        identity=identity(record),
        digest=record_digest(record),
        new_path=new_path(record),
        old_urls=list(record.old_urls),
        comparable_old_urls=[comparable(url) for url in record.old_urls],
        year=year,
        category=category,
        provenance=prov,
        file_digests=[(url, comparable(url), sha) for url, sha in files],
    )


def _sqlite_reading_cache(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    """Verify reads the portal once, in id order: the loaders' 64 MB page cache (sized for the
    random index writes of a load) would only hold pages never read again."""
    cursor = dbapi_conn.cursor()
    cursor.execute(f"PRAGMA cache_size=-{PORTAL_READ_CACHE_KIB}")
    cursor.close()


class _Reconciler:
    """One pass over each side into a `FactStore`, then the checks as queries over it.

    What stays in memory is what the report lists anyway: the faults, the lost items, the
    transform errors and the capture's totals.
    """

    def __init__(self, inputs: VerifyInputs, facts: FactStore, progress: ProgressFn | None) -> None:
        self.inputs = inputs
        self.facts = facts
        self.say = progress or (lambda _msg: None)
        self.bad_lines: list[str] = []
        self.transform_errors: list[dict] = []
        self.capture: dict = {"responses": 0, "bytes": 0, "statuses": {}, "bytes_per_mime": {}}
        self.error_status: dict[str, int] = {}  # comparable URL -> 4xx/5xx the capture holds for it
        self.capture_damage: list[str] = []
        self.problems_by_item: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.lost: list[Lost] = []
        self.checks: list[Check] = []

    # -------------------------------------------------------------- side 1: records
    def read_records(self) -> None:
        self.say("reading records")
        for seq, parsed in enumerate(iter_lines(self.inputs.records)):
            if parsed.error is not None or parsed.record is None:
                self.bad_lines.append(f"{self.inputs.records.name} {parsed.error}")
                continue
            self.facts.add_record(seq, _facts(parsed.record))
        self.facts.flush()
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
        if engine.url.get_backend_name() == "sqlite":
            event.listen(engine, "connect", _sqlite_reading_cache)
        try:
            if not is_at_head(engine):
                raise VerifyError(f"{masked(engine.url)} holds no portal database (run `moha-migrate load` first)")
            for record in iter_exported(engine):
                text = record.body_text if isinstance(record, (Article, Page)) else None
                self.facts.add_row(record.kind, record.source_url, record_digest(record), new_path(record), text)
            with engine.connect() as conn:
                self._read_redirects(conn)
                for kind, url, status, message in conn.execute(
                    select(IdMap.kind, IdMap.source_url, IdMap.status, IdMap.message)
                ):
                    self.facts.add_map_message(kind, url, f"{status}: {message}" if message else status)
        finally:
            engine.dispose()
        self.facts.flush()
        self.store = FileStore(default_store_root(self.inputs.db_url, self.inputs.files_dir))

    def _read_redirects(self, conn: Connection) -> None:
        """Every old URL of the redirect map and its target, streamed from the table.

        Not through `loaders.redirects.iter_redirects`: that sorts the whole map in memory for the
        map writers (some 230,000 URLs at full scale), and a lookup by URL needs no order. A row
        answers for its URL on both legacy hosts when `other_origin` is set.
        """
        stmt = select(REDIRECTS.c.old_url, REDIRECTS.c.new_path, REDIRECTS.c.other_origin).join(
            ID_MAP, ID_MAP.c.id == REDIRECTS.c.map_id
        )
        for old_url, target, other_origin in conn.execute(stmt):
            self.facts.add_redirect(comparable(old_url), old_url, target)
            if other_origin is not None:
                other = other_host(old_url) or old_url
                self.facts.add_redirect(comparable(other), other, target)

    # -------------------------------------------------------------- side 3: capture
    def read_capture(self) -> None:
        if not self.inputs.warcs:
            return
        self.say("reading the capture")
        rules = UrlRules.from_profile(load_profile())
        soft_404 = tuple(s.encode("utf-8") for s in rules.soft_404)
        for resp in iter_responses(iter_warc_paths(self.inputs.warcs), on_error=self._capture_damage):
            self._count(resp)
            if resp.status >= 400:
                self.error_status[comparable(resp.url)] = resp.status
            if resp.status != 200:
                continue
            url = comparable(resp.url)
            self.facts.add_payload(url, resp.sha256)
            verdict = classify_url(resp.url, rules)
            if verdict.verdict == "media":
                self.facts.add_captured("media", resp.sha256, resp.url)
                continue
            if verdict.verdict not in ("article", "document", "page") or resp.body is None:
                continue
            if any(marker in resp.body for marker in soft_404):
                continue
            key = {"article": verdict.item, "document": verdict.doc, "page": (verdict.slug or "").lower()}[verdict.verdict]
            if key is None or key == "":
                continue
            self.facts.add_captured(verdict.verdict, str(key), resp.url)
            # The crawler fetches one form of each URL (www or bare host, either query order), so a
            # record's page is looked up under every old URL it lists.
            target = self.facts.text_target(url)
            if target is not None and not target.scored:
                self.facts.add_score(target.key, self._similarity(target.text, resp))
        self.facts.flush()

    def _capture_damage(self, exc: ArchiveError) -> None:
        self.capture_damage.append(str(exc))

    def _count(self, resp: CapturedResponse) -> None:
        cap = self.capture
        cap["responses"] += 1
        cap["bytes"] += resp.size
        cap["statuses"][str(resp.status)] = cap["statuses"].get(str(resp.status), 0) + 1
        mime = resp.content_type or "(none)"
        cap["bytes_per_mime"][mime] = cap["bytes_per_mime"].get(mime, 0) + resp.size

    def _similarity(self, text: str | None, resp: CapturedResponse) -> float:
        if text is None:
            return -1.0
        try:
            page = parse_page(resp.body or b"", resp.charset, resp.url)
        except TransformError as exc:
            log.warning("%s: cannot read the captured page to compare: %s", resp.url, exc)
            return 0.0
        return text_similarity(text, text_of(page.root))

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
        errors_by_url = {comparable(e.get("url", "")): e.get("reason", "") for e in self.transform_errors}
        failures = []
        for kind, _key, url in self.facts.captured_without_record():
            reason = errors_by_url.get(comparable(url)) or "no record and no transform error for it"
            self.lost.append(Lost(kind, url, "captured -> records", reason))
            failures.append(f"{kind} {url}: {reason}")
        self.checks.append(
            Check("capture_to_records", "Every captured item became a record", self.facts.count("captured"),
                  len(failures),
                  "Items found in the WARCs (by the site profile's URL patterns, soft-404 pages left out) "
                  "and the records that stand for them.", failures)
        )

    def _check_transform_errors(self) -> None:
        failures = [
            f"{e.get('url') or '(no URL)'} ({e.get('warc_file')}@{e.get('offset')}): {e.get('reason')}"
            for e in self.transform_errors
        ]
        total = self.capture["responses"] or self.facts.count("record") + len(failures)
        self.checks.append(
            Check("transform_errors", "No captured page failed to transform", total, len(failures),
                  "Lines of errors.jsonl: pages transform could not turn into records.", failures)
        )

    def _check_records_valid(self) -> None:
        self.checks.append(
            Check("records_valid", "records.jsonl follows the records contract",
                  self.facts.count("record") + len(self.bad_lines), len(self.bad_lines),
                  "Every line parses and validates (types, NFC text, no mojibake, URLs).", self.bad_lines)
        )

    def _check_records_loaded(self) -> None:
        failures = []
        for kind, url, message in self.facts.records_not_loaded():
            reason = message or "not in the database"
            self.lost.append(Lost(kind, url, "records -> loaded", reason))
            failures.append(self._fail((kind, url), f"not in the database ({reason})"))
        extra = 0
        for kind, url in self.facts.rows_without_record():
            extra += 1
            failures.append(f"{kind} {url}: in the database but in no record")
        self.checks.append(
            Check("records_loaded", "Every record is in the database, and nothing else",
                  self.facts.count("record") + extra, len(failures),
                  "Rows read back from the portal database, matched to records by kind and source URL.", failures)
        )

    def _check_rows_match(self) -> None:
        failures = []
        loaded = 0
        for kind, url, equal in self.facts.loaded_digests():
            loaded += 1
            if not equal:
                failures.append(self._fail((kind, url), "database row differs from its record"))
        self.checks.append(
            Check("rows_match", "Every database row equals its record", loaded, len(failures),
                  "Each row exported back as a record and compared field by field (by digest).", failures)
        )

    def _check_files(self) -> None:
        failures, wanted = [], 0
        for kind, url, file_url, sha, url_captured, sha_captured in self.facts.files_of_records():
            if sha == NOT_CAPTURED:
                wanted += 1
                status = self.error_status.get(comparable(file_url))
                why = (f"the old site answered {status}" if status else
                       "not in the capture" if self.inputs.warcs else "its sha256 is null")
                failures.append(self._fail((kind, url), f"{file_url}: used by the record but never captured ({why})"))
            elif url_captured and not sha_captured:  # (never true without WARCs: nothing is captured)
                failures.append(self._fail((kind, url), f"{file_url}: sha256 {sha[:12]}… is not the captured payload's"))
        for sha, kind, url, file_url in self.facts.distinct_files():
            wanted += 1
            path = self.store.path_for(sha)
            if not path.is_file():
                failures.append(self._fail((kind, url), f"{file_url}: file {sha[:12]}… missing from the store"))
                continue
            digest = hashlib.sha256()
            with path.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
            if digest.hexdigest() != sha:
                failures.append(self._fail((kind, url), f"{file_url}: stored file {path.name[:12]}… altered (sha256 differs)"))
        self.checks.append(
            Check("files", "Every stored file equals the captured bytes", wanted, len(failures),
                  f"sha256 of each file in the store ({self.store.root}) against the record and the WARC payload; "
                  "a file a record uses that was never captured (sha256 null) is a gap too.",
                  failures)
        )

    def _check_redirects(self) -> None:
        failures = []
        total = 0
        for kind, url, old, target, target_loaded in self.facts.redirects_of_loaded():
            total += 1
            if target is None:
                failures.append(self._fail((kind, url), f"no redirect for {old}"))
            elif not target.startswith("/") or target.startswith("//"):
                failures.append(self._fail((kind, url), f"{old} redirects off the portal: {target}"))
            elif not target_loaded:
                failures.append(self._fail((kind, url), f"{old} redirects to {target}, which is no loaded row"))
        self.checks.append(
            Check("redirects", "Every old URL redirects to a loaded row", total, len(failures),
                  "The redirect map, old URL by old URL, and the row each target resolves to.", failures)
        )

    def _check_text(self) -> None:
        if not self.inputs.warcs:
            return
        failures = []
        compared = 0
        for kind, url, score in self.facts.scores_of_loaded_texts():
            compared += 1
            if score is None:
                failures.append(self._fail((kind, url), "its captured page is not in the WARCs"))
            elif score < self.inputs.min_similarity:
                failures.append(self._fail((kind, url), f"text similarity {score:.3f} < {self.inputs.min_similarity}"))
        self.checks.append(
            Check("text_similarity", "Database text matches the captured page", compared, len(failures),
                  f"Share of the row's words found on its captured page; at least {self.inputs.min_similarity}.",
                  failures)
        )

    # -------------------------------------------------------------- assembling
    def verification(self) -> Verification:
        per_year: dict[str, dict[str, int]] = defaultdict(dict)
        per_category: Counter[str] = Counter()
        items = SpooledItems()
        for item in self.facts.items():
            kind, url = item.key
            if item.loaded:
                if item.year:
                    per_year[str(item.year)][kind] = per_year[str(item.year)].get(kind, 0) + 1
                if item.category:
                    per_category[item.category] += 1
            score = item.score
            items.append(
                ItemReport(
                    kind=kind, source_url=url, title=item.title,
                    new_path=item.new_path if item.loaded else None, year=item.year,
                    category=item.category, old_urls=item.old_urls, provenance=item.provenance,
                    similarity=round(score, 4) if score is not None and score >= 0 else None,
                    problems=self.problems_by_item.get(item.key, []),
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
            funnel=self.facts.counts_per_kind(),
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
    with FactStore() as facts:
        reconciler = _Reconciler(inputs, facts, progress)
        reconciler.read_records()
        reconciler.read_database()
        reconciler.read_capture()
        reconciler.check_all()
        return reconciler.verification()

