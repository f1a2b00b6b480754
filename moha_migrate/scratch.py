"""Scratch SQLite databases: where a stage keeps per-item state that must not grow its memory.

`sqlite3.connect("")` opens a private temporary database: SQLite keeps its pages in memory up to
the cache size and spills the rest to an unnamed file in its temporary directory (SQLITE_TMPDIR or
TMPDIR, else /var/tmp or /tmp), deleted when the connection closes. Nothing in it has to survive
a crash, so it runs without a journal or fsync. Transform's merge store, the reader's revisit
index, verify's facts and the sorted redirect map all open theirs here.
"""

from __future__ import annotations

import sqlite3


def open_scratch(cache_kib: int, *, check_same_thread: bool = True) -> sqlite3.Connection:
    """A new private temporary database (autocommit mode: callers open their own transactions)."""
    db = sqlite3.connect("", isolation_level=None, check_same_thread=check_same_thread)
    db.execute(f"PRAGMA cache_size = -{cache_kib}")
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    return db
