"""Benchmark the replica server: requests/s and latency at full scale with concurrent keep-alive clients.

Phase 1 (the figure that matters for crawl benchmarks): `replica serve --scale full` runs in its
own process (`python -m replica.cli`: the same command without the other stages), as a crawl
sees it. The URL mix is drawn across the whole site from its catalog (home, listings, articles,
documents, static pages, media; mostly distinct URLs, as a crawl meets them; the slow page left
out), or, if the catalog API changed, discovered by following links over HTTP. Client processes
(so the client is not the bottleneck), each holding keep-alive connections, fetch that mix through
the replica as an HTTP proxy (`GET http://moha.gov.vn/...`, `Accept-Encoding: gzip`).
Phase 2 serves one fixed small page from an in-process ReplicaServer to the same clients: the
transport's own ceiling, so a slow phase 1 can be told apart from a slow server. Prints one JSON
object and a summary line; bounded to about 20 s.

Example:
    .venv/bin/python bench/replica.py                  # full scale, 4 clients x 2 connections
    .venv/bin/python bench/replica.py --scale test --duration 4 --clients 2
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote, urldefrag, urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this file's folder comes first on sys.path and its name would shadow the
# `replica` package: put the project root there instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

FAMILIES = {
    "home": re.compile(r"^http://(www\.)?moha\.gov\.vn/((default|Default)\.aspx)?$"),
    "media": re.compile(r"/Uploads/", re.IGNORECASE),
    "document": re.compile(r"/van-ban/.*DocID=", re.IGNORECASE),
    "listing": re.compile(
        r"(tabid=\d+(&page=\d+)?$|/tin-tuc-su-kien/[^/]+-\d+\.html$|/van-ban/Default\.aspx\?tabid=\d+$)",
        re.IGNORECASE,
    ),
    "article": re.compile(r"(/tin-tuc-su-kien/[^/]+/.+-\d+\.html$|ItemID=\d+)", re.IGNORECASE),
    "static": re.compile(r"(/gioi-thieu/|/Portals/|/js/|/images/|robots\.txt)", re.IGNORECASE),
}
MIX = {"home": 0.05, "listing": 0.15, "article": 0.45, "document": 0.1, "media": 0.2, "static": 0.05}
TRAPS = re.compile(r"(LichCongTac|TimKiem|EmailArticle|/Admin/|/\(S\(|Print\.aspx)", re.IGNORECASE)
LINK = re.compile(rb"""(?:href|src)\s*=\s*["']([^"'<>]+)["']""", re.IGNORECASE)
HOSTS = ("moha.gov.vn", "www.moha.gov.vn")


def family_of(url: str) -> str | None:
    for name, pattern in FAMILIES.items():
        if pattern.search(url):
            return name
    return None


def links_of(page_url: str, body: bytes) -> list[str]:
    """In-scope, non-trap absolute links of a page, percent-encoded as a crawler would send them."""
    out = []
    for raw in LINK.findall(body):
        text = raw.decode("utf-8", "replace").strip()
        if "\ufffd" in text or text.startswith(("javascript:", "mailto:")):
            continue
        url = urldefrag(urljoin(page_url, text.replace("&amp;", "&")))[0]
        if urlsplit(url).hostname not in HOSTS or TRAPS.search(url):
            continue
        out.append(quote(url, safe=":/?&=%;+,@!$'()*~#"))
    return out


def discover(port: int, budget_s: float, per_family: int = 60, enough: int = 600) -> dict[str, list[str]]:
    """Follow links from the home page over HTTP until every family has URLs or time is up.

    A URL that takes over a second (the site's deliberately slow page) is left out of the mix:
    a crawler fetches it once, while a load loop would park a connection on it every round.
    """
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1.0)
    found: dict[str, set[str]] = {family: set() for family in MIX}
    queue = ["http://moha.gov.vn/"]
    seen = set(queue)
    deadline = time.monotonic() + budget_s
    while queue and time.monotonic() < deadline:
        url = queue.pop(0)
        family = family_of(url)
        if family:
            found[family].add(url)
        if family == "media" or re.search(r"\.(css|js|gif|jpg|png|txt)$", url, re.IGNORECASE):
            continue  # leaves: no links to follow
        try:
            conn.request("GET", url)
            response = conn.getresponse()
            body = response.read()
        except TimeoutError:
            conn.close()  # the slow page: leave it out, reconnect for the next URL
            if family:
                found[family].discard(url)
            continue
        if response.status != 200 or "html" not in (response.getheader("Content-Type") or ""):
            continue
        for link in links_of(url, body):
            if link not in seen and len(found.get(family_of(link) or "", ())) < per_family:
                seen.add(link)
                queue.append(link)
        if all(found.values()) and sum(len(urls) for urls in found.values()) >= enough:
            break
    conn.close()
    return {family: sorted(urls) for family, urls in found.items() if urls}


def sample_catalog(scale: str, seed: int, count: int) -> dict[str, list[str]] | None:
    """Mostly distinct URLs drawn across the whole site from its catalog (as a crawl meets them:
    each page about once, so the site's page caches do not flatter the figure); None when the
    catalog does not offer what this needs (then the benchmark falls back to link discovery)."""
    from replica.site import Site

    try:
        site = Site(seed=seed, scale=int(scale) if scale.isdigit() else scale)
        cat = site.catalog
        rng = random.Random(seed)
        base = "http://moha.gov.vn"
        articles = [cat.article(rng.randrange(cat.articles_count)) for _ in range(count)]
        out: dict[str, list[str]] = {
            "home": [f"{base}/", f"{base}/default.aspx", "http://www.moha.gov.vn/"],
            "article": [base + rng.choice((a.canonical_path, a.default_path, a.dnn_path)) for a in articles],
            "document": [
                f"{base}/van-ban/Default.aspx?tabid={cat.documents_tabid}&DocID={cat.document(d).doc_id}"
                for d in (rng.randrange(cat.documents_count) for _ in range(count // 4))
            ],
            "listing": [
                f"{base}/Default.aspx?tabid={cat.categories[c].tabid}&page={page}"
                for c in (rng.randrange(len(cat.categories)) for _ in range(count // 4))
                for page in (rng.randint(1, max(1, cat.listing_pages(c))),)
            ],
            "media": [],
            "static": [base + page.path for page in cat.pages if page.path not in site.slow_paths]
            + [f"{base}/robots.txt", f"{base}/Portals/0/skin.css"],
        }
        for n in (rng.randrange(cat.articles_count) for _ in range(count // 2)):
            images, attachments = cat.article_media(n)
            out["media"] += [base + quote(ref.path) for ref in (*images, *attachments)]
    except (AttributeError, TypeError, IndexError) as exc:
        print(f"bench: catalog sampling unavailable ({exc}); discovering links instead", file=sys.stderr)
        return None
    return {family: urls for family, urls in out.items() if urls}


def request_mix(by_family: Mapping[str, list[str]], count: int, seed: int) -> list[str]:
    """`count` URLs drawn from the discovered families by the shares of MIX."""
    rng = random.Random(seed)
    families = [f for f in MIX if by_family.get(f)]
    weights = [MIX[f] for f in families]
    return [rng.choice(by_family[f]) for f in rng.choices(families, weights, k=count)]


def client(port: int, urls: list[str], connections: int, deadline: float, out: mp.Queue) -> None:
    """Fetch `urls` round-robin on `connections` keep-alive connections until `deadline`."""
    conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(connections)]
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    received = 0
    index = 0
    headers = {"User-Agent": "moha-migrate-bench/1.0", "Accept-Encoding": "gzip"}
    while time.time() < deadline:
        conn = conns[index % connections]
        url = urls[index % len(urls)]
        index += 1
        started = time.perf_counter()
        try:
            conn.request("GET", url, headers=headers)
            response = conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            statuses[-1] += 1
            continue
        latencies.append(time.perf_counter() - started)
        statuses[response.status] += 1
        received += len(body)
    out.put((latencies, dict(statuses), received))


def load(port: int, urls: list[str], clients: int, connections: int, duration_s: float) -> dict:
    """Run the client processes against `port`; return the figures."""
    queue: mp.Queue = mp.Queue()
    deadline = time.time() + duration_s
    processes = [
        mp.Process(target=client, args=(port, urls[n::clients] or urls, connections, deadline, queue))
        for n in range(clients)
    ]
    for process in processes:
        process.start()
    started = time.perf_counter()
    results = [queue.get(timeout=duration_s + 30) for _ in processes]
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join(5)
    latencies = sorted(value for result in results for value in result[0])
    statuses: Counter[int] = Counter()
    for result in results:
        statuses.update(result[1])

    def pct(share: float) -> float:
        return (
            round(latencies[min(len(latencies) - 1, int(share * len(latencies)))] * 1000, 2)
            if latencies
            else -1
        )

    return {
        "requests": len(latencies),
        "duration_s": round(elapsed, 2),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "max_ms": round(latencies[-1] * 1000, 1) if latencies else -1,
        "mb_per_s": round(sum(result[2] for result in results) / elapsed / 1e6, 2),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
    }


def server_side(log_path: Path, since_line: int) -> dict:
    """Mean server-side time per request (site + transport) from the request log."""
    lines = log_path.read_text(encoding="utf-8").splitlines()[since_line:]
    times = [json.loads(line)["ms"] for line in lines]
    return {"server_ms_mean": round(sum(times) / len(times), 3) if times else -1}


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (Linux /proc), -1 when unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass  # not Linux, or the process is gone: the figure is simply unknown
    return -1.0


def transport_ceiling(clients: int, connections: int, duration_s: float) -> dict:
    """Phase 2: the server alone, answering one fixed 8 KB page (no site work)."""
    from replica.reply import Reply
    from replica.server import ReplicaServer

    page = Reply(
        200, "OK", [("Content-Type", "text/html; charset=utf-8")], b"<html>" + b"x" * 8192 + b"</html>"
    )

    class FixedSite:
        def handle(self, method: str, url: str, headers: Mapping[str, str], body: bytes) -> Reply:
            return page

    with ReplicaServer(FixedSite(), port=0) as server:
        return load(server.port, ["http://moha.gov.vn/"], clients, connections, duration_s)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="full")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--connections", type=int, default=2, help="keep-alive connections per client")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load on the site")
    parser.add_argument("--transport-duration", type=float, default=3.0, help="seconds of phase 2 (0: skip)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-replica-"))
    log_path = workdir / "requests.jsonl"
    began = time.perf_counter()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "replica.cli",
            "-q",
            "serve",
            "--port",
            "0",
            "--seed",
            str(args.seed),
            "--scale",
            str(args.scale),
            "--log",
            str(log_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        line = server.stdout.readline() if server.stdout else ""
        match = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        if not match:
            print(f"bench: the replica did not start: {line!r}", file=sys.stderr)
            return 3
        port = int(match.group(1))
        startup_s = time.perf_counter() - began
        discover_started = time.perf_counter()
        by_family = sample_catalog(str(args.scale), args.seed, 4000) or discover(port, budget_s=3.0)
        discover_s = time.perf_counter() - discover_started
        urls = request_mix(by_family, 20000, args.seed)
        log_lines = len(log_path.read_text(encoding="utf-8").splitlines())
        site_phase = load(port, urls, args.clients, args.connections, args.duration)
        site_phase.update(server_side(log_path, log_lines))
        site_phase["server_rss_mb"] = rss_mb(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
    figures = {
        "scale": args.scale,
        "startup_s": round(startup_s, 2),
        "discover_s": round(discover_s, 2),
        "urls_per_family": {family: len(found) for family, found in by_family.items()},
        "distinct_urls": len(set(urls)),
        "clients": args.clients * args.connections,
        "site": site_phase,
    }
    if args.transport_duration > 0:
        figures["transport_only"] = transport_ceiling(args.clients, args.connections, args.transport_duration)
    print(json.dumps(figures))
    summary = (
        f"replica bench: {site_phase['requests_per_s']} requests/s at scale {args.scale} with "
        f"{figures['clients']} keep-alive clients, p50 {site_phase['p50_ms']} ms, "
        f"p99 {site_phase['p99_ms']} ms "
        f"(server-side {site_phase['server_ms_mean']} ms/request), started in {figures['startup_s']} s, "
        f"{site_phase['server_rss_mb']} MB resident"
    )
    if "transport_only" in figures:
        summary += f"; transport alone {figures['transport_only']['requests_per_s']} requests/s"
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
