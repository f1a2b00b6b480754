"""`moha-migrate transform`: captured pages (WARC files) -> records.jsonl + errors.jsonl."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from moha_migrate.console import emit_summary, handle_errors, json_option, progress
from moha_migrate.profile import load_profile

log = logging.getLogger(__name__)


@click.command("transform")
@click.argument("warcs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=Path("records.jsonl"), show_default=True,
              help="Records file to write (JSON Lines, records.md).")
@click.option("--errors", "errors", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Error lines file (one per failed page); default: errors.jsonl next to --out.")
@click.option("--profile", "profile_path", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="Site profile TOML (default: the built-in moha.gov.vn profile).")
@click.option("--no-fallback", is_flag=True, help="Skip pages matching no known template instead of extracting them generically.")
@click.option("--max-page-mb", type=click.FloatRange(min=0.1), default=8.0, show_default=True,
              help="Refuse (as an error line) HTML pages larger than this.")
@json_option
@click.pass_context
@handle_errors
def transform_command(
    ctx: click.Context, warcs: tuple[Path, ...], out: Path, errors: Path | None, profile_path: Path | None,
    no_fallback: bool, max_page_mb: float, as_json: bool,
) -> None:
    """Turn captured pages into clean records (articles, documents, pages, media).

    Reads WARC files or directories of them (never the network), repairs legacy Vietnamese
    encodings, extracts and merges every item with all its old URLs, and writes records.jsonl
    and errors.jsonl. Exit 1 when any page failed (see the errors file); the rest is written.

    \b
    Example:
        moha-migrate transform work/crawl/warc --out work/records.jsonl --errors work/errors.jsonl
    """
    from transform.pipeline import TransformOptions, transform_warcs

    options = TransformOptions(
        profile=load_profile(profile_path),
        max_page_bytes=int(max_page_mb * 1024 * 1024),
        fallback=not no_fallback,
    )
    errors_path = errors if errors is not None else out.with_name("errors.jsonl")
    quiet = bool((ctx.find_root().obj or {}).get("quiet"))
    with progress("transform", enabled=not (as_json or quiet)) as bar:
        result = transform_warcs(list(warcs), out, errors_path, options=options, on_response=lambda _r: bar.advance())
    emit_summary(result.summary(), as_json)
