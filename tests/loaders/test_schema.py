"""loaders/schema.py and the Alembic migrations: the tool creates the schema itself, on every
engine, and the migrations describe exactly the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from loaders import schema
from loaders.db import connect, current_revision, head_revision


def test_connect_upgrades_an_empty_database_to_head_and_matches_the_models(engine_url: str) -> None:
    engine = connect(engine_url)
    try:
        assert current_revision(engine) == head_revision()
        assert set(schema.Base.metadata.tables) <= set(inspect(engine).get_table_names())
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), schema.Base.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
    finally:
        engine.dispose()
    connect(engine_url).dispose()  # a second connect finds the schema at head and leaves it


def test_sqlite_database_uses_wal(sqlite_url: str) -> None:
    connect(sqlite_url).dispose()
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()
