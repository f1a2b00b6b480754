"""Headless Chromium for report tests: the DOM after scripts ran, console errors, a screenshot.

Debian's chromium runs headless as root only with --no-sandbox, and without the
background-networking flags it keeps trying to reach the internet (field-notes.md).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]


@dataclass
class Rendered:
    dom: str
    console: list[str]


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _run(args: list[str], timeout_s: float) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [chromium() or "chromium", *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )


def render(page: Path, timeout_s: float = 60) -> Rendered:
    """The page's DOM after its scripts ran, and every console message Chromium logged."""
    done = _run(["--virtual-time-budget=3000", "--dump-dom", page.resolve().as_uri()], timeout_s)
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    return Rendered(done.stdout, console)


def screenshot(page: Path, out: Path, timeout_s: float = 60) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    _run(["--window-size=1280,2400", f"--screenshot={out.resolve()}", page.resolve().as_uri()], timeout_s)
    return out
