"""A migrated replica (index, records, SQLite portal, file store) built once from the shared crawl."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from archive.index import write_index
from loaders.load import load_records
from transform.pipeline import transform_warcs


@dataclass(frozen=True)
class Migrated:
    workdir: Path
    warc_dir: Path
    index: Path
    records: Path
    errors: Path
    db_path: Path
    files_dir: Path

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.db_path}"

    def copy(self, dest: Path) -> Migrated:
        """A private copy of the database, file store and records, for a test that damages them."""
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy2(self.db_path, dest / "portal.db")
        shutil.copytree(self.files_dir, dest / "files")
        shutil.copy2(self.records, dest / "records.jsonl")
        shutil.copy2(self.errors, dest / "errors.jsonl")
        return Migrated(dest, self.warc_dir, self.index, dest / "records.jsonl", dest / "errors.jsonl",
                        dest / "portal.db", dest / "files")


@pytest.fixture(scope="session")
def migrated(replica_crawl, tmp_path_factory: pytest.TempPathFactory) -> Migrated:
    work = tmp_path_factory.mktemp("migrated")
    m = Migrated(work, replica_crawl.warc_dir, work / "index.cdxj", work / "records.jsonl", work / "errors.jsonl",
                 work / "portal.db", work / "files")
    write_index([m.warc_dir], m.index)
    transform_warcs([m.warc_dir], m.records, m.errors)
    load_records(m.records, m.db_url, files_from=[m.warc_dir], files_dir=m.files_dir)
    return m
