"""`status`: what the portal database holds: records per kind and state, runs, messages, files.

Reads only: an empty database (no schema yet) is reported as such, never created.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from loaders import schema
from loaders.db import connect, current_revision, head_revision, is_missing_sqlite_file, make_engine, masked
from loaders.filestore import FileStore, default_store_root, referenced_digests
from moha_migrate.console import Summary
from moha_migrate.errors import LoadError

ID_MAP = schema.IdMap.__table__
RUNS = schema.Run.__table__
MESSAGES = schema.Message.__table__
STATES = ("imported", "needs_update", "failed")


@dataclass
class StatusReport:
    """The state of one portal database."""

    db: str
    revision: str | None
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    """kind -> state -> records."""
    redirects: int = 0
    runs: list[dict[str, Any]] = field(default_factory=list)
    """The latest runs, newest first."""
    messages: list[dict[str, Any]] = field(default_factory=list)
    files_dir: str | None = None
    files_stored: int = 0
    files_missing: int = 0

    def total(self, state: str) -> int:
        return sum(by_state.get(state, 0) for by_state in self.counts.values())

    def lines(self) -> list[str]:
        """The report as text lines (the CLI prints them before the summary line)."""
        if self.revision is None:
            return [f"{self.db}: no portal schema yet (nothing loaded)"]
        out = [f"{'kind':<10} {'imported':>9} {'needs_update':>13} {'failed':>7}"]
        for kind in sorted(self.counts):
            c = self.counts[kind]
            out.append(f"{kind:<10} {c.get('imported', 0):>9} {c.get('needs_update', 0):>13} {c.get('failed', 0):>7}")
        out.append(f"redirects: {self.redirects}")
        if self.files_dir:
            out.append(f"files in {self.files_dir}: {self.files_stored} stored, {self.files_missing} referenced but missing")
        for run in self.runs:
            out.append(
                f"run {run['id']}: {run['status']} {run['started_at']:%Y-%m-%d %H:%M:%S}Z {run['source']} "
                f"(+{run['inserted']} ~{run['updated']} ={run['unchanged']} changed {run['changed']} failed {run['failed']})"
                + (f": {run['message']}" if run["message"] else "")
            )
        for m in self.messages:
            where = f"line {m['line']}" if m["line"] is not None else "-"
            if m["field"]:
                where += f", field {m['field']!r}"
            out.append(f"run {m['run_id']} {m['level']}: {where}: {m['message']}" + (f" ({m['source_url']})" if m["source_url"] else ""))
        return out

    def summary(self) -> Summary:
        counts: dict[str, int | float] = {
            f"{kind}_{state}": n for kind, by_state in sorted(self.counts.items()) for state, n in by_state.items()
        }
        counts.update(
            imported=self.total("imported"), needs_update=self.total("needs_update"), failed=self.total("failed"),
            redirects=self.redirects,
        )
        if self.files_dir:
            counts.update(files_stored=self.files_stored, files_missing=self.files_missing)
        problems = []
        if self.total("failed"):
            problems.append(f"{self.total('failed')} record(s) failed to load (see the messages)")
        if self.total("needs_update"):
            problems.append(f"{self.total('needs_update')} record(s) changed in the input and not rewritten: load --update")
        if self.files_missing:
            problems.append(f"{self.files_missing} referenced file(s) missing from {self.files_dir}: load --files-from WARC_DIR")
        last = f"last run {self.runs[0]['id']} {self.runs[0]['status']}" if self.runs else "no runs"
        message = f"{self.db} at schema {self.revision}, {last}" if self.revision else f"{self.db}: empty"
        return Summary("status", ok=not problems, counts=counts, problems=problems, outputs={"db": self.db}, message=message)


def read_status(
    db_url: str | None, *, runs: int = 5, messages: int = 20, files_dir: Path | None = None
) -> StatusReport:
    """The state of the database at `db_url`; the latest `runs` runs and `messages` messages."""
    engine = make_engine(db_url)
    if is_missing_sqlite_file(engine):
        return StatusReport(masked(engine.url), None)
    engine.dispose()
    engine = connect(db_url, upgrade=False)
    try:
        revision = current_revision(engine)
        report = StatusReport(masked(engine.url), revision)
        if revision is None:
            return report
        if revision != head_revision():
            raise LoadError(
                f"{report.db} is at schema revision {revision}, this tool writes {head_revision()}: run `moha-migrate load` to upgrade"
            )
        with engine.connect() as conn:
            for kind, status, n in conn.execute(select(ID_MAP.c.kind, ID_MAP.c.status, func.count()).group_by(ID_MAP.c.kind, ID_MAP.c.status)):
                report.counts.setdefault(kind, {})[status] = int(n)
            redirects = schema.Redirect.__table__
            # a row answers for its old URL and, with other_origin, for the other host's form too
            rows, two_host = conn.execute(select(func.count(), func.count(redirects.c.other_origin))).one()
            report.redirects = int(rows) + int(two_host)
            report.runs = [_plain(r) for r in conn.execute(select(RUNS).order_by(RUNS.c.id.desc()).limit(runs)).mappings()]
            report.messages = [
                _plain(m) for m in conn.execute(select(MESSAGES).order_by(MESSAGES.c.id.desc()).limit(messages)).mappings()
            ][::-1]
        store = FileStore(default_store_root(db_url, files_dir))
        if store.root.is_dir():
            referenced = referenced_digests(engine)
            stored = set(store.iter_digests())
            report.files_dir = str(store.root)
            report.files_stored = len(stored)
            report.files_missing = len(referenced - stored)
        return report
    finally:
        engine.dispose()


def _plain(row: Mapping[str, Any]) -> dict[str, Any]:
    return dict(row)
