"""Benchmark `archive index` against the `cdxj-indexer` command on the same WARC files, in one run.

The WARCs are a capture of the replica (3000 articles by default, ~70 MB) (every URL a complete crawl must capture,
plus the page-2 POST postback of each postback listing), written with warcio as a proxy crawl would
record them: request then response (WARC-Concurrent-To), gzip and chunked codings as the replica
sends them, one gzip member per record, files rotated at ~25 MB. Then, on the same files:

- `cdxj-indexer -s -p` (the command, in a subprocess): the baseline;
- `moha-migrate archive index` (our command, in a subprocess, the same work from a user's seat),
  with its default worker processes and with `--jobs 1`;
- `archive.index.write_index` run with `python -c`: the same indexer without the CLI's start-up
  (the verb imports only the archive stage; that start-up alone is measured and printed too).

It prints MB/s by wall clock and by CPU time (the machine is shared, so both matter) and the
ratios to the baseline (target >= 0.9 by wall clock), and checks that all wrote the same lines. Usage:

    .venv/bin/python bench/archive.py [--scale demo] [--workdir DIR] [--repeat 2]
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

# Run as a script, this folder would come first on sys.path and bench/replica.py would shadow the
# replica package: put the repository root there instead.
sys.path[0] = str(Path(__file__).resolve().parents[1])

ROTATE_BYTES = 25 * 1024 * 1024
# Our indexer without the CLI's start-up.
LIBRARY_RUN = "import sys; from archive.index import write_index; write_index(sys.argv[2:], sys.argv[1])"
BIN = Path(sys.executable).parent


def _chunked(data: bytes, size: int = 8192) -> bytes:
    out = [b"%x\r\n%s\r\n" % (len(data[i : i + size]), data[i : i + size]) for i in range(0, len(data), size)]
    return b"".join(out) + b"0\r\n\r\n"


def _postback(site: object, url: str, argument: str) -> tuple[str, bytes]:
    """(action URL, form body) of the postback a browser sends for pager link `argument` (Page$N)."""
    from tests.archive.postback import form_action, postback_form

    html = site.handle("GET", url, {}, b"").body.decode("utf-8", "replace")  # type: ignore[attr-defined]
    form = postback_form(html)
    form["__EVENTARGUMENT"] = argument
    return urljoin(url, form_action(html)), urlencode(form).encode()


def write_capture(scale: str, folder: Path) -> list[Path]:
    """WARC files of a complete capture of the replica at `scale`."""
    from replica.site import Site

    site = Site(seed=1, scale=int(scale) if scale.isdigit() else scale)
    inventory = site.inventory()
    plan: list[tuple[str, str, bytes]] = []
    for entry in sorted(inventory["must_capture"]):
        if entry.startswith("POST "):  # "POST <listing URL> Page$N": a postback page
            _, url, argument = entry.split(" ", 2)
            action, body = _postback(site, url, argument)
            plan.append(("POST", action, body))
        else:
            plan.append(("GET", entry, b""))
    files: list[Path] = []
    fh = None
    writer = None
    for n, (method, url, body) in enumerate(plan):
        if fh is None or fh.tell() > ROTATE_BYTES:
            if fh is not None:
                fh.close()
            path = folder / f"bench-{len(files):05d}.warc.gz"
            files.append(path)
            fh = path.open("wb")
            writer = WARCWriter(fh, gzip=True, warc_version="1.1")
            writer.write_record(writer.create_warcinfo_record(path.name, {"software": "moha-migrate bench"}))
        assert writer is not None
        reply = site.handle(method, url, {}, body)
        payload = reply.body
        headers = list(reply.headers)
        if reply.gzip and payload:
            payload = gzip.compress(payload, mtime=0)
            headers.append(("Content-Encoding", "gzip"))
        if reply.chunked:
            payload = _chunked(payload)
            headers.append(("Transfer-Encoding", "chunked"))
        else:
            headers.append(("Content-Length", str(len(payload))))
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        req_headers = [("Host", parts.netloc), ("User-Agent", "moha-migrate bench")]
        if body:
            req_headers += [("Content-Type", "application/x-www-form-urlencoded"), ("Content-Length", str(len(body)))]
        req = writer.create_warc_record(url, "request", payload=io.BytesIO(body), length=len(body),
                                        http_headers=StatusAndHeaders(f"{method} {target} HTTP/1.1", req_headers,
                                                                      is_http_request=True))
        resp = writer.create_warc_record(url, "response", payload=io.BytesIO(payload), length=len(payload),
                                         http_headers=StatusAndHeaders(f"{reply.status} {reply.reason}", headers,
                                                                       protocol="HTTP/1.1"))
        resp.rec_headers.add_header("WARC-Concurrent-To", req.rec_headers.get_header("WARC-Record-ID"))
        writer.write_record(req)
        writer.write_record(resp)
        if n % 2000 == 0:
            print(f"  writing capture: {n}/{len(plan)} exchanges", file=sys.stderr)
    if fh is not None:
        fh.close()
    return files


def _startup_cpu() -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([str(BIN / "moha-migrate"), "archive", "index", "--help"], check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _lines(path: Path) -> set[str]:
    out = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        key, ts, fields = line.split(" ", 2)
        out.add(f"{key} {ts} {json.dumps(json.loads(fields), sort_keys=True)}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="3000",
                        help="Replica scale: demo (~35 MB of WARCs), or a number of articles (3000: ~70 MB).")
    parser.add_argument("--workdir", type=Path, default=None, help="Keep the WARCs and indexes here.")
    parser.add_argument("--repeat", type=int, default=2, help="Runs of each indexer (best time kept).")
    args = parser.parse_args()
    tmp = None
    if args.workdir is None:
        tmp = tempfile.mkdtemp(prefix="moha-bench-archive-")
        work = Path(tmp)
    else:
        work = args.workdir
        work.mkdir(parents=True, exist_ok=True)
    try:
        warc_dir = work / "warc"
        warcs = sorted(warc_dir.glob("*.warc.gz")) if warc_dir.is_dir() else []
        if not warcs:
            warc_dir.mkdir(exist_ok=True)
            started = time.perf_counter()
            warcs = write_capture(args.scale, warc_dir)
            print(f"capture written in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        mb = sum(p.stat().st_size for p in warcs) / 1e6
        print(f"WARCs: {len(warcs)} file(s), {mb:.1f} MB (scale {args.scale})")

        runs = {
            "cdxj-indexer -s -p (command)": [str(BIN / "cdxj-indexer"), "-s", "-p", "-o", "{out}", *map(str, warcs)],
            "moha-migrate archive index (command)": [str(BIN / "moha-migrate"), "-q", "archive", "index",
                                                     *map(str, warcs), "--out", "{out}"],
            "moha-migrate archive index --jobs 1": [str(BIN / "moha-migrate"), "-q", "archive", "index",
                                                    *map(str, warcs), "--out", "{out}", "--jobs", "1"],
            "archive.index.write_index (python -c)": [sys.executable, "-c", LIBRARY_RUN, "{out}", *map(str, warcs)],
        }
        wall: dict[str, float] = {}
        cpu: dict[str, float] = {}
        outputs: dict[str, Path] = {}
        for attempt in range(args.repeat):
            for n, (name, cmd) in enumerate(runs.items()):  # interleaved, so a busy moment hurts all alike
                out = work / f"index-{n}-{attempt}.cdxj"
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                started = time.perf_counter()
                subprocess.run([part.replace("{out}", str(out)) for part in cmd], check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                elapsed = time.perf_counter() - started
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
                wall[name] = min(wall.get(name, elapsed), elapsed)
                cpu[name] = min(cpu.get(name, used), used)
                outputs[name] = out
        base = "cdxj-indexer -s -p (command)"
        reference = _lines(outputs[base])
        print(f"{'indexer':40} {'wall s':>7} {'MB/s':>7} {'ratio':>6} {'cpu s':>7} {'MB/cpu-s':>9} {'ratio':>6} {'same':>5}")
        for name in runs:
            same = _lines(outputs[name]) == reference
            print(f"{name:40} {wall[name]:7.2f} {mb / wall[name]:7.1f} {wall[base] / wall[name]:5.2f}x "
                  f"{cpu[name]:7.2f} {mb / cpu[name]:9.1f} {cpu[base] / cpu[name]:5.2f}x {str(same):>5}")
        print(f"index lines: {len(reference)}")
        startup = _startup_cpu()
        print(f"moha-migrate start-up alone (`moha-migrate archive index --help`): {startup:.2f} cpu s")
        ratio = wall[base] / wall["moha-migrate archive index (command)"]
        lib_ratio = wall[base] / wall["archive.index.write_index (python -c)"]
        print(f"MB/s ratio to the cdxj-indexer command (wall clock, same files, same run): "
              f"`moha-migrate archive index` {ratio:.2f}x, our indexer alone {lib_ratio:.2f}x (target >= 0.9)")
        return 0 if max(ratio, lib_ratio) >= 0.9 and all(_lines(p) == reference for p in outputs.values()) else 1
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
