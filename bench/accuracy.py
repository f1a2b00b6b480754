"""Transform accuracy against the replica's ground truth, per field.

Usage:
    .venv/bin/python bench/accuracy.py                      # crawl the test replica, transform, score
    .venv/bin/python bench/accuracy.py --skin tables        # the second skin
    .venv/bin/python bench/accuracy.py --records out/records.jsonl --truth truth/records.jsonl

Without --records it crawls a fresh replica (crawler.run.crawl_site through ReplicaServer on
127.0.0.1; --capture uses the test capture writer instead, no server), runs transform_warcs and
scores the output with transform.accuracy: per-field exact-match rate, body_text similarity
(average and minimum), values with mojibake or non-NFC text, unsafe body_html, old URLs not
listed. The acceptance floors (issue 5) are printed next to the figures.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moha_migrate.jsonl import iter_records
from replica.site import Site
from transform.accuracy import AccuracyReport, score_records
from transform.pipeline import transform_warcs


def produce(site: Site, work: Path, use_crawler: bool) -> tuple[Path, str]:
    """Capture `site` and transform it; return the records file and a one-line run summary."""
    started = time.monotonic()
    if use_crawler:
        from crawler.run import crawl_site
        from crawler.settings import CrawlOptions
        from replica.server import ReplicaServer

        with ReplicaServer(site, host="127.0.0.1", port=0) as server:
            crawl_site(CrawlOptions(out=work / "crawl", proxy=server.proxy_url, ignore_crawl_delay=True, retry_backoff_s=0.1))
        warcs = work / "crawl" / "warc"
    else:
        from tests.transform.warcs import write_capture

        warcs = work / "capture.warc.gz"
        write_capture(site, warcs, limit=10**7)
    captured_s = time.monotonic() - started
    result = transform_warcs([warcs], work / "records.jsonl", work / "errors.jsonl")
    return work / "records.jsonl", f"capture {captured_s:.1f} s; {result.summary().line()}"


def verdict(report: AccuracyReport) -> list[str]:
    worst, worst_rate = report.worst_field
    checks = [
        ("every truth record present", not report.missing),
        ("no extra record", not report.extra),
        (f"every field >= 99.5 % (worst: {worst} {100 * worst_rate:.2f} %)", worst_rate >= 0.995),
        (f"body_text similarity avg >= 0.99 ({report.similarity_avg:.4f})", report.similarity_avg >= 0.99),
        (f"body_text similarity min >= 0.95 ({report.similarity_min:.4f})", report.similarity_min >= 0.95),
        ("0 values with mojibake", not report.mojibake),
        ("0 non-NFC values", not report.not_nfc),
        ("0 unsafe constructs in body_html", not report.unsafe_html),
        ("every old URL listed", not report.old_urls_missing),
    ]
    return [f"  [{'ok' if ok else 'FAIL'}] {text}" for text, ok in checks]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=Path, help="score this records.jsonl instead of producing one")
    parser.add_argument("--truth", type=Path, help="truth records.jsonl (default: the replica's, from --seed/--scale/--skin)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", default="test")
    parser.add_argument("--skin", default="classic", choices=["classic", "tables"])
    parser.add_argument("--capture", action="store_true", help="capture with the test writer (Site.handle) instead of the crawler")
    parser.add_argument("--misses", type=int, default=3, help="examples of mismatches to print per field")
    args = parser.parse_args()
    scale: str | int = int(args.scale) if args.scale.isdigit() else args.scale
    site = Site(seed=args.seed, scale=scale, skin=args.skin)
    truth = list(iter_records(args.truth)) if args.truth else list(site.truth_records())
    with tempfile.TemporaryDirectory(prefix="bench-accuracy-") as tmp:
        if args.records:
            records_path, run = args.records, f"scoring {args.records}"
        else:
            records_path, run = produce(site, Path(tmp), use_crawler=not args.capture)
        report = score_records(iter_records(records_path), truth)
    print(f"transform accuracy, seed {args.seed}, scale {args.scale}, skin {args.skin}: {run}")
    for line in report.lines():
        print(line)
    for name, misses in sorted(report.field_misses.items()):
        for miss in misses[: args.misses]:
            print(f"  miss {name}: {miss[:400]}")
    for label, items in (("missing", report.missing), ("extra", report.extra), ("mojibake", report.mojibake),
                         ("unsafe", report.unsafe_html), ("old URL not listed", report.old_urls_missing)):
        for item in items[: args.misses]:
            print(f"  {label}: {item}")
    print("acceptance (issue 5):")
    for line in verdict(report):
        print(line)


if __name__ == "__main__":
    main()
