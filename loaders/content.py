"""Record content in the portal tables: insert, update, delete and read back, in batches.

All functions take an open SQLAlchemy Connection inside the caller's transaction and work on many
records at once (one executemany per table), which is what makes a 50,000-record load fast: SQLAlchemy
2's "insertmanyvalues" turns each executemany into multi-row INSERTs with RETURNING, in order.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    any_,
    bindparam,
    cast,
    delete,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY

from loaders import schema
from loaders.rows import (
    KIND_CHILD_TABLES,
    child_rows,
    main_row,
    provenance_from_columns,
    record_from_rows,
)
from moha_migrate.records import Record

TABLES = schema.Base.metadata.tables
IN_CHUNK = 900
"""Largest IN (...) list we send: well under SQLite's and every driver's parameter limits."""


def chunks(items: Sequence[Any], size: int = IN_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def matching(conn: Connection, column: Any, values: Sequence[Any]) -> Iterator[ColumnElement[bool]]:
    """WHERE clauses that together match `column` against every one of `values`, in as few
    queries as the database allows.

    PostgreSQL takes the whole list as one parameter (`= ANY(...)`) and SQLite as one JSON
    parameter (`IN (SELECT value FROM json_each(...))`): one query per batch and nothing to render
    per value (SQLAlchemy rendering, and psycopg re-parsing, 900-value IN lists cost more than the
    lookups themselves). MariaDB gets `IN (...)` lists of at most IN_CHUNK values.

    On PostgreSQL the list travels as one newline-joined text that the server splits
    (`string_to_array`): psycopg builds an array parameter value by value in Python, which cost a
    full load more than the lookups themselves (issue 6). Lists that cannot be joined that way
    (a value holding a newline, or empty) go as an array.
    """
    values = list(values)
    if not values:
        return
    dialect = conn.dialect.name
    if dialect == "postgresql":
        joined = "\n".join(map(str, values))
        if joined.count("\n") == len(values) - 1 and "" not in values:
            yield column == any_(cast(func.string_to_array(literal(joined), "\n"), ARRAY(column.type)))
        else:
            yield column == any_(literal(values, ARRAY(column.type)))
    elif dialect == "sqlite":
        listed = func.json_each(json.dumps(values, ensure_ascii=False)).table_valued("value")
        yield column.in_(select(listed.c.value))
    else:
        for part in chunks(values):
            yield column.in_(part)


def category_ids(conn: Connection) -> dict[str, int]:
    t = schema.Category.__table__
    return {slug: cid for cid, slug in conn.execute(select(t.c.id, t.c.slug))}


def insert_main_rows(conn: Connection, kind: str, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert main rows of one kind; return their new ids in the order given."""
    return insert_with_ids(conn, schema.CONTENT_TABLES[kind], "path", rows)


