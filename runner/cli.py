"""`moha-migrate run`: the main job, from the legacy site (or its replica) to a verified portal."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from moha_migrate.console import emit_summary, handle_errors, json_option, progress
from runner.run import STAGES, RunOptions, run_migration

log = logging.getLogger(__name__)


@click.command("run")
@click.option("--workdir", type=click.Path(path_type=Path), default=Path("work"), show_default=True,
              help="Work directory (crawl/, index.cdxj, records.jsonl, portal.db, redirects/, report.html).")
@click.option("--db", "db_url", help="Portal database URL [default: SQLite WORKDIR/portal.db]; "
              "e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test or mysql+pymysql://root@127.0.0.1:3306/test.")
@click.option("--proxy", help="Crawl through this HTTP proxy (e.g. a replica you started) instead of a replica started here.")
@click.option("--start-url", "start_urls", multiple=True, help="Start URL of the crawl (repeatable) [default: http://moha.gov.vn/].")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the replica started here.")
@click.option("--scale", default="demo", show_default=True, help="Scale of the replica started here: test, demo, full or a number of articles.")
@click.option("--profile", type=click.Path(path_type=Path, exists=True, dir_okay=False), help="Site profile TOML.")
@click.option("--concurrency", type=int, help="Concurrent requests of the crawl.")
@click.option("--ignore-crawl-delay", is_flag=True, help="Ignore robots.txt Crawl-delay (still obeys its rules); for the replica, tests and benchmarks.")
@click.option("--max-pages", type=int, help="Stop the crawl after this many pages.")
@json_option
@handle_errors
@click.pass_context
def run_command(ctx: click.Context, workdir: Path, db_url: str | None, proxy: str | None, start_urls: tuple[str, ...],
                seed: int, scale: str, profile: Path | None, concurrency: int | None, ignore_crawl_delay: bool,
                max_pages: int | None, as_json: bool) -> None:
    """Run the whole migration: crawl, index, transform, load, redirects, verify.

    Without --proxy or --start-url it starts the replica of the legacy site on 127.0.0.1 and
    migrates that. Rerunning continues where an interrupted run stopped (Ctrl-C or kill -9 are
    safe) and changes nothing once everything is done. Exit 1 when the report has a red check.

    \b
    Example:
        moha-migrate run --workdir work/demo --scale demo --ignore-crawl-delay
        open work/demo/report.html
    """
    opts = RunOptions(workdir=workdir, db_url=db_url, proxy=proxy, start_urls=start_urls, seed=seed, scale=scale,
                      profile=profile, concurrency=concurrency, ignore_crawl_delay=ignore_crawl_delay,
                      max_pages=max_pages)
    quiet = bool(ctx.obj and ctx.obj.get("quiet")) or as_json
    with progress("migration", total=len(STAGES), enabled=not quiet) as bar:
        # A stage starting means the one before it finished.
        result = run_migration(opts, on_stage=lambda name: bar.advance(0 if name == STAGES[0] else 1, status=name))
        bar.advance(len(STAGES) - bar.done, status="done")  # the last stage finished with the run
    emit_summary(result.summary(), as_json)
