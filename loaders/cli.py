"""The loaders' verbs: `load`, `status`, `rollback`, `redirects`, `export` (cli.md)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from loaders.db import DEFAULT_DB_URL
from loaders.export import export_records
from loaders.load import DEFAULT_BATCH_SIZE, load_records
from loaders.redirect_maps import FORMATS, write_redirects
from loaders.rollback import rollback
from loaders.status import read_status
from moha_migrate.console import emit_summary, handle_errors, json_option
from moha_migrate.profile import load_profile
from moha_migrate.records import KINDS

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_REDIRECT_FILES = {"nginx": "redirects/moha-redirects.nginx.conf", "apache": "redirects/moha-redirects.txt", "csv": "redirects/redirects.csv"}


def db_option(func: F) -> F:
    """`--db URL`: the portal database (SQLAlchemy URL; default a SQLite file in the current directory)."""
    return click.option(
        "--db",
        "db_url",
        default=None,
        metavar="URL",
        help=f"Portal database URL (default {DEFAULT_DB_URL}); e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test "
        "or mysql+pymysql://root@127.0.0.1:3306/test?charset=utf8mb4.",
    )(func)


def files_dir_option(func: F) -> F:
    return click.option(
        "--files-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="The content-addressed file store (default: files/ next to a SQLite database, else ./files).",
    )(func)


@contextmanager
def _stdout_pipe() -> Iterator[None]:
    """Writing data to stdout: a reader that stops early (`| head`) ends the command quietly."""
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python would complain again when flushing at exit
        sys.exit(0)


def _quiet(ctx: click.Context) -> bool:
    return bool((ctx.obj or {}).get("quiet"))


@click.command("load")
@click.argument("records", type=click.Path(dir_okay=False, path_type=Path))
@db_option
@click.option("--update", is_flag=True, help="Rewrite records whose content changed since they were loaded.")
@click.option("--dry-run", is_flag=True, help="Report what would be inserted, updated or rejected; write nothing.")
@click.option("--batch-size", type=click.IntRange(min=1), default=DEFAULT_BATCH_SIZE, show_default=True, help="Records per transaction (on PostgreSQL the first batches are smaller: 250, 500, ... doubling up to it).")
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=None,
    help="Processes that parse the next batches while one is written (default: one with 2 or more cores, "
    "for files of 8 MiB or more; 0: parse in this process).",
)
@click.option(
    "--files-from",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="WARC files or dirs (or plain files or dirs) to copy media bytes from into the file store; repeatable.",
)
@files_dir_option
@click.option("--profile", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None, help="Site profile TOML (categories).")
@json_option
@click.pass_context
@handle_errors
def load_command(
    ctx: click.Context,
    records: Path,
    db_url: str | None,
    update: bool,
    dry_run: bool,
    batch_size: int,
    workers: int | None,
    files_from: tuple[Path, ...],
    files_dir: Path | None,
    profile: Path | None,
    as_json: bool,
) -> None:
    """Push records.jsonl into the portal database, idempotently.

    Each record is upserted by source_url; unchanged records are skipped (row hash), changed ones
    are rewritten only with --update, bad lines are reported by line and field while the rest load.
    Every batch commits on its own: after a crash, rerun the same command to finish.

    \b
    Example:
        moha-migrate load work/records.jsonl --db sqlite:///work/portal.db --files-from work/crawl/warc
    """
    result = load_records(
        records,
        db_url,
        update=update,
        dry_run=dry_run,
        batch_size=batch_size,
        workers=workers,
        files_from=list(files_from) or None,
        files_dir=files_dir,
        profile=load_profile(profile) if profile else None,
        show_progress=not (as_json or _quiet(ctx)),
    )
    emit_summary(result.summary(), as_json)


@click.command("status")
@db_option
@click.option("--runs", type=click.IntRange(min=0), default=5, show_default=True, help="How many recent runs to list.")
@click.option("--messages", type=click.IntRange(min=0), default=20, show_default=True, help="How many recent messages to list.")
@files_dir_option
@json_option
@handle_errors
def status_command(db_url: str | None, runs: int, messages: int, files_dir: Path | None, as_json: bool) -> None:
    """Show what is loaded, pending (changed, needs --update) and failed, per kind.

    Lists the latest runs and messages (line, field, reason) and checks the file store. Exits 1
    when records failed, wait for --update, or referenced files are missing.

    \b
    Example:
        moha-migrate status --db sqlite:///work/portal.db --messages 50
    """
    report = read_status(db_url, runs=runs, messages=messages, files_dir=files_dir)
    if not as_json:
        for line in report.lines():
            click.echo(line)
    emit_summary(report.summary(), as_json)


@click.command("rollback")
@db_option
@click.option("--run", "run_id", type=int, default=None, help="Roll back this run (see `status`), restoring what it changed.")
@click.option("--last", is_flag=True, help="Roll back the latest run that is not rolled back yet.")
@click.option("--kind", type=click.Choice(KINDS), default=None, help="Only records of this kind.")
@click.option("--ids", default=None, help="Comma-separated source URLs, or destination ids (with --kind).")
@click.option("--all", "everything", is_flag=True, help="Remove everything the loads created.")
@files_dir_option
@json_option
@handle_errors
def rollback_command(
    db_url: str | None,
    run_id: int | None,
    last: bool,
    kind: str | None,
    ids: str | None,
    everything: bool,
    files_dir: Path | None,
    as_json: bool,
) -> None:
    """Remove what a load created: rows, redirects and files nothing references any more.

    Rolling back a run also puts back the records it rewrote with --update, so the database is as
    it was before that run.

    \b
    Example:
        moha-migrate rollback --db sqlite:///work/portal.db --last
    """
    if not (run_id or last or kind or ids or everything):
        raise click.UsageError("say what to roll back: --run N, --last, --kind KIND, --ids ... or --all")
    id_list = [i.strip() for i in (ids or "").split(",") if i.strip()]
    result = rollback(db_url, run_id=run_id, last=last, kind=kind, ids=id_list, everything=everything, files_dir=files_dir)
    emit_summary(result.summary(), as_json)


@click.command("redirects")
@db_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="nginx", show_default=True, help="Output format.")
@click.option(
    "--out",
    default=None,
    help="Output file ('-' for stdout; default redirects/moha-redirects.nginx.conf, redirects/moha-redirects.txt or redirects/redirects.csv).",
)
@json_option
@handle_errors
def redirects_command(db_url: str | None, fmt: str, out: str | None, as_json: bool) -> None:
    """Write the old URL -> new path map (301) for nginx, Apache or as CSV.

    One entry per old URL of every loaded record on both legacy hosts; targets are paths on the
    portal, never another host.

    \b
    Example:
        moha-migrate redirects --db sqlite:///work/portal.db --format nginx --out work/redirects/moha.conf
    """
    target = out or DEFAULT_REDIRECT_FILES[fmt]
    if target == "-":
        with _stdout_pipe():
            result = write_redirects(db_url, fmt, sys.stdout)
        click.echo(result.summary().line(), err=True)  # stdout carries the map itself
        return
    result = write_redirects(db_url, fmt, Path(target))
    emit_summary(result.summary(), as_json)


@click.command("export")
@db_option
@click.option("--out", default="export.jsonl", show_default=True, help="Output JSONL file ('-' for stdout).")
@click.option("--kind", type=click.Choice(KINDS), default=None, help="Only records of this kind.")
@json_option
@handle_errors
def export_command(db_url: str | None, out: str, kind: str | None, as_json: bool) -> None:
    """Write the portal database back out as records.jsonl (the shape `load` reads).

    \b
    Example:
        moha-migrate export --db sqlite:///work/portal.db --out work/export.jsonl
    """
    if out == "-":
        with _stdout_pipe():
            result = export_records(db_url, sys.stdout, kind=kind)
        click.echo(result.summary().line(), err=True)  # stdout carries the records
        return
    result = export_records(db_url, Path(out), kind=kind)
    emit_summary(result.summary(), as_json)

