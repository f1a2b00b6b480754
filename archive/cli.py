"""The `archive` verbs: index, verify, wacz, get, replay (cli.md).

Each verb reads its arguments, calls one library function of this package and renders the result
with `moha_migrate.console` (one-line summary last, `--json`, exit 0/1/2/3/4). Library imports sit
inside the commands so `--help` stays fast.
"""

from __future__ import annotations

import json
import logging
import sys
import tempfile
import time
from pathlib import Path

import click

from moha_migrate.console import Summary, emit_summary, handle_errors, json_option

log = logging.getLogger(__name__)

_PATHS = click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))


@click.group("archive")
def archive_group() -> None:
    """Index, verify, package, look up and replay WARC captures (warcio, cdxj-indexer, py-wacz, pywb).

    \b
    Example:
        moha-migrate archive verify work/demo/crawl/warc --index work/demo/index.cdxj
    """


@archive_group.command("index")
@_PATHS
@click.option("--out", "out", type=click.Path(path_type=Path), required=True, help="CDXJ file to write.")
@click.option("--no-post", is_flag=True, help="Do not fold POST bodies into the keys (cdxj-indexer without -p).")
@click.option("--dir-root", type=click.Path(path_type=Path), default=None,
              help="Write filenames relative to this folder instead of bare file names.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: one per idle core once the WARCs reach 32 MB).")
@json_option
@handle_errors
def index_cmd(paths: tuple[Path, ...], out: Path, no_post: bool, dir_root: Path | None, jobs: int | None,
              as_json: bool) -> None:
    """Write a sorted CDXJ index of WARC files or folders, with POST requests keyed for replay.

    The index is what pywb and the Webrecorder tools read (SURT keys, url, mime, status, digest,
    length, offset, filename); postback pages are keyed with their form fields as pywb does.

    \b
    Example:
        moha-migrate archive index work/demo/crawl/warc --out work/demo/index.cdxj
    """
    from archive.index import write_index

    result = write_index(paths, out, post_append=not no_post, dir_root=dir_root, jobs=jobs)
    mb = result.bytes_in / 1e6
    summary = Summary(
        command="archive index",
        ok=not result.problems,
        counts={"files": result.files, "lines": result.lines, "mb": round(mb, 2),
                "mb_per_s": round(mb / result.seconds, 1) if result.seconds else 0.0},
        problems=result.problems,
        outputs={"index": str(out)},
    )
    emit_summary(summary, as_json)


