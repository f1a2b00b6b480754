"""loaders.content: rows inserted in batches get their ids back in the order given, on every engine."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from loaders import content, schema
from loaders.db import connect
from moha_migrate.newurls import new_path
from moha_migrate.records import Article

ARTICLES = schema.Article.__table__
LARGEST_ROWID = 2**63 - 1


def _article_rows(corpus: list, conn) -> list[dict]:
    cats = content.category_ids(conn)
    if not cats:
        conn.execute(schema.Category.__table__.insert(), [{"slug": "tin-tuc", "name": "Tin tức", "tabid": 1, "catid": 1}])
        cats = content.category_ids(conn)
    articles = [r for r in corpus if isinstance(r, Article)]
    rows = content.build_main_rows([(a, new_path(a)) for a in articles], {a.category: next(iter(cats.values())) for a in articles})
    assert len(rows) >= 3
    return rows


def _ids_by_path(conn) -> dict[str, int]:
    return {path: i for i, path in conn.execute(select(ARTICLES.c.id, ARTICLES.c.path))}


@pytest.mark.parametrize("engine_name", ["sqlite", "postgresql", "mariadb"])
def test_insert_with_ids_returns_each_rows_own_id(engine_name: str, request: pytest.FixtureRequest, corpus: list) -> None:
    url = request.getfixturevalue({"sqlite": "sqlite_url", "postgresql": "postgres_url", "mariadb": "mariadb_url"}[engine_name])
    engine = connect(url)
    try:
        with engine.begin() as conn:
            rows = _article_rows(corpus, conn)
            first = content.insert_main_rows(conn, "article", rows[:2])
            second = content.insert_main_rows(conn, "article", rows[2:])
            by_path = _ids_by_path(conn)
        assert first + second == [by_path[row["path"]] for row in rows]
        assert len(set(first + second)) == len(rows)
    finally:
        engine.dispose()


def test_sqlite_ids_are_read_back_when_sqlite_picks_random_rowids(sqlite_url: str, corpus: list) -> None:
    """Past the largest rowid SQLite stops counting up and picks free rowids at random: the
    consecutive ids `last_insert_rowid()` implies would then be wrong, and must not be used."""
    engine = connect(sqlite_url)
    try:
        with engine.begin() as conn:
            rows = _article_rows(corpus, conn)
            content.insert_rows(conn, ARTICLES, ["id", *rows[0]], [(LARGEST_ROWID, *rows[0].values())])
            ids = content.insert_main_rows(conn, "article", rows[1:])
            by_path = _ids_by_path(conn)
        assert ids == [by_path[row["path"]] for row in rows[1:]]
        assert ids != list(range(ids[-1] - len(ids) + 1, ids[-1] + 1)), "SQLite counted up: the fallback went untested"
    finally:
        engine.dispose()
