"""The `replica` verbs: `replica serve` (the legacy site on 127.0.0.1) and `replica truth` (its ground truth).

The site is generated on demand from a seed and a scale, so even `--scale full` starts in seconds;
`serve` prints its address at once (flushed, for scripts waiting on it) and serves until Ctrl-C or
SIGTERM, then prints a one-line summary of what it served.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import click

from moha_migrate.console import Summary, emit_summary, handle_errors, json_option, progress
from moha_migrate.errors import ConfigError
from moha_migrate.jsonl import write_records
from moha_migrate.records import Record

log = logging.getLogger(__name__)

SCALES = ("test", "demo", "full")


class ScaleType(click.ParamType):
    """`test`, `demo`, `full`, or a positive number of articles."""

    name = "test|demo|full|N"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str | int:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif str(value).strip().lower() in SCALES:
            return str(value).strip().lower()
        elif str(value).strip().isdigit():
            number = int(str(value).strip())
        else:
            self.fail(f"{value!r} is not one of test, demo, full or a number of articles", param, ctx)
        if number < 1:
            self.fail(f"{value!r}: a numeric scale must be at least 1", param, ctx)
        return number


def site_options(func: Any) -> Any:
    """--seed, --scale, --skin, --revision: what determines every byte of the replica."""
    func = click.option(
        "--revision",
        type=click.IntRange(min=0),
        default=0,
        show_default=True,
        help="Site revision: > 0 changes a few articles and media (incremental recrawl tests).",
    )(func)
    func = click.option(
        "--skin",
        type=click.Choice(["classic", "tables"]),
        default="classic",
        show_default=True,
        help="Markup skin: the classic layout or the layout-table one.",
    )(func)
    func = click.option(
        "--scale",
        type=ScaleType(),
        default="test",
        show_default=True,
        help="test (a few hundred pages), demo (a few thousand), full (16,000 articles) or N.",
    )(func)
    func = click.option(
        "--seed",
        type=int,
        default=1,
        show_default=True,
        help="Seed: the same seed gives byte-identical pages and truth.",
    )(func)
    return func


def build_site(seed: int, scale: str | int, skin: str, revision: int) -> Any:
    """The replica `Site` for these knobs (imported here so `--help` stays fast)."""
    from replica.site import Site

    try:
        return Site(seed=seed, scale=scale, skin=skin, revision=revision)
    except ValueError as exc:
        raise ConfigError(
            f"replica: cannot build the site (seed {seed}, scale {scale}, skin {skin}): {exc}"
        ) from exc


@click.group("replica")
def replica_group() -> None:
    """The replica of the legacy moha.gov.vn site: serve it, or write its ground truth.

    \b
    Example:
        moha-migrate replica serve --port 8080 --scale full
        moha-migrate replica truth --out work/truth
    """


@replica_group.command("serve")
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (keep it on loopback)."
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="Port to listen on; 0 picks a free one (printed).",
)
@site_options
@click.option(
    "--log",
    "log_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write one JSON line per request (time, method, url, status, bytes, user_agent, ms, conn).",
)
@handle_errors
def serve_command(
    host: str, port: int, seed: int, scale: str | int, skin: str, revision: int, log_path: Path | None
) -> None:
    """Serve the replica on 127.0.0.1 as an HTTP proxy and as an origin server.

    Use it as the crawler's proxy so WARCs hold the true URLs (http://moha.gov.vn/...); requests
    for any other host get 403 and are counted. Runs until Ctrl-C or SIGTERM.

    \b
    Example:
        moha-migrate replica serve --port 0 --seed 1 --scale test --log requests.jsonl
        curl -x http://127.0.0.1:PORT http://moha.gov.vn/
        curl -H 'Host: moha.gov.vn' http://127.0.0.1:PORT/
    """
    from replica.server import ReplicaServer

    if host not in ("127.0.0.1", "localhost", "::1"):
        log.warning(
            "replica: listening on %s, not loopback: anyone who can reach it can use it as a proxy", host
        )
    site = build_site(seed, scale, skin, revision)
    server = ReplicaServer(site, host=host, port=port, log_path=log_path)
    click.echo(
        f"serving the moha.gov.vn replica on {server.proxy_url} "
        f"(use it as an HTTP proxy: curl -x {server.proxy_url} http://moha.gov.vn/)"
    )
    sys.stdout.flush()
    server.serve_forever()
    counts: dict[str, int | float] = {"requests": server.request_count, "forbidden": server.forbidden_count}
    counts.update({f"status_{code}": n for code, n in sorted(server.status_counts.items())})
    counts["site_s"] = round(server.site_seconds, 2)  # time spent generating pages
    emit_summary(
        Summary("replica serve", counts=counts, message=f"stopped serving {server.proxy_url}"), False
    )


@replica_group.command("truth")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Directory for records.jsonl and inventory.json (created if missing).",
)
@site_options
@json_option
@handle_errors
def truth_command(
    out_dir: Path, seed: int, scale: str | int, skin: str, revision: int, as_json: bool
) -> None:
    """Write the replica's ground truth: the exact expected records and the crawl inventory.

    records.jsonl holds every article, document, page and media record (provenance left out);
    inventory.json lists what a complete, polite crawl must and must not capture, the expected
    status of special URLs, and counts per kind. Score a migration against these.

    \b
    Example:
        moha-migrate replica truth --out work/truth --seed 1 --scale test
        moha-migrate replica truth --out work/truth-full --scale full --json
    """
    site = build_site(seed, scale, skin, revision)
    summary = write_truth(site, out_dir, show_progress=not as_json)
    emit_summary(summary, as_json)


def write_truth(site: Any, out_dir: Path, *, show_progress: bool = False) -> Summary:
    """Write `records.jsonl` and `inventory.json` of `site` into `out_dir`; return the summary.

    Each file is written under a temporary name and renamed when complete, so an interrupted run
    never leaves a truth that looks whole. Raises ConfigError when `out_dir` cannot be written.
    """
    records_path, inventory_path = out_dir / "records.jsonl", out_dir / "inventory.json"
    kinds: Counter[str] = Counter()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with progress("truth records", enabled=show_progress) as bar:
            written = _write_atomically(
                records_path, lambda fh: write_records(_counted(site.truth_records(), kinds, bar.advance), fh)
            )
        inventory = site.inventory()
        _write_atomically(
            inventory_path,
            lambda fh: fh.write(json.dumps(inventory, ensure_ascii=False, indent=1, sort_keys=True) + "\n"),
        )
    except OSError as exc:
        raise ConfigError(f"replica truth: cannot write {exc.filename or out_dir}: {exc.strerror}") from exc
    counts: dict[str, int | float] = {"records": written}
    counts.update({kind: kinds[kind] for kind in sorted(kinds)})
    counts["must_capture"] = len(inventory.get("must_capture", ()))
    counts["must_not_capture"] = len(inventory.get("must_not_capture", ()))
    log.info("truth of %d records written to %s", written, out_dir)
    return Summary(
        "replica truth",
        counts=counts,
        outputs={"records": str(records_path), "inventory": str(inventory_path)},
        message=f"wrote {out_dir}",
    )


def _counted(records: Iterable[Record], kinds: Counter[str], advance: Any) -> Iterator[Record]:
    for record in records:
        kinds[getattr(record, "kind", type(record).__name__.lower())] += 1
        advance()
        yield record


def _write_atomically(path: Path, write: Any) -> Any:
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding="utf-8", newline="\n") as fh:
        result = write(fh)
    os.replace(partial, path)
    return result


if __name__ == "__main__":
    # `python -m replica.cli serve ...`: the replica alone, without importing the other stages
    # (the bench uses it so a half-edited stage elsewhere cannot stop it).
    from moha_migrate.console import setup_logging

    setup_logging(0, "-q" in sys.argv)
    replica_group(args=[arg for arg in sys.argv[1:] if arg != "-q"], prog_name="python -m replica.cli")
