"""Transform speed and memory: our pages/s against trafilatura.extract on the same captured pages,
and peak RSS for 10x the input against 1x (streaming means memory stays flat).

Usage:
    .venv/bin/python bench/transform.py [--articles 200] [--factor 10] [--skin classic] [--crawl]

It captures two replicas (N and factor x N articles) with the test capture writer (Site.handle,
no network), then:
1. speed: runs transform_warcs on the N capture and trafilatura.extract on the same HTML pages
   (bodies read into memory first, which favours trafilatura), and prints both rates and the ratio
   (target >= 3x);
2. memory: runs transform_warcs on each capture in a fresh subprocess that imports only the
   transform, and prints the peak RSS of each, their ratio (target <= 1.2) and the RSS before the
   first response (interpreter and modules, the part of both peaks the input does not change).
Figures are printed, never asserted: timings belong here, not in tests (STYLE.md).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Only what `moha-migrate transform` itself loads is imported at the top: the memory runs measure
# a child running this file, and the replica and the capture writer (about 8 MiB of modules,
# needed in the parent only) would pad the 1x baseline and flatter the ratio.
from transform.pipeline import TransformOptions, transform_warcs


def capture(articles: int, skin: str, where: Path) -> Path:
    from replica.site import Site
    from tests.transform.warcs import write_capture

    warc = where / f"replica-{articles}-{skin}.warc.gz"
    if not warc.exists():
        started = time.monotonic()
        count = write_capture(Site(seed=1, scale=articles, skin=skin), warc, limit=10**7)
        print(f"captured {count} responses of a {articles}-article replica in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return warc


def html_pages(warc: Path) -> list[tuple[str, bytes]]:
    """Every captured 200 HTML page (the same pages both extractors see)."""
    from archive.reader import iter_responses

    return [(r.url, r.body) for r in iter_responses([warc]) if r.status == 200 and r.content_type == "text/html" and r.body]


def crawl(articles: int, skin: str, where: Path) -> Path:
    """A real crawl of the replica (crawler.run.crawl_site through ReplicaServer)."""
    from crawler.run import crawl_site
    from crawler.settings import CrawlOptions
    from replica.server import ReplicaServer
    from replica.site import Site

    out = where / f"crawl-{articles}-{skin}"
    if not (out / "warc").exists():
        started = time.monotonic()
        with ReplicaServer(Site(seed=1, scale=articles, skin=skin), host="127.0.0.1", port=0) as server:
            result = crawl_site(CrawlOptions(out=out, proxy=server.proxy_url, ignore_crawl_delay=True, retry_backoff_s=0.1))
        print(f"crawled {result.pages} pages of a {articles}-article replica in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return out / "warc"


def _ours(warc: Path, out: Path, reuse: bool) -> tuple[float, object]:
    started = time.process_time()
    result = transform_warcs([warc], out / "records.jsonl", out / "errors.jsonl", options=TransformOptions(reuse_identical_payloads=reuse))
    return time.process_time() - started, result


def speed(warc: Path, out: Path) -> dict[str, float]:
    pages = html_pages(warc)
    # CPU seconds of this process, not wall time: the machine is shared, and both sides run
    # single-threaded in this process, so CPU time is the fair measure.
    ours_s, result = _ours(warc, out, reuse=True)
    plain_s, _ = _ours(warc, out, reuse=False)
    import trafilatura

    trafilatura.extract(pages[0][1], url=pages[0][0])  # warm-up: its first call loads settings
    started = time.process_time()
    extracted = sum(1 for url, body in pages if trafilatura.extract(body, url=url) is not None)
    theirs_s = time.process_time() - started
    ours = len(pages) / ours_s
    theirs = len(pages) / theirs_s
    return {
        "html_pages": len(pages), "responses": result.responses, "records": sum(result.records.values()),
        "errors": result.errors, "ours_s": round(ours_s, 2), "ours_pages_per_s": round(ours, 1),
        "trafilatura_s": round(theirs_s, 2), "trafilatura_pages_per_s": round(theirs, 1),
        "trafilatura_extracted": extracted, "ratio": round(ours / theirs, 2),
        "ours_no_reuse_s": round(plain_s, 2), "ratio_no_reuse": round(len(pages) / plain_s / theirs, 2),
    }


def _status_mib(field: str) -> float:
    status = Path("/proc/self/status").read_text()
    return round(int(next(line.split()[1] for line in status.splitlines() if line.startswith(f"{field}:"))) / 1024, 1)


def _child(warc: str, out: str) -> None:
    # what the interpreter and the transform's modules take before the first response: the part
    # of either peak that does not depend on the input
    imports_mib = _status_mib("VmRSS")
    result = transform_warcs([Path(warc)], Path(out) / "records.jsonl", Path(out) / "errors.jsonl")
    # VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss across fork+exec, so a child of a
    # big parent would report the parent's peak.
    print(json.dumps({"responses": result.responses, "records": sum(result.records.values()), "imports_rss_mib": imports_mib,
                      "peak_rss_mib": _status_mib("VmHWM")}))


def speed_only(args: argparse.Namespace, work: Path) -> None:
    source = crawl(args.articles, args.skin, work) if args.crawl else capture(args.articles, args.skin, work)
    figures = speed(source, work / "speed")
    print(json.dumps(figures))


def peak_rss(warc: Path, out: Path) -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, "--child", str(warc), str(out)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--factor", type=int, default=10)
    parser.add_argument("--skin", default="classic", choices=["classic", "tables"])
    parser.add_argument("--workdir", type=Path, default=None, help="keep captures here (default: a temporary directory)")
    parser.add_argument("--speed-only", action="store_true", help="skip the memory runs")
    parser.add_argument("--crawl", action="store_true", help="measure speed on a real crawl (crawler + replica server) instead of the test capture")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    with tempfile.TemporaryDirectory(prefix="bench-transform-") as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        if args.speed_only:
            speed_only(args, work)
            return
        small = capture(args.articles, args.skin, work)
        large = capture(args.articles * args.factor, args.skin, work)
        figures = speed(crawl(args.articles, args.skin, work) if args.crawl else small, work / "speed")
        print(f"speed on {figures['html_pages']} HTML pages ({args.articles}-article replica, {args.skin} skin):")
        print(f"  moha-migrate transform  {figures['ours_pages_per_s']:8.1f} pages/s  (whole pipeline: WARC read, extract, merge, write; {figures['ours_s']} CPU s)")
        print(f"  trafilatura.extract     {figures['trafilatura_pages_per_s']:8.1f} pages/s  (extraction only, bodies in memory; {figures['trafilatura_s']} CPU s)")
        print(f"  ratio                   {figures['ratio']:8.2f} x   (target >= 3)")
        print(f"  without reusing extractions of identical payloads: {figures['ratio_no_reuse']:.2f} x ({figures['ours_no_reuse_s']} CPU s)")
        one = peak_rss(small, work / "rss1")
        ten = peak_rss(large, work / "rss10")
        print(f"peak RSS: {one['peak_rss_mib']} MiB for {one['responses']} responses, {ten['peak_rss_mib']} MiB for {ten['responses']} "
              f"({args.factor}x the articles): ratio {ten['peak_rss_mib'] / one['peak_rss_mib']:.2f} (target <= 1.2)")
        print(f"  of which interpreter and modules before the first response: {one['imports_rss_mib']} / {ten['imports_rss_mib']} MiB")
        print(json.dumps({"speed": figures, "rss_1x": one, "rss_10x": ten}, ensure_ascii=False))


if __name__ == "__main__":
    main()
