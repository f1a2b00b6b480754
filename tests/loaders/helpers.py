"""Reading a portal database back for assertions: table snapshots without surrogate ids."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, select, text

from loaders import schema
from loaders.redirects import iter_redirects

IGNORED = {"runs", "messages", "history", "alembic_version"}
"""Logs of what happened, not state: a rollback keeps the run row (marked rolled_back)."""


def snapshot(db_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every state table as a sorted list of rows, surrogate ids of bookkeeping rows left out."""
    engine = create_engine(db_url)
    out: dict[str, list[tuple[Any, ...]]] = {}
    try:
        with engine.connect() as conn:
            for name, table in schema.Base.metadata.tables.items():
                if name in IGNORED:
                    continue
                cols = [c for c in table.columns if not (c.name == "id" and name in {"redirects", "redirect_claims", "article_images", "attachments"})]
                rows = conn.execute(select(*cols)).all()
                out[name] = sorted((tuple(r) for r in rows), key=repr)
    finally:
        engine.dispose()
    return out


def count(db_url: str, table: str) -> int:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


def redirect_count(db_url: str) -> int:
    """Old URLs the redirect map answers for (a row answers for both hosts when `other_origin` is set)."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return len(list(iter_redirects(conn)))
    finally:
        engine.dispose()
