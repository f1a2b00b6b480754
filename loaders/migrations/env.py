"""Alembic environment of the portal schema, run programmatically by `loaders.db.upgrade_schema`.

The caller passes an open connection in `config.attributes["connection"]`, so migrations run in the
tool's own transaction against the URL the user gave; there is no alembic.ini to keep in sync.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from loaders.schema import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        # `alembic -x url=...` from a shell, e.g. to write a new revision with --autogenerate.
        url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
        with create_engine(url).connect() as conn:
            _run(conn)
        return
    _run(connection)


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (--sql) migrations are not supported; run `moha-migrate load` or `status`")
run_migrations_online()
