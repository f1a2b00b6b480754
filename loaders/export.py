"""`export`: the portal database back out as records.jsonl, in records.md shape and load order.

Only rows that hold content (status imported or needs_update) are exported, with the provenance
kept in the id map, so `load` then `export` gives the input back (database ids never appear).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy import Engine, select

from loaders import content, schema
from loaders.db import connect, masked
from moha_migrate.console import Summary
from moha_migrate.jsonl import write_records
from moha_migrate.records import Record

log = logging.getLogger(__name__)

ID_MAP = schema.IdMap.__table__
EXPORT_CHUNK = 1000


@dataclass
class ExportResult:
    """What an export wrote."""

    db: str
    out: str
    records: int
    by_kind: dict[str, int]
    elapsed_s: float

    def summary(self) -> Summary:
        counts: dict[str, int | float] = {"records": self.records, **self.by_kind}
        return Summary("export", counts=counts, outputs={"records": self.out}, message=f"from {self.db}")


def iter_exported(engine: Engine, kind: str | None = None) -> Iterator[Record]:
    """Every loaded record, in the order it was first loaded (id map order)."""
    last_id = 0
    while True:
        with engine.connect() as conn:
            stmt = select(ID_MAP).where(ID_MAP.c.id > last_id, ID_MAP.c.dest_id.is_not(None))
            if kind:
                stmt = stmt.where(ID_MAP.c.kind == kind)
            rows = conn.execute(stmt.order_by(ID_MAP.c.id).limit(EXPORT_CHUNK)).mappings().all()
            if not rows:
                return
            records = content.read_records(conn, rows)
        for row in rows:
            record = records.get(row["id"])
            if record is None:
                log.warning("id map row %s (%s) points at missing %s %s", row["id"], row["source_url"], row["kind"], row["dest_id"])
                continue
            yield record
        last_id = rows[-1]["id"]


def export_records(db_url: str | None, out: Path | IO[str], *, kind: str | None = None) -> ExportResult:
    """Write every loaded record of the database to `out` (a path or an open text stream)."""
    started = time.perf_counter()
    engine = connect(db_url)
    try:
        by_kind: dict[str, int] = {}

        def counted() -> Iterator[Record]:
            for record in iter_exported(engine, kind):
                by_kind[record.kind] = by_kind.get(record.kind, 0) + 1
                yield record

        total = write_records(counted(), out)
        name = str(out) if isinstance(out, Path) else "-"
        return ExportResult(masked(engine.url), name, total, by_kind, time.perf_counter() - started)
    finally:
        engine.dispose()
