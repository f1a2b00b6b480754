"""The `moha-migrate` command: one click group, each stage adding its own verbs (cli.md).

Only this module imports the stage packages; each stage keeps its commands in its own `cli.py`.
"""

from __future__ import annotations

import click

from moha_migrate import __version__
from moha_migrate.console import setup_logging


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="moha-migrate")
@click.option("-v", "--verbose", count=True, help="More log detail on stderr (DEBUG).")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors on stderr; no progress.")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """Move the legacy moha.gov.vn site into the new portal without losing anything.

    The pipeline: crawl -> archive -> transform -> load -> verify, or all of it with `run`.
    Exit codes: 0 ok, 1 finished with problems, 2 bad usage, 3 could not run, 4 bug.

    \b
    Example:
        moha-migrate replica serve --port 0
    """
    ctx.ensure_object(dict)
    ctx.obj["quiet"] = quiet
    setup_logging(verbose, quiet)


def _register() -> None:
    """Add every stage's verbs; a stage appears here only once its verbs work."""
    from replica.cli import replica_group

    cli.add_command(replica_group)
    from archive.cli import archive_group

    cli.add_command(archive_group)
    from loaders.cli import COMMANDS as loader_commands

    for command in loader_commands:
        cli.add_command(command)
    from crawler.cli import crawl_cmd

    cli.add_command(crawl_cmd)
    from transform.cli import transform_command

    cli.add_command(transform_command)
    from verify.cli import verify

    cli.add_command(verify)
    from runner.cli import run_command

    cli.add_command(run_command)


_register()


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="moha-migrate")


if __name__ == "__main__":
    main()
