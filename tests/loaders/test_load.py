"""loaders/load.py and export.py on SQLite, PostgreSQL and MariaDB: round trip, idempotence,
--update, --dry-run, bad lines."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from loaders import schema
from loaders.export import export_records
from loaders.load import load_records
from loaders.status import read_status
from moha_migrate.errors import LoadError
from moha_migrate.jsonl import dumps_record, write_records
from moha_migrate.newurls import new_path
from moha_migrate.records import Article, Document, Media, Page
from tests.loaders.helpers import count, snapshot


def _export_text(db_url: str, tmp_path: Path) -> str:
    out = tmp_path / "export.jsonl"
    export_records(db_url, out)
    return out.read_text("utf-8")


def edit_five(records: list) -> list:
    """Five records changed the way a re-transform changes them; the rest untouched."""
    out = list(records)
    edits = 0
    for i, r in enumerate(out):
        if edits == 5:
            break
        if isinstance(r, Article) and edits < 2:
            out[i] = dataclasses.replace(r, title=r.title + " (cập nhật)", related=r.related[:1])
        elif isinstance(r, Document) and edits == 2:
            out[i] = dataclasses.replace(r, abstract=r.abstract + " Sửa đổi.", expired_on=r.issued_on)
        elif isinstance(r, Page) and edits == 3:
            out[i] = dataclasses.replace(r, body_text=r.body_text + "\n\nĐoạn mới.")
        elif isinstance(r, Media) and edits == 4 and r.referenced_by:
            out[i] = dataclasses.replace(r, referenced_by=r.referenced_by[:-1])
        else:
            continue
        edits += 1
    assert edits == 5
    return out


def test_load_then_export_gives_the_input_back(engine_url: str, corpus_file: Path, corpus: list, tmp_path: Path) -> None:
    result = load_records(corpus_file, engine_url, batch_size=17)
    assert (result.inserted, result.updated, result.unchanged, result.failed) == (len(corpus), 0, 0, 0)
    assert result.ok
    assert _export_text(engine_url, tmp_path) == corpus_file.read_text("utf-8")


def test_rows_use_the_shared_new_path_scheme(sqlite_url: str, corpus_file: Path, corpus: list) -> None:
    load_records(corpus_file, sqlite_url)
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        paths = dict(conn.execute(select(schema.IdMap.source_url, schema.IdMap.dest_path)).all())
        article_paths = set(conn.execute(select(schema.Article.path)).scalars())
    engine.dispose()
    assert paths == {r.source_url: new_path(r) for r in corpus}
    assert article_paths == {new_path(r) for r in corpus if isinstance(r, Article)}


def test_second_load_changes_nothing(engine_url: str, corpus_file: Path, corpus: list) -> None:
    load_records(corpus_file, engine_url, batch_size=25)
    before = snapshot(engine_url)
    again = load_records(corpus_file, engine_url, batch_size=25)
    assert (again.inserted, again.updated, again.unchanged, again.changed, again.failed) == (0, 0, len(corpus), 0, 0)
    assert again.redirects_added == 0
    assert snapshot(engine_url) == before


def test_a_line_written_differently_with_the_same_content_is_unchanged(engine_url: str, corpus_file: Path, corpus: list) -> None:
    load_records(corpus_file, engine_url, batch_size=25)
    lines = corpus_file.read_text("utf-8").splitlines()
    lines[7] = json.dumps(json.loads(lines[7]), ensure_ascii=True, indent=None, separators=(", ", ": "))
    corpus_file.write_text("\n".join(lines) + "\n", "utf-8")
    again = load_records(corpus_file, engine_url, batch_size=25)
    assert (again.inserted, again.updated, again.unchanged, again.changed, again.failed) == (0, 0, len(corpus), 0, 0)
    engine = create_engine(engine_url)
    with engine.connect() as conn:
        stored = conn.execute(select(schema.IdMap.line_hash).where(schema.IdMap.source_url == corpus[7].source_url)).scalar_one()
    engine.dispose()
    assert stored == hashlib.sha256(lines[7].encode("utf-8")).hexdigest(), "the id map keeps the hash of the line as now written"


def test_update_rewrites_exactly_the_five_edited_records(engine_url: str, corpus_file: Path, corpus: list, tmp_path: Path) -> None:
    load_records(corpus_file, engine_url)
    edited = edit_five(corpus)
    edited_file = tmp_path / "edited.jsonl"
    write_records(edited, edited_file)

    plain = load_records(edited_file, engine_url)
    assert (plain.inserted, plain.updated, plain.changed, plain.unchanged) == (0, 0, 5, len(corpus) - 5)
    assert read_status(engine_url).total("needs_update") == 5
    assert _export_text(engine_url, tmp_path) == corpus_file.read_text("utf-8"), "without --update nothing is rewritten"

    updated = load_records(edited_file, engine_url, update=True)
    assert (updated.inserted, updated.updated, updated.unchanged, updated.failed) == (0, 5, len(corpus) - 5, 0)
    assert _export_text(engine_url, tmp_path) == edited_file.read_text("utf-8")
    assert read_status(engine_url).total("needs_update") == 0
    assert count(engine_url, "id_map") == len(corpus)

    third = load_records(edited_file, engine_url, update=True)
    assert (third.updated, third.unchanged) == (0, len(corpus))


def test_dry_run_writes_nothing(sqlite_url: str, corpus_file: Path, corpus: list, tmp_path: Path) -> None:
    db_file = Path(sqlite_url.removeprefix("sqlite:///"))
    first = load_records(corpus_file, sqlite_url, dry_run=True)
    assert first.inserted == len(corpus) and first.run_id is None
    assert not db_file.exists(), "a dry run created the database file"

    load_records(corpus_file, sqlite_url)
    before = snapshot(sqlite_url)
    runs_before = count(sqlite_url, "runs")
    edited_file = tmp_path / "edited.jsonl"
    write_records(edit_five(corpus), edited_file)
    preview = load_records(edited_file, sqlite_url, dry_run=True, update=True)
    assert (preview.updated, preview.unchanged, preview.inserted) == (5, len(corpus) - 5, 0)
    assert snapshot(sqlite_url) == before
    assert count(sqlite_url, "runs") == runs_before


def _bad_file(tmp_path: Path, corpus: list) -> tuple[Path, list[str]]:
    """The corpus with five bad lines slipped in; returns the file and the lines as written."""
    lines = [dumps_record(r) for r in corpus[:10]]
    article = json.loads(lines[0])
    missing = dict(article, source_url=article["source_url"].replace(".html", "-x.html"))
    missing["old_urls"] = sorted(set(missing["old_urls"]) - {article["source_url"]} | {missing["source_url"]})
    del missing["title"]
    bad_date = dict(json.loads(lines[1]), published_at="15/08/2015 07:25")
    unknown_cat = dict(json.loads(lines[2]), category="tin-the-gioi")
    bad = [
        "{not json",
        json.dumps(missing, ensure_ascii=False),
        json.dumps(bad_date, ensure_ascii=False),
        json.dumps(unknown_cat, ensure_ascii=False),
    ]
    # lines 1, 2 good; 3 bad JSON; 4 missing title; 5 bad date; 6 unknown category; then a duplicate of line 1
    body = lines[3:5] + bad + lines[5:] + [lines[3]]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(body) + "\n", "utf-8")
    return path, body


def test_bad_lines_are_reported_by_line_and_field_and_the_rest_load(engine_url: str, corpus: list, tmp_path: Path) -> None:
    path, body = _bad_file(tmp_path, corpus)
    result = load_records(path, engine_url, batch_size=4)
    assert result.failed == 5 and not result.ok
    assert result.inserted == len(body) - 5
    text = "\n".join(result.problems)
    assert "line 3: bad JSON" in text
    assert "line 4, field 'title': missing" in text
    assert "line 5, field 'published_at': not an ISO 8601 timestamp" in text
    assert "line 6, field 'category': unknown category 'tin-the-gioi'" in text
    assert f"line {len(body)}, field 'source_url': duplicate of line 1" in text
    status = read_status(engine_url, messages=10)
    assert status.total("failed") == 3  # the three bad records whose source_url is readable and new
    assert {m["line"] for m in status.messages} == {3, 4, 5, 6, len(body)}
    assert count(engine_url, "id_map") == len(body) - 5 + 3


def test_fixed_lines_load_on_the_next_run(sqlite_url: str, corpus: list, tmp_path: Path) -> None:
    path, body = _bad_file(tmp_path, corpus)
    load_records(path, sqlite_url)
    good = tmp_path / "good.jsonl"
    write_records(corpus[:10], good)
    rerun = load_records(good, sqlite_url)
    assert rerun.failed == 0
    assert rerun.inserted == 3  # corpus[0..2]: the records whose bad versions failed before
    status = read_status(sqlite_url)
    assert status.total("failed") == 1  # the record that only ever existed with a missing title
    assert status.total("imported") == 10


def test_unreachable_database_names_the_url_with_the_password_masked(corpus_file: Path) -> None:
    with pytest.raises(LoadError) as info:
        load_records(corpus_file, "postgresql+psycopg://postgres:s3cret@127.0.0.1:1/portal")
    message = str(info.value)
    assert "cannot reach postgresql+psycopg://postgres:***@127.0.0.1:1/portal" in message
    assert "s3cret" not in message


def test_missing_input_is_a_load_error(sqlite_url: str, tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="no-such.jsonl"):
        load_records(tmp_path / "no-such.jsonl", sqlite_url)


@pytest.mark.parametrize("workers", [0, 1], ids=["in-process", "worker"])
def test_a_line_that_is_not_utf8_stops_the_load_naming_it(sqlite_url: str, corpus: list, tmp_path: Path, workers: int) -> None:
    lines = [dumps_record(r).encode("utf-8") for r in corpus[:3]]
    lines[1] = lines[1].replace("ộ".encode("utf-8"), "ộ".encode("utf-16-le"), 1)
    assert lines[1] != dumps_record(corpus[1]).encode("utf-8"), "the record has no ộ to spoil"
    path = tmp_path / "latin.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    with pytest.raises(LoadError, match=r"latin\.jsonl: line 2 is not UTF-8 text"):
        load_records(path, sqlite_url, batch_size=1, workers=workers)
    assert count(sqlite_url, "id_map") == 1, "the batch before the bad line stays loaded"


def test_lines_only_pythons_json_reads_are_validated_as_before(sqlite_url: str, corpus: list, tmp_path: Path) -> None:
    """orjson parses the lines of a load, but it refuses some JSON that Python's json reads (NaN,
    integers beyond 64 bits): those lines must reach the validator all the same, not be called bad JSON."""
    article = next(r for r in corpus if isinstance(r, Article))
    line = dumps_record(article)
    nan_id = line.replace(f'"item_id": {article.item_id}', '"item_id": NaN').replace(f'"item_id":{article.item_id}', '"item_id":NaN')
    assert "NaN" in nan_id
    path = tmp_path / "nan.jsonl"
    path.write_text(nan_id + "\n", "utf-8")
    result = load_records(path, sqlite_url)
    assert result.failed == 1 and result.inserted == 0
    assert result.problems[0].startswith("line 1, field 'item_id': expected an integer, got nan")
