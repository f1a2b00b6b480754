"""Serve a capture with pywb on 127.0.0.1 so people (and tests) can replay it.

We build a pywb collection, the layout `wb-manager init` makes (`collections/<coll>/archive/` with
links to the WARC files, `collections/<coll>/indexes/index.cdxj` from `archive.index`, whose POST keys
are what let pywb replay `__doPostBack` listing pages), plus a `config.yaml`, and run pywb's
`wayback` on it through `archive.pywb_launch` (pywb 2.8 needs two shims on our stack). pywb binds
0.0.0.0 unless told otherwise, so we always pass `-b 127.0.0.1`. `ReplayServer` is a context
manager: the server is stopped (terminate, then kill after a bound) however the block ends.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from archive.index import write_index
from archive.reader import iter_warc_paths
from moha_migrate.errors import ArchiveError

log = logging.getLogger(__name__)

BIND = "127.0.0.1"
PYWB_CONFIG = """\
# written by moha-migrate archive replay
collections_root: collections
framed_replay: false
enable_memento: true
"""


@dataclass(frozen=True, slots=True)
class Collection:
    """A pywb collection on disk."""

    root: Path
    name: str
    warcs: int
    index_lines: int


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((BIND, 0))
        return int(sock.getsockname()[1])


def build_collection(paths: Iterable[Path | str], root: Path, *, name: str = "moha",
                     index: Path | None = None) -> Collection:
    """Lay out a pywb collection for the WARCs under `root` (links, index, config.yaml).

    Uses `index` when given (a CDXJ file whose filenames are the WARCs' names), else indexes the
    WARCs; raises ArchiveError on missing inputs or a name pywb cannot serve.
    """
    if not name.replace("-", "").replace("_", "").isalnum():
        raise ArchiveError(f"collection name {name!r}: use letters, digits, '-' and '_' only")
    warcs = iter_warc_paths(paths)
    coll = Path(root) / "collections" / name
    archive_dir, index_dir = coll / "archive", coll / "indexes"
    for folder in (archive_dir, index_dir):
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
    for warc in warcs:
        target = archive_dir / warc.name
        if target.exists():
            raise ArchiveError(f"two WARC files share the name {warc.name}; pywb looks records up by name")
        try:
            target.symlink_to(warc.resolve())
        except OSError:
            shutil.copy2(warc, target)
    index_file = index_dir / "index.cdxj"
    if index is not None:
        shutil.copyfile(index, index_file)
        lines = sum(1 for _ in index_file.open(encoding="utf-8"))
    else:
        lines = write_index(warcs, index_file).lines
    (Path(root) / "config.yaml").write_text(PYWB_CONFIG, encoding="utf-8")
    return Collection(root=Path(root), name=name, warcs=len(warcs), index_lines=lines)


class ReplayServer:
    """pywb serving one collection on 127.0.0.1; use as a context manager."""

    def __init__(self, collection: Collection, *, port: int = 0, startup_timeout_s: float = 60.0) -> None:
        self.collection = collection
        self.port = port or free_port()
        self.startup_timeout_s = startup_timeout_s
        self.log_path = collection.root / "pywb.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{BIND}:{self.port}/{self.collection.name}/"

    def replay_url(self, url: str, at: datetime | str | None = None, mode: str = "") -> str:
        """`/COLL/TIMESTAMP<mode>/URL`; mode `id_` gives the original bytes, "" the rewritten page."""
        if isinstance(at, datetime):
            at = at.astimezone(timezone.utc).strftime("%Y%m%d%H%M%S")
        stamp = f"{at or ''}{mode}"
        return f"{self.base_url}{stamp}/{url}" if stamp else f"{self.base_url}{url}"

    def start(self) -> ReplayServer:
        """Start pywb and wait until it answers; raises ArchiveError (with its log's tail) if it does not."""
        self._log = self.log_path.open("ab")
        cmd = [sys.executable, "-W", "ignore", "-m", "archive.pywb_launch",
               "-b", BIND, "-p", str(self.port), "-d", str(self.collection.root)]
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self._proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT, env=env,
                                      cwd=self.collection.root, start_new_session=True)
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                self.stop()
                raise ArchiveError(f"pywb exited with status {self._proc.returncode}: {self._log_tail()}")
            try:
                with urllib.request.urlopen(f"http://{BIND}:{self.port}/", timeout=2) as reply:
                    if reply.status == 200:
                        log.info("pywb replaying %s at %s", self.collection.name, self.base_url)
                        return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        self.stop()
        raise ArchiveError(f"pywb did not answer on port {self.port} within {self.startup_timeout_s:.0f} s: "
                           f"{self._log_tail()}")

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop pywb: SIGTERM to its process group, SIGKILL after `timeout_s`."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=timeout_s)
            except ProcessLookupError:
                pass
        if self._log is not None:
            self._log.close()
            self._log = None

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def _log_tail(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-600:].strip()
        except OSError:
            return "(no log)"

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
