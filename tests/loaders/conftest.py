"""Loader fixtures: an isolated database on each engine (SQLite file, PostgreSQL and MariaDB
databases created for the test and dropped after) and a small deterministic corpus of records."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from moha_migrate.jsonl import write_records
from moha_migrate.records import Record
from tests.loaders.corpus import make_corpus

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=3"
MARIADB = dict(host="127.0.0.1", port=3306, user="root", password="", connect_timeout=3)
_counter = itertools.count()


def _db_name() -> str:
    return f"moha_loaders_{os.getpid()}_{next(_counter)}"


@pytest.fixture(scope="session")
def postgres_server() -> str:
    psycopg = pytest.importorskip("psycopg")
    try:
        with psycopg.connect(PG_ADMIN):
            pass
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 is unreachable: {exc}")
    return PG_ADMIN


@pytest.fixture(scope="session")
def mariadb_server() -> dict:
    pymysql = pytest.importorskip("pymysql")
    try:
        pymysql.connect(**MARIADB).close()
    except pymysql.err.OperationalError as exc:
        pytest.skip(f"MariaDB at 127.0.0.1:3306 is unreachable: {exc}")
    return MARIADB


@pytest.fixture
def postgres_databases(postgres_server: str) -> Iterator[Callable[[], str]]:
    """Makes fresh PostgreSQL databases on demand (for tests comparing two loads); drops them after."""
    import psycopg

    names: list[str] = []

    def make() -> str:
        name = _db_name()
        with psycopg.connect(postgres_server, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        names.append(name)
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"

    yield make
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url(postgres_databases: Callable[[], str]) -> str:
    return postgres_databases()


@pytest.fixture
def mariadb_url(mariadb_server: dict) -> Iterator[str]:
    import pymysql

    name = _db_name()
    conn = pymysql.connect(**mariadb_server, autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    finally:
        conn.close()
    yield f"mysql+pymysql://root@127.0.0.1:3306/{name}?charset=utf8mb4"
    conn = pymysql.connect(**mariadb_server, autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        conn.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'portal.db'}"


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def engine_url(request: pytest.FixtureRequest) -> str:
    """A fresh, empty portal database on each of the three engines."""
    fixture = {"sqlite": "sqlite_url", "postgresql": "postgres_url", "mariadb": "mariadb_url"}[request.param]
    return request.getfixturevalue(fixture)


@pytest.fixture(scope="session")
def corpus() -> list[Record]:
    return make_corpus()


@pytest.fixture
def corpus_file(tmp_path: Path, corpus: list[Record]) -> Path:
    path = tmp_path / "records.jsonl"
    write_records(corpus, path)
    return path
