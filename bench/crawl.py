"""Benchmark the crawler against a plain Scrapy spider and wget, on the same replica, one run each.

The replica (`python -m replica.cli serve`, full scale by default) runs in its own process; each
crawler runs as a child process with crawl delay off, through the replica as an HTTP proxy, until
it has fetched `--pages` URLs (≥ 5,000 by default):

  (a) plain Scrapy: a CrawlSpider with default settings (robots.txt obeyed, HttpProxyMiddleware via
      `http_proxy`) following the same links (a/area/img/script/link, media included) with the same
      trap exclusions, no WARC writing;
  (b) ours: `moha-migrate crawl --ignore-crawl-delay --max-pages N` (WARC writing on);
  (c) `wget --warc-file -r -p` through the same proxy with the same exclusions (POSIX regex).

For each: pages/s (wall), CPU ms per page (user+sys of the process and its children, from
wait4), peak RSS (largest process) and RSS sampled over the run (start/middle/end: flat or not);
then the ratios (b)/(a) and (b)/(c). `--profile` runs (b)'s worker under pyinstrument and prints
where its time goes. The machine is shared: figures vary from run to run; ratios from one run
are what to compare.

Example:
    .venv/bin/python bench/crawl.py                      # full scale, 6000 pages each
    .venv/bin/python bench/crawl.py --scale demo --pages 1500 --only b --profile
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

PY = sys.executable
# The same exclusions for all three: robots.txt's (obeyed anyway), session paths, the calendar
# outside the months the profile allows (July-September 2015).
DENY = [r"\(S\(", r"TimKiem\.aspx", r"EmailArticle\.aspx", r"/Admin/",
        r"LichCongTac\.aspx\?date=(?!2015-0[789]-)"]
WGET_REJECT = (r"(\(S\(|TimKiem\.aspx|EmailArticle\.aspx|/Admin/|"
               r"LichCongTac\.aspx\?date=(1|200|201[0-46-9]|2015-(0[1-6]|1)))")


@dataclass
class Measure:
    name: str
    pages: int = 0
    wall_s: float = 0.0
    cpu_s: float = 0.0
    peak_rss_mb: float = 0.0
    rss_mb_samples: list[float] = field(default_factory=list)

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.wall_s if self.wall_s else 0.0

    @property
    def cpu_ms_per_page(self) -> float:
        return 1000 * self.cpu_s / self.pages if self.pages else 0.0

    def row(self) -> str:
        s = self.rss_mb_samples
        flat = f"{s[0]:.0f}/{s[len(s) // 2]:.0f}/{s[-1]:.0f}" if s else "-"
        return (f"{self.name:<16} {self.pages:>7} pages {self.pages_per_s:>8.1f} pages/s "
                f"{self.cpu_ms_per_page:>7.2f} ms CPU/page  peak RSS {self.peak_rss_mb:>6.1f} MB "
                f"(RSS start/mid/end {flat} MB)")


def start_replica(scale: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([PY, "-m", "replica.cli", "serve", "--port", "0", "--scale", scale],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:\d+", line)
    if not found:
        proc.kill()
        raise SystemExit(f"the replica did not start: {line!r}")
    return proc, found.group(0)


def tree_rss_mb(proc: psutil.Process) -> float:
    try:
        procs = [proc, *proc.children(recursive=True)]
        return max(p.memory_info().rss for p in procs) / 1e6
    except psutil.Error:
        return 0.0


def run(name: str, cmd: list[str], pages_of: callable, stop_at: int | None = None,
        env: dict[str, str] | None = None, timeout_s: float = 1800) -> Measure:
    """Run one crawler to its end (or SIGTERM it at `stop_at` pages); measure it with wait4."""
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
    ps = psutil.Process(proc.pid)
    samples: list[float] = []
    reaped = None
    while reaped is None:
        time.sleep(0.5)
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)  # not poll(): wait4 gives the rusage
        if pid:
            reaped = (status, usage)
            break
        samples.append(tree_rss_mb(ps))
        if stop_at is not None and pages_of() >= stop_at:
            proc.send_signal(signal.SIGTERM)
            stop_at = None
        if time.monotonic() - started > timeout_s:
            proc.kill()
    out = proc.stdout.read() if proc.stdout else b""
    status, usage = reaped
    proc.returncode = status
    wall = time.monotonic() - started
    measure = Measure(name, wall_s=wall, cpu_s=usage.ru_utime + usage.ru_stime,
                      peak_rss_mb=usage.ru_maxrss / 1024, rss_mb_samples=[x for x in samples if x])
    measure.pages = pages_of(out)
    return measure


# -------------------------------------------------------------- (a) the plain Scrapy spider

def plain_scrapy_main(proxy: str, pages: int, stats_path: str) -> None:
    """Run the plain spider in this process (called through `--run-plain-scrapy`)."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.linkextractors import LinkExtractor
    from scrapy.spiders import CrawlSpider, Rule

    os.environ["http_proxy"] = proxy  # HttpProxyMiddleware: every request, robots.txt included

    class PlainSpider(CrawlSpider):
        name = "plain"
        allowed_domains = ["moha.gov.vn"]
        start_urls = ["http://moha.gov.vn/"]
        rules = (Rule(LinkExtractor(deny=DENY, tags=("a", "area", "img", "script", "link"), attrs=("href", "src"),
                                    deny_extensions=[]), follow=True),)

    process = CrawlerProcess({"ROBOTSTXT_OBEY": True, "CLOSESPIDER_PAGECOUNT": pages,
                              "LOG_FILE": os.devnull})
    crawler = process.create_crawler(PlainSpider)
    process.crawl(crawler)
    process.start()
    Path(stats_path).write_text(json.dumps({"pages": crawler.stats.get_value("response_received_count", 0)}))


