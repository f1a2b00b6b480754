"""The `moha-migrate` command: one click group, each stage adding its own verbs (cli.md).

Only this module imports the stage packages; each stage keeps its commands in its own `cli.py`.
A verb's stage is imported only when that verb runs (or help lists it): importing every stage
(Scrapy, Alembic, pywb's helpers, ...) costs about two seconds, which every command would pay.
"""

from __future__ import annotations

import importlib

import click

from moha_migrate import __version__
from moha_migrate.console import setup_logging

VERBS: dict[str, str] = {
    "replica": "replica.cli:replica_group",
    "crawl": "crawler.cli:crawl_cmd",
    "archive": "archive.cli:archive_group",
    "transform": "transform.cli:transform_command",
    "load": "loaders.cli:load_command",
    "status": "loaders.cli:status_command",
    "rollback": "loaders.cli:rollback_command",
    "redirects": "loaders.cli:redirects_command",
    "export": "loaders.cli:export_command",
    "verify": "verify.cli:verify",
    "run": "runner.cli:run_command",
}
"""Every verb and where its click command lives; a stage appears here only once its verbs work."""


class LazyGroup(click.Group):
    """A click group whose verbs are imported on first use (click's documented lazy-loading pattern)."""

    def __init__(self, *args, lazy: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            module, _, attr = self.lazy[cmd_name].partition(":")
            command = getattr(importlib.import_module(module), attr)
            if command.name != cmd_name:
                raise RuntimeError(f"moha-migrate: {self.lazy[cmd_name]} is named {command.name!r}, not {cmd_name!r}")
            self.add_command(command)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, lazy=VERBS,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="moha-migrate")


if __name__ == "__main__":
    main()
