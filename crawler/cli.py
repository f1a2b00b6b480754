"""The `crawl` verb (cli.md): capture the legacy site into WARC files.

It reads its arguments into `CrawlOptions`, calls `crawler.run.crawl_site` and renders the result
with `moha_migrate.console`: a progress bar on a terminal (log lines otherwise), then one summary
line (pages, bytes, errors, revisits, duration) or `--json`. Exit 0 when the crawl finished — 404s
and soft 404s are facts about the site, logged and counted, not failures — and 1 when URLs could not
be fetched even after retries (they are listed).
"""

from __future__ import annotations

import logging
from pathlib import Path

import click

from crawler.settings import DEFAULT_START_URLS
from moha_migrate.console import Summary, emit_summary, handle_errors, is_interactive, json_option, progress


def _size(text: str) -> int:
    units = {"K": 1024, "M": 1024**2, "G": 1024**3}
    text = text.strip().upper().rstrip("B")
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


@click.command("crawl")
@click.argument("start_urls", nargs=-1)
@click.option("--out", "out", type=click.Path(path_type=Path), required=True,
              help="Crawl directory: warc/*.warc.gz, crawl.log, state/.")
@click.option("--proxy", default=None, help="Send every request through this HTTP proxy (e.g. the replica).")
@click.option("--profile", type=click.Path(path_type=Path, exists=True, dir_okay=False), default=None,
              help="Site profile TOML replacing the built-in moha.gov.vn profile.")
@click.option("--max-pages", type=click.IntRange(min=1), default=None, help="Stop after this many fetches.")
@click.option("--concurrency", type=click.IntRange(min=1, max=256), default=None,
              help="Parallel requests to the site (default: the profile's concurrency_per_host).")
@click.option("--ignore-crawl-delay", is_flag=True,
              help="Tests and benchmarks only: do not wait robots.txt's Crawl-delay (Disallow still obeyed).")
@click.option("--resume", is_flag=True, help="Continue the crawl in --out after a crash or kill.")
@click.option("--redis", "redis_url", default=None, help="Share the frontier in Redis (redis://127.0.0.1:6379/0).")
@click.option("--crawl-id", default=None, help="Redis key prefix of this crawl (default: the --out folder name).")
@click.option("--workers", type=click.IntRange(min=1, max=32), default=1,
              help="Worker processes on this machine (needs --redis).")
@click.option("--previous", type=click.Path(path_type=Path, file_okay=False, exists=True), default=None,
              help="An earlier crawl directory: conditional requests, revisits for unchanged URLs.")
@click.option("--warc-size", default="1G", show_default=True, help="Rotate WARC files at this size.")
@click.option("--warc-prefix", default="MOHA", show_default=True, help="WARC file name prefix.")
@click.option("--max-response", default="256M", show_default=True,
              help="Largest body to capture; longer ones are cut (WARC-Truncated: length).")
@click.option("--timeout", "timeout_s", type=float, default=30.0, show_default=True, help="Per-request timeout (s).")
@click.option("--retries", type=click.IntRange(min=0, max=10), default=3, show_default=True,
              help="Retries of 5xx answers and network errors, with exponential backoff.")
@json_option
@click.pass_context
@handle_errors
def crawl_cmd(ctx: click.Context, start_urls: tuple[str, ...], out: Path, proxy: str | None,
              profile: Path | None, max_pages: int | None, concurrency: int | None, ignore_crawl_delay: bool,
              resume: bool, redis_url: str | None, crawl_id: str | None, workers: int, previous: Path | None,
              warc_size: str, warc_prefix: str, max_response: str, timeout_s: float, retries: int,
              as_json: bool) -> None:
    """Capture the site into archival WARC files (WARC/1.1, raw HTTP bytes, dedup, resumable).

    Use it first in a migration: everything later reads the WARCs it writes. robots.txt and its
    Crawl-delay are obeyed; links outside the profile's scope or caught in traps are logged in
    crawl.log, never fetched.

    \b
    Example:
        moha-migrate replica serve --port 8080 &
        moha-migrate crawl --proxy http://127.0.0.1:8080 --out work/crawl --ignore-crawl-delay
    """
    from crawler.run import crawl_site
    from crawler.settings import CrawlOptions
    from moha_migrate.errors import ConfigError

    try:
        sizes = (_size(warc_size), _size(max_response))
    except ValueError as exc:
        raise ConfigError(f"--warc-size/--max-response: not a size ({exc})") from exc
    quiet = bool((ctx.find_root().obj or {}).get("quiet"))
    # The workers log to the same stderr: on a terminal only their warnings, so the bar stays readable.
    level = logging.getLogger().getEffectiveLevel()
    worker_level = "DEBUG" if level <= logging.DEBUG else "WARNING" if quiet or is_interactive() else "INFO"
    opts = CrawlOptions(
        out=out, start_urls=start_urls or DEFAULT_START_URLS, proxy=proxy, profile=profile,
        max_pages=max_pages, concurrency=concurrency, ignore_crawl_delay=ignore_crawl_delay, resume=resume,
        redis_url=redis_url, crawl_id=crawl_id, workers=workers, previous=previous, warc_prefix=warc_prefix,
        warc_max_size=sizes[0], max_response_bytes=sizes[1], timeout_s=timeout_s, retries=retries,
        log_level=worker_level,
    )
    with progress("crawl", total=max_pages, enabled=not (as_json or quiet)) as bar:
        result = crawl_site(opts, progress=bar)
    summary = Summary(
        command="crawl",
        ok=result.ok,
        counts={"pages": result.pages, "bytes": result.bytes, "errors": result.errors,
                "revisits": result.revisits, "responses": result.responses, "retried": result.retried,
                "skipped": result.skipped, "not_found": result.not_found, "soft_404": result.soft_404,
                "truncated": result.truncated, "duration_s": result.duration_s},
        problems=[f"not captured after {retries} retries: {url}" for url in result.failed_urls],
        outputs={"warc_dir": str(out / "warc"), "crawl_log": str(out / "crawl.log"),
                 "warc_files": str(len(result.warc_files))},
        message=f"{result.pages} pages, {result.bytes / 1e6:.1f} MB, {result.errors} errors, "
                f"{result.revisits} revisits in {result.duration_s:.1f} s",
    )
    emit_summary(summary, as_json)
