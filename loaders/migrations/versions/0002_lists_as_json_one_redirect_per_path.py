"""Leaner rows (issue 6): related links and media references as JSON columns, one redirect per path.

`article_related` and `media_references` become the JSON list columns `articles.related` and
`media.referenced_by` (the portal reads them whole, with their row). `redirects.other_origin` lets
one row answer for an old URL on both legacy hosts; the two rows of a URL that one record holds on
both hosts (nearly all of them) are folded into one. Existing data is carried over both ways.

New columns are added NOT NULL with a server default ('[]') rather than altered afterwards:
SQLite cannot alter a column in place, and the table copy Alembic's batch mode makes instead would
drop `articles` with foreign keys on, cascading into the article images and attachments. For the
same reason the downgrade drops columns with SQLite's own ALTER TABLE DROP COLUMN (3.35+).

The helpers are written out here rather than imported from loaders/, so that this revision keeps
doing what it did when the loaders change later.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 21:40:00

"""
import hashlib
import json
import unicodedata
from collections import defaultdict
from typing import Sequence, Union
from urllib.parse import unquote

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

LONG_TEXT = sa.Text().with_variant(mysql.LONGTEXT(), 'mariadb').with_variant(mysql.LONGTEXT(), 'mysql')
HOSTS = ('moha.gov.vn', 'www.moha.gov.vn')
CHUNK = 1000


def _other_host(url: str) -> str | None:
    """The same URL on the other legacy host, or None (the prefix swap loaders.rows.other_host does)."""
    for scheme in ('http://', 'https://'):
        for host, other in (HOSTS, HOSTS[::-1]):
            if url.startswith(f'{scheme}{host}/') or url == f'{scheme}{host}':
                return f'{scheme}{other}{url[len(scheme + host):]}'
    return None


def _url_key(url: str) -> str:
    return hashlib.sha256(unicodedata.normalize('NFC', unquote(url.split('#', 1)[0])).encode('utf-8')).hexdigest()


def _json_list(values: Sequence[str]) -> str:
    return json.dumps(list(values), ensure_ascii=False, separators=(',', ':'))


def _executemany(statement: sa.TextClause, rows: list[dict]) -> None:
    bind = op.get_bind()
    for start in range(0, len(rows), CHUNK):
        bind.execute(statement, rows[start:start + CHUNK])


def _lists_to_column(child: str, parent: str, parent_id: str, column: str) -> None:
    """Fill `parent.column` with the JSON list of `child.url` by position, then drop `child`."""
    op.add_column(parent, sa.Column(column, LONG_TEXT, nullable=False, server_default='[]'))
    lists: dict[int, list[str]] = defaultdict(list)
    for owner, url in op.get_bind().execute(sa.text(f'SELECT {parent_id}, url FROM {child} ORDER BY {parent_id}, position')):
        lists[owner].append(url)
    _executemany(
        sa.text(f'UPDATE {parent} SET {column} = :value WHERE id = :owner'),
        [{'owner': owner, 'value': _json_list(urls)} for owner, urls in lists.items()],
    )
    op.drop_table(child)  # its index goes with it


def _column_to_lists(child: str, parent: str, parent_id: str, column: str) -> None:
    op.create_table(child,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column(parent_id, sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.ForeignKeyConstraint([parent_id], [f'{parent}.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table(child) as batch_op:
        batch_op.create_index(batch_op.f(f'ix_{child}_{parent_id}'), [parent_id], unique=False)
    rows = [
        {'owner': owner, 'position': i, 'url': url}
        for owner, value in op.get_bind().execute(sa.text(f'SELECT id, {column} FROM {parent} ORDER BY id'))
        for i, url in enumerate(json.loads(value or '[]'))
    ]
    _executemany(sa.text(f'INSERT INTO {child} ({parent_id}, position, url) VALUES (:owner, :position, :url)'), rows)
    _drop_column(parent, column)


def _drop_column(table: str, column: str) -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
    else:
        op.drop_column(table, column)


def upgrade() -> None:
    """Lists into JSON columns; the two host rows of an old URL held by one record into one row."""
    _lists_to_column('article_related', 'articles', 'article_id', 'related')
    _lists_to_column('media_references', 'media', 'media_id', 'referenced_by')

    op.add_column('redirects', sa.Column('other_origin', sa.String(length=10), nullable=True))
    rows = op.get_bind().execute(sa.text('SELECT id, old_url, origin, map_id FROM redirects ORDER BY id')).all()
    by_url = {old_url: (rid, origin, map_id) for rid, old_url, origin, map_id in rows}
    folded, gone = [], []
    done: set[int] = set()
    for rid, old_url, origin, map_id in sorted(rows, key=lambda r: (r[2] != 'record', r[0])):  # listed forms keep their row
        other = _other_host(old_url)
        twin = by_url.get(other) if other else None
        if rid in done or twin is None or twin[0] in done or twin[2] != map_id:
            continue
        done.update((rid, twin[0]))
        folded.append({'rid': rid, 'other_origin': twin[1]})
        gone.append({'rid': twin[0]})
    _executemany(sa.text('DELETE FROM redirects WHERE id = :rid'), gone)
    _executemany(sa.text('UPDATE redirects SET other_origin = :other_origin WHERE id = :rid'), folded)


def downgrade() -> None:
    """One row per (host, old URL) again, and the child tables of related links and references."""
    rows = op.get_bind().execute(sa.text(
        'SELECT old_url, new_path, status_code, other_origin, map_id FROM redirects WHERE other_origin IS NOT NULL'
    )).all()
    split = [
        {'old_url': other, 'url_key': _url_key(other), 'new_path': path, 'status_code': code, 'origin': origin, 'map_id': map_id}
        for old_url, path, code, origin, map_id in rows
        if (other := _other_host(old_url)) is not None
    ]
    _executemany(sa.text(
        'INSERT INTO redirects (old_url, url_key, new_path, status_code, origin, map_id) '
        'VALUES (:old_url, :url_key, :new_path, :status_code, :origin, :map_id)'
    ), split)
    _drop_column('redirects', 'other_origin')

    _column_to_lists('media_references', 'media', 'media_id', 'referenced_by')
    _column_to_lists('article_related', 'articles', 'article_id', 'related')