def insert_with_ids(conn: Connection, table: Table, unique: str, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert rows (mappings sharing their keys, no id) and return their new ids in the order given.

    PostgreSQL hands out the ids first (`nextval` of the table's sequence, one query for the batch)
    and COPY writes them with the rows; SQLite's follow from `last_insert_rowid()` (`_sqlite_ids`).
    MariaDB's are read back by the `unique` column rather than with RETURNING, which SQLAlchemy
    would do one INSERT per row for.
    """
    if not rows:
        return []
    if is_psycopg(conn):
        ids = next_ids(conn, table, len(rows))
        insert_rows(conn, table, *row_tuples(rows, ids))
        return ids
    insert_rows(conn, table, *row_tuples(rows))
    if conn.dialect.name == "sqlite":
        ids = _sqlite_ids(conn, table, unique, rows)
        if ids is not None:
            return ids
    return ids_by(conn, table.c[unique], table.c.id, [row[unique] for row in rows])


def next_ids(conn: Connection, table: Table, count: int) -> list[int]:
    """`count` new ids from the sequence of a PostgreSQL table's id column (one query), ascending."""
    return next_ids_of(conn, {table: count})[table]


def next_ids_of(conn: Connection, counts: Mapping[Table, int]) -> dict[Table, list[int]]:
    """New ids from the sequences of PostgreSQL tables' id columns, `counts[table]` each, ascending:
    one query for them all (a batch of a first load asks for three or four tables at once).

    Sorted: ids follow the order of the rows given, as export's order (id map order) is the load's.
    Sequences are not transactional, so any connection can hand them out (`pipeline` asks its
    reading connection while the writer's transaction is busy). One array per table, not a row per
    id: reading 2,000 rows through SQLAlchemy cost more than the server's nextvals. The sequence is
    looked up once per table, in a subquery the planner keeps apart (`OFFSET 0`): written inside
    `nextval(...)`, `pg_get_serial_sequence` searched the catalog again for every id, and these
    queries took 0.67 s of a 50,733-record load on the server, 6x what they take now (issue 6).
    """
    tables = [t for t, n in counts.items() if n > 0]
    if not tables:
        return {t: [] for t in counts}
    columns = ", ".join(
        f"(SELECT array_agg(nextval(s.seq)) FROM generate_series(1, {int(counts[t])}), "
        f"(SELECT pg_get_serial_sequence('{t.name}', 'id')::regclass AS seq OFFSET 0) s)"
        for t in tables
    )
    row = conn.exec_driver_sql(f"SELECT {columns}").one()
    out: dict[Table, list[int]] = {t: [] for t in counts}
    out.update((t, sorted(ids)) for t, ids in zip(tables, row, strict=True))
    return out


def _sqlite_ids(conn: Connection, table: Table, unique: str, rows: Sequence[Mapping[str, Any]]) -> list[int] | None:
    """The ids SQLite gave the rows just inserted, from `last_insert_rowid()`, or None if unsure.

    Inside one transaction, which holds the write lock, SQLite gives each new row the largest rowid
    so far plus one, so the rows of one executemany get consecutive ids ending at the last one.
    The first and last rows are checked by their unique column; if either does not match (the
    table reached the largest rowid and SQLite picked random ones), the caller reads the ids back
    by the unique column. Reading all of them back was a tenth of a full SQLite load (issue 6).
    """
    last = conn.exec_driver_sql("SELECT last_insert_rowid()").scalar_one()
    first = last - len(rows) + 1
    column = table.c[unique]
    found = dict(conn.execute(select(table.c.id, column).where(table.c.id.in_((first, last)))).all())
    if found.get(first) != rows[0][unique] or found.get(last) != rows[-1][unique]:
        return None
    return list(range(first, last + 1))


LOOKUP_COLUMNS = {
    "id_map": ("id", "source_key", "line_hash", "dest_path"),
    "redirects": ("url_key", "map_id"),
    "redirect_claims": ("url_key", "map_id"),
    "articles": ("id", "path"),
    "documents": ("id", "path"),
    "pages": ("id", "path"),
    "media": ("id", "path"),
}
"""The tables a batch looks keys up in, and the columns it looks them up by."""


STATISTICS_TARGET = 10
"""default_statistics_target for the ANALYZE of the lookup columns (PostgreSQL's default: 100)."""


def refresh_statistics(conn: Connection) -> None:
    """ANALYZE the columns a batch looks keys up by (PostgreSQL only).

    A table that grew from empty inside one load has no statistics, and PostgreSQL then plans the
    batch's `key = ANY(...)` lookups as sequential scans: the load slows quadratically (a
    50,000-record load took ten minutes). `load` calls this on a doubling schedule of batches.
    Only the key columns are analyzed: whole rows made ANALYZE read every sampled article body
    out of TOAST, 7 % of a full load (issue 6).
    """
    if conn.dialect.name == "postgresql":
        # a sample of 3,000 rows, not 30,000: the lookups only need the tables' sizes and to know
        # that the key columns are (nearly) unique, which the smaller sample tells as well, in a
        # sixth of the time (0.05 s against 0.28 s at 50,733 records)
        conn.exec_driver_sql(f"SET LOCAL default_statistics_target = {STATISTICS_TARGET}")
        conn.exec_driver_sql("ANALYZE " + ", ".join(f"{table} ({', '.join(cols)})" for table, cols in LOOKUP_COLUMNS.items()))


def is_psycopg(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg"


def ids_by(conn: Connection, unique_column: Any, id_column: Any, values: Sequence[str]) -> list[int]:
    """The ids of the rows whose unique column holds `values`, in the order of `values`."""
    found: dict[str, int] = {}
    for clause in matching(conn, unique_column, values):
        found.update((v, i) for v, i in conn.execute(select(unique_column, id_column).where(clause)))
    return [found[v] for v in values]


def update_main_rows(conn: Connection, kind: str, rows: Sequence[Mapping[str, Any]], ids: Sequence[int]) -> None:
    """Rewrite main rows of one kind in place (their ids, and so the portal's links, stay)."""
    if not rows:
        return
    table = schema.CONTENT_TABLES[kind]
    params = [dict(row, b_id=dest_id) for row, dest_id in zip(rows, ids, strict=True)]
    stmt = update(table).where(table.c.id == bindparam("b_id"))
    conn.execute(stmt, params)


def insert_children(conn: Connection, records: Sequence[tuple[Record, int]]) -> None:
    """Insert the child rows (images, related, attachments, references) of (record, dest_id) pairs."""
    insert_child_rows(conn, [(record.kind, child_rows(record, None), dest_id) for record, dest_id in records])


def insert_child_rows(conn: Connection, items: Sequence[tuple[str, Mapping[str, list[dict[str, Any]]], int]]) -> None:
    """Insert child rows made without their parent's id (`rows.child_rows(record, None)`), given as
    (kind, rows by table, dest_id) triples: each table one executemany (`child_rows_by_table`)."""
    for name, rows in child_rows_by_table(items).items():
        bulk_insert(conn, TABLES[name], rows)


def child_rows_by_table(
    items: Sequence[tuple[str, Mapping[str, list[dict[str, Any]]], int]],
) -> dict[str, list[dict[str, Any]]]:
    """The child rows of (kind, rows by table, dest_id) triples by table, each with its parent column
    set to its dest_id (in place)."""
    parent_column = {kind: dict(tables) for kind, tables in KIND_CHILD_TABLES.items()}
    by_table: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for kind, children, dest_id in items:
        columns = parent_column[kind]
        for name, rows in children.items():
            column = columns[name]
            for row in rows:
                row[column] = dest_id
            by_table[name].extend(rows)
    return by_table


def bulk_insert(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT many rows (mappings sharing their keys) through the driver itself; see `insert_rows`."""
    if rows:
        insert_rows(conn, table, *row_tuples(rows))


def row_tuples(
    rows: Sequence[Mapping[str, Any]], ids: Sequence[int] | None = None
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Rows (mappings sharing their keys) as their columns and plain tuples, as `insert_rows` and
    COPY data take them; with `ids`, an "id" column first, one id per row."""
    columns = list(rows[0])
    values = row_values(columns)
    if ids is None:
        return columns, list(map(values, rows))
    return ["id", *columns], [(i, *values(row)) for i, row in zip(ids, rows, strict=True)]


def row_values(columns: Sequence[str]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """A function giving a row mapping's values as a tuple in the order of `columns`.

    operator.itemgetter does it in C: a generator per row was a twentieth of a full load (issue 6).
    """
    if len(columns) == 1:
        (name,) = columns
        return lambda row: (row[name],)
    return itemgetter(*columns)


def insert_rows(conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """INSERT many rows, given as plain tuples of `columns`, through the driver itself: PostgreSQL
    COPY (psycopg), else one executemany.

    SQLAlchemy's per-row parameter processing (compiling, dicts, type processors for every value)
    costs more than SQLite's insert itself for the hundreds of thousands of rows a full load writes;
    the driver path is what the raw baseline of bench/load.py measures. Only the columns whose type
    needs it (dates and times on SQLite) go through SQLAlchemy's bind processor, so values land
    exactly as an ORM insert would store them. COPY runs on the same connection, so it is part of
    the batch's transaction (psycopg adapts dates and times itself).
    """
    if not rows:
        return
    quote = conn.dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    if is_psycopg(conn):
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor:
            with cursor.copy(copy_statement(conn, table, columns)) as copy:
                write = copy.write_row
                for row in rows:
                    write(row)
        return
    processors = [table.c[c].type.dialect_impl(conn.dialect).bind_processor(conn.dialect) for c in columns]
    if any(processors):
        rows = [
            tuple(v if f is None or v is None else f(v) for f, v in zip(processors, row, strict=True)) for row in rows
        ]
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(f"INSERT INTO {quote(table.name)} ({names}) VALUES ({', '.join([mark] * len(columns))})", list(rows))


def copy_statement(conn: Connection, table: Table, columns: Sequence[str]) -> str:
    """PostgreSQL's `COPY table (columns) FROM STDIN` for these columns, names quoted as needed."""
    quote = conn.dialect.identifier_preparer.quote
    return f"COPY {quote(table.name)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"


def delete_children(conn: Connection, kind: str, dest_ids: Sequence[int]) -> None:
    for name, column in KIND_CHILD_TABLES[kind]:
        table = TABLES[name]
        for part in chunks(list(dest_ids)):
            conn.execute(delete(table).where(table.c[column].in_(part)))


def delete_main_rows(conn: Connection, kind: str, dest_ids: Sequence[int]) -> None:
    delete_children(conn, kind, dest_ids)
    table = schema.CONTENT_TABLES[kind]
    for part in chunks(list(dest_ids)):
        conn.execute(delete(table).where(table.c.id.in_(part)))


def build_main_rows(records: Sequence[tuple[Record, str]], cat_ids: Mapping[str, int]) -> list[dict[str, Any]]:
    return [main_row(record, path, cat_ids) for record, path in records]


def read_records(conn: Connection, map_rows: Sequence[Mapping[str, Any]]) -> dict[int, Record]:
    """Rebuild the records of id_map rows (need id, kind, dest_id and the provenance columns).

    Returns {map id: record}; rows whose content is missing are left out.
    """
    cats = {cid: slug for slug, cid in category_ids(conn).items()}
    by_kind: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in map_rows:
        if row["dest_id"] is not None:
            by_kind[row["kind"]].append(row)
    out: dict[int, Record] = {}
    for kind, rows in by_kind.items():
        table = schema.CONTENT_TABLES[kind]
        dest_ids = [row["dest_id"] for row in rows]
        mains: dict[int, Mapping[str, Any]] = {}
        for clause in matching(conn, table.c.id, dest_ids):
            for main in conn.execute(select(table).where(clause)).mappings():
                mains[main["id"]] = main
        children = _children(conn, kind, dest_ids)
        for row in rows:
            main = mains.get(row["dest_id"])
            if main is None:
                continue
            out[row["id"]] = record_from_rows(
                kind,
                main,
                {name: by_parent.get(row["dest_id"], []) for name, by_parent in children.items()},
                json.loads(row["old_urls"] or "[]"),
                provenance_from_columns(row),
                cats,
            )
    return out


def _children(conn: Connection, kind: str, dest_ids: Sequence[int]) -> dict[str, dict[int, list[Mapping[str, Any]]]]:
    out: dict[str, dict[int, list[Mapping[str, Any]]]] = {}
    for name, column in KIND_CHILD_TABLES[kind]:
        table = TABLES[name]
        by_parent: dict[int, list[Mapping[str, Any]]] = defaultdict(list)
        for clause in matching(conn, table.c[column], dest_ids):
            for row in conn.execute(select(table).where(clause)).mappings():
                by_parent[row[column]].append(row)
        for rows in by_parent.values():
            rows.sort(key=lambda r: r["position"])
        out[name] = by_parent
    return out