@archive_group.command("verify")
@_PATHS
@click.option("--index", "index", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Also check this CDXJ index against the WARCs.")
@click.option("--report", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write every problem as one JSON object per line (file, offset, record_id, kind, what).")
@json_option
@handle_errors
def verify_cmd(paths: tuple[Path, ...], index: Path | None, report: Path | None, as_json: bool) -> None:
    """Check WARC fixity and structure (and an index); exit 1 naming every bad record.

    Checks block and payload digests, that each file parses to its end (no gzip member cut short,
    no garbage tail, not empty, a WARC at all), request/response pairing, warcinfo, revisit
    originals, and with --index that each line points at a real record with the same URL and digest.

    \b
    Example:
        moha-migrate archive verify work/demo/crawl/warc --index work/demo/index.cdxj --report problems.jsonl
    """
    from archive.fixity import verify_warcs

    if index is not None and not index.is_file():
        from moha_migrate.errors import ArchiveError

        raise ArchiveError(f"{index}: no such index file")
    result = verify_warcs(paths, index=index)
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        with report.open("w", encoding="utf-8") as fh:
            for problem in result.problems:
                fh.write(json.dumps(problem.as_dict(), ensure_ascii=False) + "\n")
    kinds: dict[str, int] = {}
    for problem in result.problems:
        kinds[problem.kind] = kinds.get(problem.kind, 0) + 1
    summary = Summary(
        command="archive verify",
        ok=result.ok,
        counts={"files": result.files, "records": result.records, "digests_checked": result.digests_checked,
                "index_lines": result.index_lines, **{f"problems_{k}": v for k, v in sorted(kinds.items())}},
        problems=[p.line() for p in result.problems],
        outputs={"report": str(report)} if report else {},
    )
    emit_summary(summary, as_json)


@archive_group.command("wacz")
@_PATHS
@click.option("--out", "out", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="WACZ file to write.")
@click.option("--title", default=None, help="Title stored in datapackage.json.")
@click.option("--no-validate", is_flag=True, help="Skip `wacz validate` on the package written.")
@json_option
@handle_errors
def wacz_cmd(paths: tuple[Path, ...], out: Path, title: str | None, no_validate: bool, as_json: bool) -> None:
    """Package WARCs with their index, pages.jsonl and datapackage digests into a WACZ.

    Pages are every HTML page captured with status 200 (URL, title, time); the package is checked
    with py-wacz's validator unless --no-validate.

    \b
    Example:
        moha-migrate archive wacz work/demo/crawl/warc --out work/demo/moha.wacz --title "moha.gov.vn 2008-2015"
    """
    from archive.wacz import validate_wacz, write_wacz

    result = write_wacz(paths, out, title=title)
    problems = list(result.unmatched_pages)
    valid = None
    if not no_validate:
        valid, messages = validate_wacz(out)
        if not valid:
            problems.append(f"{out}: wacz validate failed: {messages.strip()[-300:]}")
    counts: dict[str, int | float] = {"warcs": result.warcs, "pages": result.pages,
                                      "mb": round(result.size_bytes / 1e6, 2)}
    if valid is not None:
        counts["valid"] = int(valid)
    emit_summary(Summary(command="archive wacz", ok=not problems, counts=counts, problems=problems,
                         outputs={"wacz": str(out)}), as_json)


@archive_group.command("get")
@click.argument("url")
@click.option("--from", "source", type=click.Path(path_type=Path, exists=True), required=True,
              help="WARC file, WARC folder or work directory.")
@click.option("--index", "index", type=click.Path(path_type=Path, dir_okay=False, exists=True), default=None,
              help="CDXJ index to look up in (default: index.cdxj near --from, else built on the fly).")
@click.option("--at", "at", default=None, help="Closest to this time: YYYYMMDDhhmmss (a prefix is fine) or ISO 8601.")
@click.option("--data", "post_data", default=None,
              help="Form body of a POST capture (as sent, url-encoded), e.g. a postback listing page.")
@click.option("--raw", is_flag=True, help="The WARC record as stored instead of the decoded payload.")
@click.option("--out", "out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Save to this file (default: stdout, with the summary on stderr).")
@json_option
@handle_errors
def get_cmd(url: str, source: Path, index: Path | None, at: str | None, post_data: str | None, raw: bool,
            out: Path | None, as_json: bool) -> None:
    """Print or save the captured payload of a URL (closest capture; revisits resolved).

    The payload comes with transfer and content encodings undone; --raw gives the record as stored.
    A postback page (ASP.NET POST) is found by its form body with --data.

    \b
    Example:
        moha-migrate archive get "http://moha.gov.vn/Uploads/Images/2015/08/a.jpg" --from work/demo --out a.jpg
        moha-migrate archive get http://moha.gov.vn/Default.aspx?tabid=219 --from work/demo \\
            --data "__EVENTTARGET=ctl00%24ContentPane%24ctl01%24pager&__EVENTARGUMENT=Page%242&..."
    """
    from archive.lookup import CaptureFinder, find_index_near, parse_at
    from archive.reader import iter_warc_paths

    moment = parse_at(at) if at else None
    warcs = iter_warc_paths([source])
    with CaptureFinder(warcs, index or find_index_near(source, warcs)) as finder:
        capture = finder.closest(url, moment, post_data.encode("utf-8") if post_data is not None else None)
        if raw:
            data = finder.raw(capture)
            status, kind = capture.line.status, "record"
        else:
            resp = finder.payload(capture)
            data = resp.body or b""
            status, kind = str(resp.status), "payload"
    counts: dict[str, int | float] = {"bytes": len(data), "status": int(status) if status.isdigit() else 0}
    outputs = {"url": capture.line.url, "timestamp": capture.line.timestamp,
               "warc": f"{capture.path.name}@{capture.line.offset}", "kind": kind}
    if capture.original is not None:
        outputs["revisit_of"] = f"{capture.original[1].name}@{capture.original[0].offset}"
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        outputs["out"] = str(out)
        emit_summary(Summary(command="archive get", counts=counts, outputs=outputs,
                             message=f"{capture.line.url} at {capture.line.timestamp}"), as_json)
        return
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    summary = Summary(command="archive get", counts=counts, outputs=outputs,
                      message=f"{capture.line.url} at {capture.line.timestamp}")
    click.echo(json.dumps(summary.as_dict(), ensure_ascii=False) if as_json else summary.line(), err=True)


@archive_group.command("replay")
@_PATHS
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True,
              help="Port on 127.0.0.1 (0 = a free one).")
@click.option("--coll", default="moha", show_default=True, help="pywb collection name.")
@click.option("--index", "index", type=click.Path(path_type=Path, dir_okay=False, exists=True), default=None,
              help="Use this CDXJ index instead of indexing the WARCs.")
@click.option("--workdir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Where to lay out the pywb collection (default: a temporary folder).")
@click.option("--seconds", type=click.FloatRange(min=0), default=None,
              help="Stop after this long (default: until Ctrl-C).")
@json_option
@handle_errors
def replay_cmd(paths: tuple[Path, ...], port: int, coll: str, index: Path | None, workdir: Path | None,
               seconds: float | None, as_json: bool) -> None:
    """Replay the capture in a browser: pywb on 127.0.0.1, printing the URL to open.

    \b
    Example:
        moha-migrate archive replay work/demo/crawl/warc --port 8080
        # then open http://127.0.0.1:8080/moha/http://moha.gov.vn/
    """
    from archive.replay import ReplayServer, build_collection

    with tempfile.TemporaryDirectory(prefix="moha-replay-") as tmp:
        root = workdir or Path(tmp)
        collection = build_collection(paths, root, name=coll, index=index)
        started = time.monotonic()
        with ReplayServer(collection, port=port) as server:
            click.echo(f"replaying {collection.warcs} WARC file(s) at {server.base_url}"
                       f"  (e.g. {server.replay_url('http://moha.gov.vn/')}); Ctrl-C to stop", err=True)
            if not as_json:
                click.echo(server.base_url)
            sys.stdout.flush()
            try:
                while server.running() and (seconds is None or time.monotonic() - started < seconds):
                    time.sleep(0.2)
            except KeyboardInterrupt:
                log.info("stopping pywb")
            crashed = not server.running()
        summary = Summary(
            command="archive replay", ok=not crashed,
            counts={"warcs": collection.warcs, "index_lines": collection.index_lines, "port": server.port,
                    "seconds": round(time.monotonic() - started, 1)},
            problems=[f"pywb stopped by itself; see {server.log_path}"] if crashed else [],
            outputs={"url": server.base_url},
        )
        emit_summary(summary, as_json)
