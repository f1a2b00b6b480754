"""replica/cli.py: `moha-migrate replica serve` and `replica truth` as users and scripts run them."""

from __future__ import annotations

import json
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from moha_migrate.cli import cli
from moha_migrate.jsonl import iter_records

pytestmark = pytest.mark.timeout(120)

MOHA = str(Path(sys.executable).with_name("moha-migrate"))
READY = re.compile(
    r"^serving the moha\.gov\.vn replica on http://127\.0\.0\.1:(\d+) \(use it as an HTTP proxy: "
    r"curl -x http://127\.0\.0\.1:\1 http://moha\.gov\.vn/\)$"
)


def curl(*args: str) -> tuple[int, bytes]:
    """(HTTP status, body) of one curl call, bounded in time."""
    done = subprocess.run(
        ["curl", "-s", "--max-time", "20", "-o", "-", "-w", "\n%{http_code}", *args],
        capture_output=True,
        timeout=30,
        check=True,
    )
    body, _, status = done.stdout.rpartition(b"\n")
    return int(status), body


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path, subprocess.Popen[str]]]:
    log_path = tmp_path_factory.mktemp("cli") / "requests.jsonl"
    process = subprocess.Popen(
        [MOHA, "replica", "serve", "--port", "0", "--seed", "1", "--scale", "test", "--log", str(log_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready, _, _ = select.select([process.stdout], [], [], 60)
        assert ready, "replica serve printed nothing within 60 s"
        line = process.stdout.readline().rstrip("\n")  # type: ignore[union-attr]
        match = READY.match(line)
        assert match, f"unexpected first line: {line!r}"
        yield int(match.group(1)), log_path, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_serve_prints_its_port_and_curl_proxy_and_host_forms_agree(
    served: tuple[int, Path, subprocess.Popen[str]],
) -> None:
    port, _, _ = served
    proxy_status, via_proxy = curl("-x", f"http://127.0.0.1:{port}", "http://moha.gov.vn/")
    host_status, via_host = curl("-H", "Host: moha.gov.vn", f"http://127.0.0.1:{port}/")
    assert proxy_status == host_status == 200
    assert via_proxy == via_host
    assert "Bộ Nội vụ" in via_proxy.decode("utf-8")
    assert curl("-x", f"http://127.0.0.1:{port}", "http://chinhphu.vn/")[0] == 403


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_serve_log_and_clean_stop_with_summary(served: tuple[int, Path, subprocess.Popen[str]]) -> None:
    port, log_path, process = served
    curl("-A", "cli-test-agent", "-x", f"http://127.0.0.1:{port}", "http://www.moha.gov.vn/robots.txt")
    assert curl("-x", f"http://127.0.0.1:{port}", "http://sonoivu.hanoi.gov.vn/")[0] == 403
    entries = [json.loads(line) for line in log_path.read_text(encoding="utf-8").splitlines()]
    robots = [e for e in entries if e["url"] == "http://www.moha.gov.vn/robots.txt"]
    assert robots and robots[-1]["status"] == 200 and robots[-1]["user_agent"] == "cli-test-agent"
    assert robots[-1]["bytes"] > 0 and robots[-1]["method"] == "GET"
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    last = out.strip().splitlines()[-1]
    assert last.startswith("replica serve: ok - stopped serving http://127.0.0.1:")
    requests = int(re.search(r"requests (\d+)", last).group(1))  # type: ignore[union-attr]
    assert requests == len(entries)
    # the server is shared by this module's tests, which may or may not have run on this worker first
    forbidden = sum(1 for e in entries if e["status"] == 403)
    assert forbidden >= 1 and f"forbidden {forbidden}," in last


def test_serve_on_a_busy_port_is_an_error_line_and_exit_3() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        done = subprocess.run(
            [MOHA, "replica", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 3
    assert re.search(rf"^Error: replica: cannot listen on 127\.0\.0\.1:{port}: ", done.stderr, re.MULTILINE)


def test_bad_scale_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["replica", "serve", "--scale", "huge"])
    assert result.exit_code == 2
    assert "'huge' is not one of test, demo, full or a number of articles" in result.output


@pytest.mark.parametrize("verb", ["serve", "truth"])
def test_help_has_an_example(verb: str) -> None:
    result = CliRunner().invoke(cli, ["replica", verb, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and f"moha-migrate replica {verb}" in result.output


def test_truth_writes_valid_records_and_inventory(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["replica", "truth", "--out", str(tmp_path / "t1"), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["command"] == "replica truth" and summary["ok"] is True
    records = list(iter_records(tmp_path / "t1" / "records.jsonl"))  # raises on any invalid line
    assert summary["counts"]["records"] == len(records) > 100
    kinds = {record.kind for record in records}
    assert kinds >= {"article", "document", "page", "media"}
    for kind in kinds:
        assert summary["counts"][kind] == sum(1 for record in records if record.kind == kind)
    assert all(record.provenance is None for record in records)
    inventory = json.loads((tmp_path / "t1" / "inventory.json").read_text(encoding="utf-8"))
    assert {"must_capture", "must_not_capture", "must_not_capture_patterns", "special", "counts"} <= set(
        inventory
    )
    assert summary["counts"]["must_capture"] == len(inventory["must_capture"])
    assert not list(tmp_path.glob("t1/*.partial"))


def test_truth_is_byte_identical_for_a_seed_and_differs_for_another(tmp_path: Path) -> None:
    runner = CliRunner()
    for name, seed in (("a", "1"), ("b", "1"), ("c", "2")):
        result = runner.invoke(cli, ["replica", "truth", "--out", str(tmp_path / name), "--seed", seed])
        assert result.exit_code == 0, result.output
        assert (
            result.output.strip().splitlines()[-1].startswith(f"replica truth: ok - wrote {tmp_path / name}")
        )
    for file in ("records.jsonl", "inventory.json"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()
    assert (tmp_path / "a" / "records.jsonl").read_bytes() != (tmp_path / "c" / "records.jsonl").read_bytes()


def test_truth_into_an_unwritable_place_is_exit_3(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = CliRunner().invoke(cli, ["replica", "truth", "--out", str(blocker / "sub")])
    assert result.exit_code == 3
    assert "Error: replica truth: cannot write" in result.output


def test_unwritable_request_log_is_exit_3(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = CliRunner().invoke(cli, ["replica", "serve", "--log", str(blocker / "requests.jsonl")])
    assert result.exit_code == 3
    assert f"Error: replica: cannot open request log {blocker / 'requests.jsonl'}" in result.output
