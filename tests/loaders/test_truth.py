"""The replica's ground truth (the same shape transform writes) through load, export and redirects."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine

from loaders.export import export_records
from loaders.load import load_records
from loaders.redirects import iter_redirects
from moha_migrate.newurls import new_path
from moha_migrate.urls import comparable


def test_truth_loads_exports_back_and_redirects_every_old_url(engine_url: str, truth_dir: Path, truth_records: list, tmp_path: Path) -> None:
    records = truth_dir / "records.jsonl"
    result = load_records(records, engine_url)
    assert (result.inserted, result.failed, result.conflicts) == (len(truth_records), 0, 0), result.problems[:5]
    out = tmp_path / "export.jsonl"
    export_records(engine_url, out)
    assert out.read_text("utf-8") == records.read_text("utf-8")

    engine = create_engine(engine_url)
    with engine.connect() as conn:
        target = {comparable(r.old_url): r.new_path for r in iter_redirects(conn)}
    engine.dispose()
    for record in truth_records:
        for url in record.old_urls:
            assert target.get(comparable(url)) == new_path(record), url
