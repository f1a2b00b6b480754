"""The replica site served from a child process for the length of a `run` crawl.

The replica stands in for the remote site: in a real migration it is not on the machine at all.
Served from a thread of the run process (as before), its page model and caches — which grow with
the scale — stayed in the run's memory for every later stage, since freed memory is rarely given
back to the system, and its page generation competed with the run for one interpreter lock. In a
child process (`replica serve`, the same command a user runs) it takes its memory with it when it
exits, and the child dies with the run (PR_SET_PDEATHSIG) so kill -9 leaves no server behind.
"""

from __future__ import annotations

import ctypes
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from moha_migrate.errors import ConfigError

PR_SET_PDEATHSIG = 1
_SERVING = re.compile(r"serving the moha\.gov\.vn replica on (http://\S+)")


def _libc_prctl():  # type: ignore[no-untyped-def]
    try:
        return ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None  # not Linux: the replica is still stopped by the `finally` below on a normal exit


def _death_signal(prctl):  # type: ignore[no-untyped-def]
    """The child's first step after fork: die when the run dies. libc is looked up in the parent,
    before the fork, so the child only calls it (no dlopen between fork and exec)."""

    def set_it() -> None:
        if prctl is not None:
            prctl(PR_SET_PDEATHSIG, signal.SIGTERM)

    return set_it


@contextmanager
def served_replica(seed: int, scale: str, log_path: Path) -> Iterator[str]:
    """Serve the replica (seed, scale) on 127.0.0.1 until the block ends; yield its proxy URL."""
    cmd = [sys.executable, "-m", "replica.cli", "serve", "--port", "0", "--seed", str(seed),
           "--scale", str(scale), "--log", str(log_path)]
    # stderr is the run's own (the replica's two log lines, or why it could not start); stdout
    # says where it serves, then nothing until its summary when it stops.
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, preexec_fn=_death_signal(_libc_prctl()))
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        found = _SERVING.search(first)
        if found is None:
            proc.kill()
            proc.communicate(timeout=30)
            raise ConfigError(f"the replica did not start (exit {proc.returncode}; its error is above): "
                              f"{' '.join(cmd)}")
        yield found.group(1)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
