"""Politeness: robots.txt's Crawl-delay is honoured unless --ignore-crawl-delay (tests only)."""

from __future__ import annotations

from pathlib import Path

from crawler.run import crawl_site
from crawler.settings import CrawlOptions
from tests.crawler.miniserver import MiniServer


def intervals(times: list[float]) -> list[float]:
    return [b - a for a, b in zip(times, times[1:])]


def test_crawl_delay_from_robots_txt_is_honoured_by_default(tmp_path: Path) -> None:
    with MiniServer() as server:  # its robots.txt says Crawl-delay: 1
        crawl_site(CrawlOptions(out=tmp_path / "c", proxy=server.proxy_url, max_pages=5, concurrency=8))
        gaps = intervals(server.times[1:])  # after robots.txt, one request at a time, a second apart
    assert len(gaps) >= 4
    assert min(gaps) >= 0.45 and sum(gaps) / len(gaps) >= 0.8  # Scrapy's jitter: 0.5-1.5 x the delay


def test_ignore_crawl_delay_goes_full_speed(tmp_path: Path) -> None:
    with MiniServer() as server:
        crawl_site(CrawlOptions(out=tmp_path / "c", proxy=server.proxy_url, max_pages=20, ignore_crawl_delay=True))
        gaps = intervals(server.times[1:])
    assert len(gaps) >= 19 and sum(gaps) / len(gaps) < 0.2
