"""loaders/rollback.py: a rolled-back run leaves the database as before it; kind/ids selections;
files nothing references any more leave the store."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from loaders.export import export_records
from loaders.filestore import FileStore
from loaders.load import load_records
from loaders.rollback import rollback
from loaders.status import read_status
from moha_migrate.errors import LoadError
from moha_migrate.jsonl import write_records
from moha_migrate.records import Media
from tests.loaders.corpus import make_corpus
from tests.loaders.helpers import count, snapshot
from tests.loaders.test_load import edit_five


def test_rollback_of_an_update_run_leaves_the_database_as_before_it(engine_url: str, corpus: list, tmp_path: Path) -> None:
    later = corpus[30:40]  # ten articles that only the second run brings
    base = [r for r in corpus if r not in later]
    first_file = tmp_path / "first.jsonl"
    write_records(base, first_file)
    load_records(first_file, engine_url)
    before = snapshot(engine_url)

    # run 2 rewrites five records, marks nothing else, and adds the remaining ones
    second = edit_five(base) + later
    second_file = tmp_path / "second.jsonl"
    write_records(second, second_file)
    run2 = load_records(second_file, engine_url, update=True)
    assert (run2.updated, run2.inserted) == (5, len(later))
    assert snapshot(engine_url) != before

    result = rollback(engine_url, run_id=run2.run_id)
    assert result.restored == 5
    assert result.removed == {"article": len(later)}
    assert snapshot(engine_url) == before
    out = tmp_path / "export.jsonl"
    export_records(engine_url, out)
    assert out.read_text("utf-8") == first_file.read_text("utf-8")
    assert read_status(engine_url).runs[0]["status"] == "rolled_back"


def test_rollback_of_a_run_that_only_marked_changes_restores_the_marks(sqlite_url: str, corpus_file: Path, corpus: list, tmp_path: Path) -> None:
    load_records(corpus_file, sqlite_url)
    before = snapshot(sqlite_url)
    edited = tmp_path / "edited.jsonl"
    write_records(edit_five(corpus), edited)
    run2 = load_records(edited, sqlite_url)
    assert read_status(sqlite_url).total("needs_update") == 5
    rollback(sqlite_url, last=True)
    assert run2.run_id is not None
    assert snapshot(sqlite_url) == before


def test_rollback_of_the_first_run_empties_the_portal(engine_url: str, corpus_file: Path) -> None:
    run = load_records(corpus_file, engine_url)
    rollback(engine_url, run_id=run.run_id)
    for table in ("articles", "documents", "pages", "media", "redirects", "redirect_claims", "id_map", "attachments", "article_images"):
        assert count(engine_url, table) == 0, table


def test_rollback_by_kind_and_by_ids(sqlite_url: str, corpus_file: Path, corpus: list) -> None:
    load_records(corpus_file, sqlite_url)
    pages = [r for r in corpus if r.kind == "page"]
    result = rollback(sqlite_url, ids=[pages[0].source_url])
    assert result.removed == {"page": 1}
    assert read_status(sqlite_url).counts["page"]["imported"] == len(pages) - 1
    result = rollback(sqlite_url, kind="document")
    assert result.removed == {"document": sum(r.kind == "document" for r in corpus)}
    assert "document" not in read_status(sqlite_url).counts
    # the redirects of what was removed are gone; the others stay
    kept = [r for r in corpus if r.kind != "document" and r.source_url != pages[0].source_url]
    listed = {u for r in kept for u in r.old_urls}
    assert _listed_redirects(sqlite_url) == listed


def _listed_redirects(db_url: str) -> set[str]:
    from sqlalchemy import create_engine

    from loaders.redirects import iter_redirects

    engine = create_engine(db_url)
    with engine.connect() as conn:
        listed = {r.old_url for r in iter_redirects(conn) if r.origin == "record"}
    engine.dispose()
    return listed


def test_rollback_removes_files_nothing_references_any_more(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'portal.db'}"
    media = [r for r in make_corpus(articles=0, documents=0, pages=0, media=3)]
    # real bytes for each media record, so the store can hold them
    blobs = {m.source_url: f"bytes of {m.title}".encode() for m in media}
    import hashlib

    media = [dataclasses.replace(m, sha256=hashlib.sha256(blobs[m.source_url]).hexdigest()) for m in media]
    records = tmp_path / "records.jsonl"
    write_records(media, records)
    source = tmp_path / "downloads"
    source.mkdir()
    for i, blob in enumerate(blobs.values()):
        (source / f"f{i}.bin").write_bytes(blob)
    first = load_records(records, db_url, files_from=[source])
    assert (first.files_stored, first.files_missing) == (3, 0)
    store = FileStore(tmp_path / "files")
    assert sorted(store.iter_digests()) == sorted(m.sha256 for m in media)

    keep = media[0]
    result = rollback(db_url, ids=[m.source_url for m in media[1:]])
    assert result.files_removed == 2
    assert list(store.iter_digests()) == [keep.sha256]
    assert isinstance(keep, Media)


def test_rollback_refuses_unknown_runs_and_empty_selections(sqlite_url: str, corpus_file: Path) -> None:
    load_records(corpus_file, sqlite_url)
    with pytest.raises(LoadError, match="no run 99"):
        rollback(sqlite_url, run_id=99)
    with pytest.raises(LoadError, match="nothing selected"):
        rollback(sqlite_url)
    with pytest.raises(LoadError, match="no loaded record matches"):
        rollback(sqlite_url, ids=["http://moha.gov.vn/nothing.html"])
    rollback(sqlite_url, run_id=1)
    with pytest.raises(LoadError, match="already rolled back"):
        rollback(sqlite_url, run_id=1)
