"""The loaders' verbs through the real CLI: --json summaries, exit codes 0/1/2/3, default SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from moha_migrate.cli import cli


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_load_status_redirects_export_rollback_round_trip(corpus_file: Path, corpus: list, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("load", str(corpus_file), "--json")
    assert code == 0
    summary = json.loads(out)
    assert summary["command"] == "load" and summary["ok"] is True
    assert summary["counts"]["inserted"] == len(corpus)
    assert (tmp_path / "portal.db").is_file(), "without --db the portal is portal.db in the current directory"

    code, out, _ = run("load", str(corpus_file), "--json", "--workers", "1", "--batch-size", "5")
    assert code == 0 and json.loads(out)["counts"]["unchanged"] == len(corpus)

    code, out, _ = run("status", "--json")
    status = json.loads(out)
    assert code == 0 and status["counts"]["imported"] == len(corpus) and status["counts"]["failed"] == 0

    code, out, _ = run("status")
    assert code == 0 and out.splitlines()[-1].startswith("status: ok") and "article" in out

    code, out, _ = run("redirects", "--format", "csv", "--json")
    assert code == 0 and json.loads(out)["outputs"]["csv"] == "redirects/redirects.csv"
    assert (tmp_path / "redirects" / "redirects.csv").read_text("utf-8").startswith("old_url,new_path")

    code, out, _ = run("export", "--out", "back.jsonl")
    assert code == 0 and out.strip().splitlines()[-1].startswith("export: ok")
    assert (tmp_path / "back.jsonl").read_text("utf-8") == corpus_file.read_text("utf-8")

    code, out, _ = run("rollback", "--run", "1", "--json")
    assert code == 0 and json.loads(out)["counts"]["removed"] == len(corpus)


def test_load_with_worker_processes(corpus_file: Path, corpus: list, tmp_path: Path) -> None:
    code, out, _ = run("load", str(corpus_file), "--db", f"sqlite:///{tmp_path / 'p.db'}", "--workers", "2", "--batch-size", "3", "--json")
    assert code == 0 and json.loads(out)["counts"]["inserted"] == len(corpus)
    code, _, err = run("load", str(corpus_file), "--workers", "-1")
    assert code == 2 and "--workers" in err


def test_bad_lines_exit_1_with_the_line_and_field(tmp_path: Path, corpus_file: Path) -> None:
    lines = corpus_file.read_text("utf-8").splitlines()
    bad = json.loads(lines[0])
    bad["published_at"] = "2015-02-30T07:25:00+07:00"
    lines[0] = json.dumps(bad, ensure_ascii=False)
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    code, out, err = run("load", str(path), "--db", f"sqlite:///{tmp_path / 'p.db'}")
    assert code == 1
    assert "problem: line 1, field 'published_at'" in err
    assert out.splitlines()[-1].startswith("load: 1 problem(s)")
    code, out, _ = run("status", "--db", f"sqlite:///{tmp_path / 'p.db'}", "--json")
    assert code == 1 and json.loads(out)["counts"]["failed"] == 1


def test_unreachable_database_exits_3_with_one_error_line(corpus_file: Path) -> None:
    code, out, err = run("load", str(corpus_file), "--db", "postgresql+psycopg://postgres:pw@127.0.0.1:1/test")
    assert code == 3
    assert err.strip().splitlines()[-1].startswith("Error: cannot reach postgresql+psycopg://postgres:***@127.0.0.1:1/test")
    assert "pw@" not in err


def test_rollback_without_a_selection_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = run("rollback", "--db", f"sqlite:///{tmp_path / 'p.db'}")
    assert code == 2 and "--run N" in err


def test_status_of_an_empty_directory_creates_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("status")
    assert code == 0 and "no portal schema yet" in out
    assert not (tmp_path / "portal.db").exists()


def test_dry_run_json(corpus_file: Path, tmp_path: Path) -> None:
    code, out, _ = run("load", str(corpus_file), "--db", f"sqlite:///{tmp_path / 'p.db'}", "--dry-run", "--json")
    summary = json.loads(out)
    assert code == 0 and summary["message"].startswith("dry run, nothing written")
    assert not (tmp_path / "p.db").exists()
