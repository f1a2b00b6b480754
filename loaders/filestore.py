"""The portal's content-addressed file store: `<root>/ab/abcdef...` holds the bytes whose sha256 is
`abcdef...`, written once, verified before it is stored, never overwritten with other bytes.

Files come from WARC payloads (through `archive.reader.iter_responses`, the one WARC reader of the
project) or from plain files on disk. A file is written to a temporary name in its directory and
renamed into place, so a crash never leaves a half-written file under a valid name.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, make_url, select

from loaders import schema
from loaders.db import DEFAULT_DB_URL
from moha_migrate.errors import LoadError

log = logging.getLogger(__name__)

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 1 << 20


def default_store_root(db_url: str | None, files_dir: Path | None = None) -> Path:
    """`files_dir` if given; else `files/` next to a SQLite database file, or in the current directory."""
    if files_dir is not None:
        return Path(files_dir)
    url = make_url(db_url or DEFAULT_DB_URL)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).expanduser().resolve().parent / "files"
    return Path.cwd() / "files"


@dataclass
class StoreReport:
    """What one fill of the store did."""

    stored: int = 0
    already: int = 0
    missing: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)


class FileStore:
    """Bytes by sha256 under one root directory."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        if not _SHA256.match(sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def has(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def put_bytes(self, data: bytes, sha256: str) -> bool:
        """Store `data` under `sha256` after checking the digest; False when it was already there.

        Raises ValueError when the bytes do not hash to `sha256` (nothing is written).
        """
        actual = hashlib.sha256(data).hexdigest()
        if actual != sha256:
            raise ValueError(f"bytes hash to {actual}, not {sha256}")
        if self.has(sha256):
            return False
        self._write(sha256, [data])
        return True

    def put_file(self, source: Path, sha256: str) -> bool:
        """Copy a file into the store, verifying its sha256 while copying (memory stays flat)."""
        if self.has(sha256):
            return False
        target = self.path_for(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out, Path(source).open("rb") as src:
                while chunk := src.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != sha256:
                raise ValueError(f"{source} hashes to {digest.hexdigest()}, not {sha256}")
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return True

    def _write(self, sha256: str, parts: Iterable[bytes]) -> None:
        target = self.path_for(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                for part in parts:
                    out.write(part)
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def iter_digests(self) -> Iterator[str]:
        """The sha256 of every file in the store."""
        if not self.root.is_dir():
            return
        for sub in sorted(self.root.iterdir()):
            if sub.is_dir() and len(sub.name) == 2:
                for item in sorted(sub.iterdir()):
                    if _SHA256.match(item.name):
                        yield item.name

    def remove(self, sha256: str) -> bool:
        path = self.path_for(sha256)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        try:
            path.parent.rmdir()
        except OSError:
            pass  # other files still live in this directory
        return True

    def prune(self, keep: set[str]) -> list[str]:
        """Remove every stored file whose digest is not in `keep`; return the removed digests."""
        removed = [sha for sha in list(self.iter_digests()) if sha not in keep]
        for sha in removed:
            self.remove(sha)
        return removed


def referenced_digests(engine: Engine) -> set[str]:
    """Every sha256 the database refers to: media rows, attachments and article images."""
    out: set[str] = set()
    with engine.connect() as conn:
        for column in (schema.Media.sha256, schema.Attachment.sha256, schema.ArticleImage.sha256):
            out.update(sha for (sha,) in conn.execute(select(column).distinct()) if sha)
    return out


def fill_store(store: FileStore, wanted: set[str], sources: Iterable[Path]) -> StoreReport:
    """Copy every wanted digest not yet stored from `sources` (WARC files/dirs or plain files/dirs).

    WARC payloads are read through archive.reader; each payload is hashed again before it is
    stored, so a damaged WARC cannot put wrong bytes under a digest. Raises LoadError when a
    source cannot be read.
    """
    report = StoreReport()
    need = {sha for sha in wanted if not store.has(sha)}
    report.already = len(wanted) - len(need)
    paths = [Path(p) for p in sources]
    for path in paths:
        if not path.exists():
            raise LoadError(f"--files-from {path}: no such file or directory")
    warcs = [p for p in paths if _is_warc_source(p)]
    plain = [p for p in paths if p not in warcs]
    if need and warcs:
        _fill_from_warcs(store, need, warcs, report)
    if need and plain:
        _fill_from_files(store, need, plain, report)
    report.missing = sorted(need)
    return report


def _is_warc_source(path: Path) -> bool:
    if path.is_file():
        return path.name.endswith((".warc", ".warc.gz"))
    return any(path.rglob("*.warc.gz")) or any(path.rglob("*.warc"))


def _fill_from_warcs(store: FileStore, need: set[str], paths: list[Path], report: StoreReport) -> None:
    from archive.reader import iter_responses, iter_warc_paths  # the one WARC reader of the project

    def on_error(exc: Exception) -> None:
        report.rejected.append(str(exc))
        log.warning("files-from: %s", exc)

    for response in iter_responses(iter_warc_paths(paths), on_error=on_error):
        if response.sha256 not in need:
            continue
        if response.body is None:
            report.rejected.append(f"{response.url} ({response.warc_file}@{response.offset}): payload too large to copy")
            continue
        try:
            store.put_bytes(response.body, response.sha256)
        except ValueError as exc:
            report.rejected.append(f"{response.url} ({response.warc_file}@{response.offset}): {exc}")
            continue
        need.discard(response.sha256)
        report.stored += 1
        if not need:
            return


def _fill_from_files(store: FileStore, need: set[str], paths: list[Path], report: StoreReport) -> None:
    for path in paths:
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for item in files:
            digest = _hash_file(item)
            if digest not in need:
                continue
            if store.put_file(item, digest):
                report.stored += 1
            need.discard(digest)
            if not need:
                return


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
