"""`moha-migrate verify`: reconcile capture, records and database, and write the report."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from moha_migrate.console import Summary, emit_summary, handle_errors, json_option
from verify.model import Verification
from verify.reconcile import DEFAULT_MIN_SIMILARITY, VerifyInputs, verify_migration
from verify.report import write_report

log = logging.getLogger(__name__)


def summarise(verification: Verification, html_path: Path, json_path: Path) -> Summary:
    """The one-line verdict of a verification: counts per check, the failing checks as problems."""
    counts: dict[str, int | float] = {f"{kind}_loaded": steps["loaded"] for kind, steps in sorted(verification.funnel.items())}
    counts["checks"] = len(verification.checks)
    counts["checks_failed"] = sum(not c.ok for c in verification.checks)
    problems = [
        f"{c.title}: {c.failed} of {c.total} failed" + (f" (first: {c.failures[0]})" if c.failures else "")
        for c in verification.checks
        if not c.ok
    ]
    return Summary(
        command="verify",
        ok=verification.ok,
        counts=counts,
        problems=problems,
        outputs={"report": str(html_path), "json": str(json_path)},
        message=("every check green" if verification.ok else "gaps found") + f"; report: {html_path}",
    )


@click.command("verify")
@click.option("--warc", "warcs", multiple=True, type=click.Path(path_type=Path),
              help="WARC file or directory of the capture (repeatable). Without it, capture checks are skipped.")
@click.option("--index", type=click.Path(path_type=Path), help="CDXJ index of the capture (counts shown in the report).")
@click.option("--records", type=click.Path(path_type=Path), default=Path("records.jsonl"), show_default=True,
              help="records.jsonl written by transform.")
@click.option("--errors", type=click.Path(path_type=Path),
              help="errors.jsonl written by transform [default: errors.jsonl next to --records].")
@click.option("--db", "db_url", help="Portal database URL [default: sqlite:///portal.db].")
@click.option("--files-dir", type=click.Path(path_type=Path), help="The loaders' file store [default: files/ next to the SQLite file].")
@click.option("--report", "report", type=click.Path(path_type=Path), default=Path("report.html"), show_default=True,
              help="Where to write the HTML report (report.json is written beside it).")
@click.option("--replay-url", help="Base URL of a running `archive replay` (e.g. http://127.0.0.1:8080/moha), for links to captured pages.")
@click.option("--min-similarity", type=click.FloatRange(0, 1), default=DEFAULT_MIN_SIMILARITY, show_default=True,
              help="Lowest share of a row's words that must be on its captured page.")
@json_option
@handle_errors
def verify(warcs: tuple[Path, ...], index: Path | None, records: Path, errors: Path | None, db_url: str | None,
           files_dir: Path | None, report: Path, replay_url: str | None, min_similarity: float, as_json: bool) -> None:
    """Reconcile capture, records and database; write report.html and report.json.

    Portal admins decide from this report whether the old site can be switched off: per kind, the
    items at each step and every item lost between steps with its reason; per item, the row equals
    its record, files equal the captured bytes, every old URL redirects to a row, and the text
    matches the captured page. Exit 1 if any check is red.

    \b
    Example:
        moha-migrate verify --warc work/crawl/warc --index work/index.cdxj \\
            --records work/records.jsonl --db sqlite:///work/portal.db --report work/report.html
    """
    inputs = VerifyInputs(
        records=records,
        db_url=db_url,
        warcs=warcs,
        index=index,
        errors=errors or records.with_name("errors.jsonl"),
        files_dir=files_dir,
        replay_url=replay_url.rstrip("/") if replay_url else None,
        min_similarity=min_similarity,
    )
    verification = verify_migration(inputs, progress=lambda msg: log.info("verify: %s", msg))
    html_path, json_path = write_report(verification, report)
    emit_summary(summarise(verification, html_path, json_path), as_json)
