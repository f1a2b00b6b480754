"""What the user sees: logging set-up, progress, and the one-line (or `--json`) summary.

cli.md's conventions live here so every verb behaves the same: stdout carries data and the final
summary only; logs and progress go to stderr; a rich progress bar draws only when stderr is a
terminal (plain log lines otherwise, e.g. in CI); exit codes 0/1 come from `Summary.ok`, 3 from a
`MohaError` and 4 from anything unexpected (`handle_errors`).
"""

from __future__ import annotations

import functools
import json
import logging
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import click

from moha_migrate.errors import MohaError

log = logging.getLogger(__name__)

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_CANNOT_RUN, EXIT_BUG = 0, 1, 2, 3, 4


@dataclass
class Summary:
    """The result of one command: printed as one line last, or as one JSON object with `--json`."""

    command: str
    ok: bool = True
    counts: dict[str, int | float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    message: str = ""

    def line(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in self.counts.items())
        status = "ok" if self.ok else f"{len(self.problems)} problem(s)"
        parts = [f"{self.command}: {status}"]
        if self.message:
            parts.append(self.message)
        if counts:
            parts.append(counts)
        return " - ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "ok": self.ok,
            "counts": self.counts,
            "problems": self.problems,
            "outputs": self.outputs,
            "message": self.message,
        }


def emit_summary(summary: Summary, as_json: bool) -> None:
    """Print the summary last (problems first, on stderr) and exit 1 when it found problems."""
    if as_json:
        click.echo(json.dumps(summary.as_dict(), ensure_ascii=False, sort_keys=True))
    else:
        for problem in summary.problems[:50]:
            click.echo(f"problem: {problem}", err=True)
        if len(summary.problems) > 50:
            click.echo(f"... and {len(summary.problems) - 50} more problems", err=True)
        click.echo(summary.line())
    if not summary.ok:
        sys.exit(EXIT_PROBLEMS)


F = TypeVar("F", bound=Callable[..., Any])


def json_option(func: F) -> F:
    """`--json`: print the summary as one JSON object on stdout (keyword `as_json`)."""
    return click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")(func)


def handle_errors(func: F) -> F:
    """Map failures to cli.md's exit codes: MohaError -> `Error: ...` and 3; other exceptions -> 4."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except MohaError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(EXIT_CANNOT_RUN)
        except KeyboardInterrupt:
            click.echo("Error: interrupted; rerun the same command to continue", err=True)
            sys.exit(130)
        except Exception:  # noqa: BLE001 - the contract: a bug prints its traceback and exits 4
            traceback.print_exc()
            click.echo(
                "Error: this is a bug in moha-migrate; please report it with the traceback above",
                err=True,
            )
            sys.exit(EXIT_BUG)

    return wrapper  # type: ignore[return-value]


def setup_logging(verbose: int = 0, quiet: bool = False) -> None:
    """Log to stderr: WARNING with --quiet, INFO by default, DEBUG with -v."""
    level = logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_moha", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
    handler._moha = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("scrapy", "twisted", "filelock", "urllib3", "asyncio", "alembic"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def is_interactive() -> bool:
    """True when stderr is a terminal a person watches (progress bars draw only then)."""
    return sys.stderr.isatty()


class Progress:
    """Advance-only progress: a rich bar on a terminal, a log line every few seconds otherwise."""

    def __init__(self, description: str, total: int | None, enabled: bool, log_every_s: float = 5.0) -> None:
        self.description = description
        self.total = total
        self.done = 0
        self._log_every_s = log_every_s
        self._last_log = time.monotonic()
        self._rich: Any = None
        self._task: Any = None
        if enabled and is_interactive():
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress as RichProgress,
                TextColumn,
                TimeElapsedColumn,
            )

            self._rich = RichProgress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[status]}"),
                TimeElapsedColumn(),
                transient=False,
            )
            self._task = self._rich.add_task(description, total=total, status="")

    def __enter__(self) -> Progress:
        if self._rich is not None:
            self._rich.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._rich is not None:
            self._rich.stop()
        elif self.done:
            log.info("%s: %d done", self.description, self.done)

    def advance(self, n: int = 1, status: str = "") -> None:
        self.done += n
        if self._rich is not None:
            self._rich.update(self._task, advance=n, status=status)
            return
        now = time.monotonic()
        if now - self._last_log >= self._log_every_s:
            self._last_log = now
            of = f"/{self.total}" if self.total else ""
            log.info("%s: %d%s %s", self.description, self.done, of, status)

    def set_total(self, total: int) -> None:
        self.total = total
        if self._rich is not None:
            self._rich.update(self._task, total=total)


@contextmanager
def progress(description: str, total: int | None = None, enabled: bool = True) -> Iterator[Progress]:
    """A `Progress` for long work; pass `enabled=False` under --json or --quiet."""
    with Progress(description, total, enabled) as bar:
        yield bar