# -------------------------------------------------------------- the three runs

def bench(args: argparse.Namespace) -> dict:
    replica, proxy = start_replica(args.scale)
    results: dict[str, Measure] = {}
    work = Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    try:
        if "a" in args.only:
            stats = work / "plain-stats.json"
            results["a"] = run("(a) plain Scrapy", [PY, __file__, "--run-plain-scrapy", proxy, str(args.pages),
                                                    str(stats)],
                               lambda out=b"": json.loads(stats.read_text())["pages"] if stats.exists() else 0)
        if "b" in args.only:
            env = dict(os.environ)
            profile = work / "profile.txt"
            if args.profile:
                env["MOHA_CRAWL_PYINSTRUMENT"] = str(profile)
            cmd = [PY, "-c", "from moha_migrate.cli import main; main()", "-q", "crawl", "--proxy", proxy,
                   "--out", str(work / "ours"), "--ignore-crawl-delay", "--concurrency", str(args.concurrency),
                   "--max-pages", str(args.pages), "--json"]
            results["b"] = run("(b) moha-migrate", cmd,
                               lambda out=b"": json.loads(out.decode().strip().splitlines()[-1])["counts"]["pages"]
                               if out else 0, env=env)
            if args.profile and profile.exists():
                print(profile.read_text(encoding="utf-8")[:6000])
        if "c" in args.only:
            log = work / "wget.log"
            cmd = ["wget", "-r", "-p", "--level=inf", "-H", "-D", "moha.gov.vn", "-e", "robots=on",
                   "-e", "use_proxy=on", "-e", f"http_proxy={proxy}", "--reject-regex", WGET_REJECT,
                   "--warc-file", str(work / "wget"), "--delete-after", "-nv", "-o", str(log),
                   "-P", str(work / "wget-files"), "http://moha.gov.vn/"]
            count = lambda out=b"": log.read_bytes().count(b" URL:") if log.exists() else 0
            results["c"] = run("(c) wget --warc", cmd, count, stop_at=args.pages)
    finally:
        replica.send_signal(signal.SIGINT)
        try:
            replica.wait(timeout=10)
        except subprocess.TimeoutExpired:
            replica.kill()
        subprocess.run(["rm", "-rf", str(work)], check=False)
    for m in results.values():
        print(m.row())
    ratios = {}
    if "a" in results and "b" in results:
        ratios["b/a pages/s"] = results["b"].pages_per_s / results["a"].pages_per_s
        ratios["a/b CPU per page"] = results["a"].cpu_ms_per_page / results["b"].cpu_ms_per_page
    if "b" in results and "c" in results:
        ratios["b/c pages/s"] = results["b"].pages_per_s / results["c"].pages_per_s
        ratios["c/b CPU per page"] = results["c"].cpu_ms_per_page / results["b"].cpu_ms_per_page
    for name, value in ratios.items():
        print(f"{name:<20} {value:6.2f}")
    summary = {"scale": args.scale, "pages_target": args.pages,
               "runs": {k: {**asdict(m), "pages_per_s": m.pages_per_s, "cpu_ms_per_page": m.cpu_ms_per_page}
                        for k, m in results.items()},
               "ratios": ratios}
    print(json.dumps(summary))
    return summary


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--run-plain-scrapy":
        plain_scrapy_main(sys.argv[2], int(sys.argv[3]), sys.argv[4])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="full", help="replica scale: test, demo, full or an article count")
    parser.add_argument("--pages", type=int, default=6000, help="URLs each crawler fetches")
    parser.add_argument("--concurrency", type=int, default=16,
                        help="ours; plain Scrapy runs its defaults (16 total, 8 per host name)")
    parser.add_argument("--only", default="abc", help="which runs: any of a, b, c")
    parser.add_argument("--profile", action="store_true", help="profile (b) with pyinstrument")
    bench(parser.parse_args())


if __name__ == "__main__":
    main()
