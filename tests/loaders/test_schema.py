"""loaders/schema.py and the Alembic migrations: the tool creates the schema itself, on every
engine, and the migrations describe exactly the models."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from loaders import schema
from loaders.db import (
    alembic_config,
    apply_postgres_settings,
    connect,
    current_revision,
    head_revision,
    make_engine,
)
from loaders.load import load_records
from moha_migrate.records import Article
from tests.loaders.helpers import count, redirect_count, snapshot


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


def test_migration_0002_carries_the_data_down_to_0001_and_up_again(engine_url: str, corpus_file: Path, corpus: list) -> None:
    load_records(corpus_file, engine_url)
    before, urls = snapshot(engine_url), redirect_count(engine_url)
    engine = connect(engine_url)
    try:
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0001")
    finally:
        engine.dispose()
    # 0001's shape: a redirect row per host and URL, a row per related link and per media reference
    assert count(engine_url, "redirects") == urls
    assert count(engine_url, "article_related") == sum(len(r.related) for r in corpus if isinstance(r, Article))
    assert count(engine_url, "media_references") == sum(len(r.referenced_by) for r in corpus if r.kind == "media")
    connect(engine_url).dispose()  # upgrades to head again
    assert count(engine_url, "redirects") < urls, "the two host forms of a URL share a row again"
    assert snapshot(engine_url) == before



def test_postgres_sessions_plan_lookups_for_cached_tables(postgres_url: str) -> None:
    """random_page_cost 4 (PostgreSQL's default, for spinning disks) planned a batch's key lookups
    as sequential scans of the whole table; the tool's sessions use at most 1.1, and keep a lower one."""
    engine = make_engine(postgres_url)
    try:
        with engine.connect() as conn:
            assert float(conn.execute(text("SHOW random_page_cost")).scalar_one()) == 1.1
            conn.rollback()
            assert float(conn.execute(text("SHOW random_page_cost")).scalar_one()) == 1.1, "undone by a rollback"
            conn.execute(text("SET random_page_cost = 1.0"))
            conn.commit()
            apply_postgres_settings(conn.connection.driver_connection)
            assert float(conn.execute(text("SHOW random_page_cost")).scalar_one()) == 1.0, "a lower setting was raised"
    finally:
        engine.dispose()
