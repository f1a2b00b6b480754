"""The CLI contract of cli.md, checked on every registered verb: help with an example, documented
in the README, exit codes 0/1/3/4 and the `--json` summary from moha_migrate.console."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from moha_migrate.cli import cli
from moha_migrate.console import Summary, emit_summary, handle_errors, json_option
from moha_migrate.errors import LoadError

README = Path(__file__).resolve().parents[2] / "README.md"


def iter_commands(group: click.Group, prefix: str = ""):
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        path = f"{prefix}{name}"
        if isinstance(command, click.Group):
            yield from iter_commands(command, path + " ")
        else:
            yield path, command


ALL_COMMANDS = list(iter_commands(cli))


@pytest.mark.parametrize(("path", "command"), ALL_COMMANDS, ids=[p for p, _ in ALL_COMMANDS])
def test_every_verb_has_help_with_an_example_and_is_in_the_readme(path: str, command: click.Command) -> None:
    result = CliRunner().invoke(cli, [*path.split(), "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, f"`moha-migrate {path} --help` has no Example block"
    assert f"moha-migrate {path}" in README.read_text("utf-8"), f"`moha-migrate {path}` missing from README"


def test_root_help_and_version() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0 and "Exit codes" in result.output
    assert CliRunner().invoke(cli, ["--version"]).output.startswith("moha-migrate, version")
    assert CliRunner().invoke(cli, ["no-such-verb"]).exit_code == 2


@click.command()
@click.argument("mode")
@json_option
@handle_errors
def fake(mode: str, as_json: bool) -> None:
    """A verb that fails in the ways the contract names."""
    if mode == "cannot-run":
        raise LoadError("cannot reach postgresql+psycopg://postgres@127.0.0.1:1/test: connection refused")
    if mode == "bug":
        raise ZeroDivisionError("oops")
    emit_summary(Summary("fake", ok=mode == "ok", counts={"items": 3}, problems=[] if mode == "ok" else ["item 2 bad"]), as_json)


@pytest.mark.parametrize(("mode", "code"), [("ok", 0), ("problems", 1), ("cannot-run", 3), ("bug", 4)])
def test_exit_codes(mode: str, code: int) -> None:
    result = CliRunner().invoke(fake, [mode])
    assert result.exit_code == code, result.output
    if code == 3:
        assert result.stderr.strip().splitlines()[-1].startswith("Error: cannot reach postgresql")
    if code == 4:
        assert "Traceback" in result.stderr and "ZeroDivisionError" in result.stderr
    if code in (0, 1):
        assert result.stdout.strip().splitlines()[-1].startswith("fake: ")


def test_json_summary_is_one_object_with_stable_keys() -> None:
    result = CliRunner().invoke(fake, ["problems", "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert set(data) == {"command", "ok", "counts", "problems", "outputs", "message"}
    assert data["ok"] is False and data["problems"] == ["item 2 bad"] and data["counts"] == {"items": 3}
