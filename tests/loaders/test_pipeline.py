"""loaders/pipeline.py: a PostgreSQL load whose batches of new records are planned from memory and
written behind by threads gives exactly what the usual way gives, into an empty portal and into
one loaded before, including for the lines that need the database's answers (loaded before,
failed, duplicate, conflicting); and a batch the writer cannot commit stops the load naming that
batch, with what committed before it kept."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

import loaders.load
from loaders.load import load_records
from loaders.pipeline import BatchWriter, KnownKeys, WriteFailed
from loaders.redirects import iter_redirects
from loaders.status import read_status
from moha_migrate.errors import LoadError
from moha_migrate.jsonl import dumps_record, write_records
from moha_migrate.records import Page
from tests.loaders.helpers import count, snapshot

BATCH = 5
WRITER_THREAD = "moha-load-writer"


def _page(slug: str, *old: str) -> Page:
    url = f"http://moha.gov.vn/gioi-thieu/{slug}.html"
    return Page(source_url=url, old_urls=tuple(sorted({url, *old})), title=slug.title(), slug=slug, body_text="x", body_html="<p>x</p>")


def _messy_file(tmp_path: Path, corpus: list) -> Path:
    """The corpus with, in batches of five: a record that fails (bad date) in batch 1 and loads in
    a later one, a duplicate line, an old URL listed by two records of different batches and by two
    of one batch, a listed URL that another batch's record had as alias, and two records wanting
    one new path."""
    lines = [dumps_record(r) for r in corpus]
    late = json.loads(lines[12])
    failing = json.dumps(dict(late, published_at="15/08/2015 07:25"), ensure_ascii=False)
    shared = corpus[0].old_urls[0]  # listed by the first article (batch 1), claimed again in batch 6
    alias_holder = _page("cu-a", "http://moha.gov.vn/cu.html")  # its www form is an alias ...
    alias_taker = _page("cu-b", "http://www.moha.gov.vn/cu.html")  # ... that this record lists, later
    twins = [_page("song-sinh-1", "http://moha.gov.vn/chung.html"), _page("song-sinh-2", "http://moha.gov.vn/chung.html")]
    same_path = dataclasses.replace(_page("trung-duong-dan"), source_url="http://moha.gov.vn/gioi-thieu/trung-duong-dan.aspx")
    same_path = dataclasses.replace(same_path, old_urls=(same_path.source_url,))
    extra = [dumps_record(r) for r in (alias_holder, _page("tranh-chap", shared), alias_taker, *twins, _page("trung-duong-dan"), same_path)]
    body = [lines[0], failing, *lines[1:12], *lines[13:25], extra[0], lines[12], *lines[25:40], *extra[1:3],
            *lines[40:55], *extra[3:5], lines[55], *extra[5:7], *lines[56:], lines[3]]
    path = tmp_path / "messy.jsonl"
    path.write_text("\n".join(body) + "\n", "utf-8")
    return path


def _state(db_url: str) -> dict[str, Any]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            redirects = [(r.old_url, r.new_path, r.origin, r.source_url) for r in iter_redirects(conn)]
            messages = conn.execute(text("SELECT level, line, field, source_url, message FROM messages ORDER BY id")).all()
            claims = conn.execute(text("SELECT url_key, old_url, origin, map_id FROM redirect_claims ORDER BY url_key, map_id")).all()
    finally:
        engine.dispose()
    return {"tables": snapshot(db_url), "redirects": redirects, "messages": messages, "claims": claims}


def _counts(result: loaders.load.LoadResult) -> tuple[int, ...]:
    return (result.lines, result.inserted, result.updated, result.unchanged, result.changed, result.failed,
            result.redirects_added, result.conflicts)


def test_a_first_load_written_behind_gives_what_the_usual_way_gives(
    postgres_databases: Callable[[], str], corpus: list, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _messy_file(tmp_path, corpus)
    behind_url = postgres_databases()
    threads: list[str] = []
    behind = load_records(path, behind_url, batch_size=BATCH, hook=lambda _: threads.append(threading.current_thread().name))
    assert any(name.startswith(WRITER_THREAD) for name in threads), "no batch was written behind"
    assert "MainThread" in threads, "no batch needed the database's answers"

    usual_url = postgres_databases()
    monkeypatch.setattr(loaders.load, "_writes_behind", lambda engine, ctx: False)
    usual = load_records(path, usual_url, batch_size=BATCH)

    assert _counts(behind) == _counts(usual)
    # failed: the bad date, the second record wanting a taken path, the duplicate; conflicts: the shared URL, the twins' URL
    assert (behind.failed, behind.conflicts) == (3, 2), behind.problems
    assert behind.problems == usual.problems
    assert _state(behind_url) == _state(usual_url)
    assert read_status(behind_url).total("failed") == 1  # the record whose path was taken
    engine = create_engine(behind_url)
    with engine.connect() as conn:
        late = conn.execute(text("SELECT status, line FROM id_map WHERE source_url = :u"), {"u": corpus[12].source_url}).all()
    engine.dispose()
    assert late == [("imported", 27)], "the record that failed in batch 1 loads in batch 6, on its failed row"
    rerun = load_records(path, behind_url, batch_size=BATCH)
    assert (rerun.inserted, rerun.updated) == (0, 0)


@pytest.mark.parametrize("way", ["behind", "usual"])
def test_a_batch_the_database_refuses_stops_the_load_naming_it(
    postgres_url: str, corpus: list, tmp_path: Path, way: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the portal already holds the articles of lines 21-30 (made by hand, say): the id map knows
    # nothing of them, so the load is a first load, and batch 3 meets their paths in the database
    # (COPY's unique violation comes from the driver itself, not through SQLAlchemy)
    part = tmp_path / "part.jsonl"
    write_records(corpus[20:30], part)
    load_records(part, postgres_url)
    engine = create_engine(postgres_url)
    with engine.begin() as conn:
        for table in ("redirect_claims", "redirects", "id_map"):
            conn.execute(text(f"DELETE FROM {table}"))
    engine.dispose()
    full = tmp_path / "records.jsonl"
    write_records(corpus, full)
    threads: list[str] = []
    if way == "usual":
        monkeypatch.setattr(loaders.load, "_writes_behind", lambda engine, ctx: False)

    with pytest.raises(LoadError) as info:
        load_records(full, postgres_url, batch_size=10, hook=lambda _: threads.append(threading.current_thread().name))
    message = str(info.value)
    assert "batch 3 (lines 21-30 of" in message and "failed and was rolled back" in message
    assert "the 20 line(s) before it are committed" in message
    assert [name.startswith(WRITER_THREAD) for name in threads[:2]] == [way == "behind"] * 2
    assert count(postgres_url, "id_map") == 20
    run = read_status(postgres_url).runs[0]
    assert (run["status"], run["inserted"]) == ("failed", 20)


def test_a_load_into_a_portal_loaded_before_written_behind_gives_what_the_usual_way_gives(
    postgres_databases: Callable[[], str], corpus: list, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # loaded first: a record whose www. form is an alias, a line that fails; then, among new
    # records, in batches of their own: a record listing that www. form (a batch of new records
    # otherwise: only the database knows the alias), one claiming a URL loaded before, the failed
    # record made good
    lines = [dumps_record(r) for r in corpus]
    holder, taker = _page("cu-a", "http://moha.gov.vn/cu.html"), _page("cu-b", "http://www.moha.gov.vn/cu.html")
    claimer = _page("tranh-chap", corpus[0].old_urls[0])
    failing = json.dumps(dict(json.loads(lines[12]), published_at="15/08/2015 07:25"), ensure_ascii=False)
    first = [*lines[:9], failing, dumps_record(holder)]
    second = [*first, *lines[9:12], *lines[13:15], dumps_record(taker), *lines[15:19], dumps_record(claimer),
              *lines[19:23], lines[12], *lines[23:]]
    first_file, second_file = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first_file.write_text("\n".join(first) + "\n", "utf-8")
    second_file.write_text("\n".join(second) + "\n", "utf-8")

    behind_url, usual_url = postgres_databases(), postgres_databases()
    load_records(first_file, behind_url, batch_size=BATCH)
    threads: list[str] = []
    behind = load_records(second_file, behind_url, batch_size=BATCH, hook=lambda n: threads.append(threading.current_thread().name))
    assert any(name.startswith(WRITER_THREAD) for name in threads), "no batch was written behind"
    assert not threads[3].startswith(WRITER_THREAD), "the batch listing the alias held in the database was written behind"

    monkeypatch.setattr(loaders.load, "_writes_behind", lambda engine, ctx: False)
    load_records(first_file, usual_url, batch_size=BATCH)
    usual = load_records(second_file, usual_url, batch_size=BATCH)
    assert _counts(behind) == _counts(usual)
    assert behind.problems == usual.problems
    assert _state(behind_url) == _state(usual_url)
    targets = {old: (new, origin) for old, new, origin, _ in _state(behind_url)["redirects"]}
    assert targets["http://www.moha.gov.vn/cu.html"] == ("/gioi-thieu/cu-b", "record")


def test_known_keys_meet_only_what_was_noted() -> None:
    known = KnownKeys()
    known.note(keys=["s1"], paths=["/tin-tuc/a-1"], url_keys=["k1", "k2"])
    assert not known.meets(["s2"], ["/tin-tuc/a-2"], ["k3"])
    assert known.meets(["s1"], [], [])
    assert known.meets([], ["/tin-tuc/a-1"], [])
    assert known.meets([], [], ["k3", "k2"])


def test_two_batches_in_flight_commit_in_order_and_the_one_after_a_failed_batch_rolls_back(postgres_url: str) -> None:
    """BatchWriter writes the next batch while the one before is still in flight (the first batch
    below waits until the second has written), yet commits in order: a batch's hook sees every
    batch before it committed, and a batch after a failed one rolls back with it."""
    engine = create_engine(postgres_url)

    def rows_now() -> list[int]:
        with engine.connect() as conn:
            return sorted(n for (n,) in conn.exec_driver_sql("SELECT n FROM writer_order"))

    def batch(n: int, *, wait_for: threading.Event | None = None, then: threading.Event | None = None,
              fail: bool = False) -> Callable[[Any], None]:
        def write(conn: Any) -> None:
            conn.exec_driver_sql(f"INSERT INTO writer_order VALUES ({n})")
            if then is not None:
                then.set()
            if wait_for is not None:
                assert wait_for.wait(10), f"batch {n} was not in flight beside the next one"
            if fail:
                conn.exec_driver_sql("SELECT 1 / 0")
        return write

    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE writer_order (n integer PRIMARY KEY)")
        seen_by_hooks: list[tuple[int, list[int]]] = []
        second = threading.Event()
        with BatchWriter(engine, lambda number: seen_by_hooks.append((number, rows_now()))) as writer:
            writer.submit(1, "one", batch(1, wait_for=second))
            writer.submit(2, "two", batch(2, then=second))
            writer.wait()
        assert rows_now() == [1, 2]
        assert seen_by_hooks == [(1, []), (2, [1])]

        fourth = threading.Event()
        with BatchWriter(engine) as writer:
            writer.submit(3, "three", batch(3, wait_for=fourth, fail=True))
            writer.submit(4, "four", batch(4, then=fourth))
            with pytest.raises(WriteFailed) as info:
                writer.wait()
        assert info.value.tag == "three" and "division by zero" in str(info.value)
        assert rows_now() == [1, 2], "the batch written after the failed one must roll back with it"
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS writer_order")
        engine.dispose()
