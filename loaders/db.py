"""Connecting to the portal database: URL defaults, SQLite WAL, reachability, schema upgrades.

Every verb of the loaders goes through `connect`, which turns an unreachable or refused database
into one `LoadError` naming the URL with its password masked, and brings the schema to the newest
Alembic revision (`upgrade head`) unless asked not to write (dry runs, status on an empty file).
"""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from moha_migrate.errors import LoadError

log = logging.getLogger(__name__)

DEFAULT_DB_URL = "sqlite:///portal.db"
"""cli.md: without --db the portal is a SQLite file in the current (work) directory."""


def masked(url: str | URL) -> str:
    """The URL with any password replaced by ***, safe to print."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return str(url)


def make_engine(db_url: str | None) -> Engine:
    """An Engine for `db_url` (default SQLite file); SQLite gets WAL, NORMAL sync and foreign keys."""
    url_text = db_url or DEFAULT_DB_URL
    try:
        url = make_url(url_text)
        if url.get_backend_name() == "sqlite":
            database = url.database or ""
            if database and database != ":memory:" and not database.startswith("file:"):
                parent = Path(database).expanduser().resolve().parent
                if not parent.is_dir():
                    raise LoadError(f"cannot open {masked(url)}: directory {parent} does not exist")
            engine = create_engine(url)
            event.listen(engine, "connect", apply_sqlite_pragmas)
            return engine
        engine = create_engine(url, pool_pre_ping=True)
        if url.get_backend_name() == "postgresql":
            event.listen(engine, "connect", apply_postgres_settings)
        return engine
    except (ArgumentError, NoSuchModuleError) as exc:
        raise LoadError(f"bad database URL {masked(url_text)}: {exc}") from exc


SQLITE_PAGE_SIZE = 16384
RANDOM_PAGE_COST = 1.1


def apply_postgres_settings(dbapi_conn, _record=None) -> None:  # type: ignore[no-untyped-def]
    """Session settings of every PostgreSQL connection of the tool.

    random_page_cost at most 1.1 (the usual value for SSDs and cached tables; PostgreSQL's default
    is 4, for spinning disks): with 4, looking up a batch's 2,000 line hashes in a 50,000-row
    id_map was planned as a sequential scan, 31 ms a batch, against 8 ms by the index (issue 6),
    and every batch's lookups scanned the whole of ever larger tables. A lower setting the server
    has is kept. Committed at once: SQLAlchemy rolls back what a new connection left open.
    """
    with dbapi_conn.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('random_page_cost',"
            f" LEAST(current_setting('random_page_cost')::float8, {RANDOM_PAGE_COST})::text, false)"
        )
    dbapi_conn.commit()


def apply_sqlite_pragmas(dbapi_conn, _record=None) -> None:  # type: ignore[no-untyped-def]
    """The settings every SQLite connection of the tool runs with (bench/load.py's baseline too)."""
    cursor = dbapi_conn.cursor()
    # Articles are 6 KB rows: on 4 KB pages each spills into overflow pages, and the hash-keyed
    # indexes split twice as often (issue 6: 12 % less CPU for a full load). Only a new, empty file
    # takes it; an existing database keeps its page size.
    cursor.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")
    # WAL lets `status`/`export` read while a load writes; NORMAL is durable at each checkpoint in WAL.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # A load inserts rows keyed by hashes (old URLs, content) all over the indexes; SQLite's default
    # 2 MB page cache then re-reads index pages for every batch. 16 MB is about as fast as 64 MB for a
    # full-scale load (19.2 s vs 18.7 s, alternating runs; with 16 KiB pages the hot index pages fit)
    # and keeps 25-40 MB off the peak memory of a whole migration (issue 7).
    cursor.execute("PRAGMA cache_size=-16384")
    cursor.close()


def alembic_config() -> Config:
    """An Alembic Config pointing at loaders/migrations (no alembic.ini needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("loaders").joinpath("migrations")))
    return cfg


def head_revision() -> str:
    """The newest migration revision shipped with this version of the tool."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None for an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade_schema(engine: Engine) -> None:
    """Create or upgrade the portal schema to the newest revision (Alembic `upgrade head`)."""
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def connect(db_url: str | None, *, upgrade: bool = True) -> Engine:
    """An Engine on a reachable database with the schema at head (when `upgrade`).

    Raises LoadError naming the masked URL when the database cannot be reached or migrated.
    """
    engine = make_engine(db_url)
    try:
        if upgrade:
            if current_revision(engine) != head_revision():
                log.info("upgrading the portal schema of %s to %s", masked(engine.url), head_revision())
                upgrade_schema(engine)
        else:
            with engine.connect():
                pass
    except DBAPIError as exc:
        engine.dispose()
        raise LoadError(f"cannot reach {masked(engine.url)}: {_first_line(exc.orig)}") from exc
    except SQLAlchemyError as exc:
        engine.dispose()
        raise LoadError(f"cannot prepare {masked(engine.url)}: {_first_line(exc)}") from exc
    return engine


def is_missing_sqlite_file(engine: Engine) -> bool:
    """True for a SQLite URL whose file does not exist (connecting would create it)."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return False
    return not Path(url.database).expanduser().exists()


def is_at_head(engine: Engine) -> bool:
    """True when the schema exists at the newest revision (a dry run may only read then).

    A SQLite file that does not exist is not created to find out.
    """
    if is_missing_sqlite_file(engine):
        return False
    try:
        return current_revision(engine) == head_revision()
    except DBAPIError as exc:
        raise LoadError(f"cannot reach {masked(engine.url)}: {_first_line(exc.orig)}") from exc


def _first_line(exc: BaseException | None) -> str:
    text = str(exc or "").strip()
    return text.splitlines()[0] if text else type(exc).__name__
