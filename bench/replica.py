"""Benchmark the replica server: requests/s and latency at full scale with concurrent keep-alive clients.

The server runs as `moha-migrate replica serve --scale full` in its own process (as a crawl sees
it); the clients run in other processes (so the client is not the bottleneck), each holding
keep-alive connections and fetching a mix of home, listing, article, document, static and media
URLs taken from the site's inventory, through the replica as an HTTP proxy (`GET http://moha.gov.vn/...`).
Prints the start-up time, requests/s, p50/p99 latency and the status mix; bounded to about 20 s.

Example:
    .venv/bin/python bench/replica.py                 # full scale, 4 clients x 2 connections, 12 s
    .venv/bin/python bench/replica.py --scale test --duration 5 --clients 2
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
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FAMILIES = {
    "home": re.compile(r"^http://(www\.)?moha\.gov\.vn/((default|Default)\.aspx)?$"),
    "media": re.compile(r"/Uploads/", re.I),
    "document": re.compile(r"/van-ban/.*DocID=", re.I),
    "listing": re.compile(r"(tabid=\d+(&page=\d+)?$|/tin-tuc-su-kien/[^/]+-\d+\.html$|/van-ban/Default\.aspx\?tabid=\d+$)", re.I),
    "article": re.compile(r"(/tin-tuc-su-kien/[^/]+/.+-\d+\.html$|ItemID=\d+)", re.I),
    "static": re.compile(r"(/gioi-thieu/|/Portals/|/js/|/images/|robots\.txt)", re.I),
}
MIX = {"home": 0.05, "listing": 0.15, "article": 0.45, "document": 0.1, "media": 0.2, "static": 0.05}


def family_of(url: str) -> str | None:
    for name, pattern in FAMILIES.items():
        if pattern.search(url):
            return name
    return None


def pick_urls(must_capture: list[str], count: int, seed: int) -> list[str]:
    """A request mix of `count` URLs drawn from the inventory by the shares of MIX."""
    by_family: dict[str, list[str]] = {}
    for url in must_capture:
        family = family_of(url)
        if family is not None:
            by_family.setdefault(family, []).append(url)
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
        if response.getheader("Connection", "").lower() == "close":
            conn.close()
    out.put((latencies, dict(statuses), received))


def percentile(sorted_values: list[float], share: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(share * len(sorted_values)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="full")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--connections", type=int, default=2, help="keep-alive connections per client")
    parser.add_argument("--duration", type=float, default=12.0, help="seconds of load")
    args = parser.parse_args()

    began = time.perf_counter()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("moha-migrate")), "-q", "replica", "serve", "--port", "0",
         "--seed", str(args.seed), "--scale", str(args.scale)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )
    try:
        line = server.stdout.readline() if server.stdout else ""
        match = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        if not match:
            print(f"bench: the replica did not start: {line!r}", file=sys.stderr)
            return 3
        port = int(match.group(1))
        startup_s = time.perf_counter() - began

        from replica.site import Site  # the same site the server built, for its URL inventory

        inventory_started = time.perf_counter()
        site = Site(seed=args.seed, scale=int(args.scale) if str(args.scale).isdigit() else args.scale)
        must_capture = list(site.inventory()["must_capture"])
        inventory_s = time.perf_counter() - inventory_started
        urls = pick_urls(must_capture, 5000, args.seed)

        # warm-up: one pass over a few URLs so first-request quirks (500 once) don't skew latency
        warm = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for url in urls[:50]:
            warm.request("GET", url)
            warm.getresponse().read()
        warm.close()

        queue: mp.Queue = mp.Queue()
        deadline = time.time() + args.duration
        processes = []
        for number in range(args.clients):
            share = urls[number::args.clients]
            process = mp.Process(target=client, args=(port, share, args.connections, deadline, queue))
            process.start()
            processes.append(process)
        load_started = time.perf_counter()
        results = [queue.get(timeout=args.duration + 30) for _ in processes]
        elapsed = time.perf_counter() - load_started
        for process in processes:
            process.join(5)
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()

    latencies = sorted(value for result in results for value in result[0])
    statuses: Counter[int] = Counter()
    for result in results:
        statuses.update(result[1])
    received = sum(result[2] for result in results)
    figures = {
        "scale": args.scale,
        "site_urls": len(must_capture),
        "startup_s": round(startup_s, 2),
        "inventory_s": round(inventory_s, 2),
        "clients": args.clients * args.connections,
        "duration_s": round(elapsed, 2),
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "mb_per_s": round(received / elapsed / 1e6, 2),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
    }
    print(json.dumps(figures, sort_keys=False))
    print(
        f"replica bench: {figures['requests_per_s']} requests/s with {figures['clients']} keep-alive clients "
        f"at scale {args.scale} ({figures['site_urls']} URLs), p50 {figures['p50_ms']} ms, "
        f"p99 {figures['p99_ms']} ms, started in {figures['startup_s']} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
