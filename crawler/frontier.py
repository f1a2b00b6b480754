"""The frontier's identity of a request and the seen set that makes each one fetched once.

`request_key` folds what the site profile says are the same resource (crawler.traps.frontier_key)
and, for an ASP.NET pager postback, adds the event target and argument but not the ever-changing
__VIEWSTATE: page 3 of a listing is one page however it was reached. The same key feeds Scrapy's
request fingerprinter (so scrapy-redis's shared dupefilter agrees) and `JournalDupeFilter`, which
appends each newly seen request to `state/frontier.jsonl`, the persistent frontier `--resume` reads.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from scrapy import Request
from scrapy.dupefilters import BaseDupeFilter

from crawler.rules import CrawlRules, load_rules
from crawler.traps import frontier_key
from moha_migrate.profile import load_profile

log = logging.getLogger(__name__)

POSTBACK_META = "moha_postback"
KEY_META = "moha_key"  # (url, key) computed by the spider; reused while the request keeps that URL


def request_key(request: Request, rules: CrawlRules) -> str:
    """The frontier key of a request (URL key; POST postbacks add target and argument)."""
    cached = request.meta.get(KEY_META)
    if cached is not None and cached[0] == request.url and request.method == "GET":
        return cached[1]
    key = frontier_key(request.url, rules)
    postback = request.meta.get(POSTBACK_META)
    if postback:
        return f"POST {key} {postback[0]} {postback[1]}"
    if request.method != "GET":
        return f"{request.method} {key} {hashlib.sha1(request.body).hexdigest()}"
    return key


def rules_from_settings(settings: Any) -> CrawlRules:
    """The crawl rules named by the settings (MOHA_PROFILE path or the packaged default)."""
    path = settings.get("MOHA_PROFILE")
    return load_rules(load_profile(path))


class FrontierFingerprinter:
    """REQUEST_FINGERPRINTER_CLASS: sha1 of `request_key`."""

    def __init__(self, crawler: Any) -> None:
        self.rules = rules_from_settings(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler: Any) -> FrontierFingerprinter:
        return cls(crawler)

    def fingerprint(self, request: Request) -> bytes:
        return hashlib.sha1(request_key(request, self.rules).encode("utf-8")).digest()


class JournalDupeFilter(BaseDupeFilter):
    """Seen set in memory, journalled to the state directory so `--resume` can rebuild it."""

    def __init__(self, journal: Any, rules: CrawlRules) -> None:
        self.journal = journal
        self.rules = rules

    @classmethod
    def from_crawler(cls, crawler: Any) -> JournalDupeFilter:
        spider = crawler.spider  # the spider owns the journal (crawler.spider docstring)
        return cls(spider.journal, spider.rules)

    def request_seen(self, request: Request) -> bool:
        key = request_key(request, self.rules)
        return not self.journal.add(key, request)

    def log(self, request: Request, spider: Any) -> None:
        """Duplicates are the normal case (every page links the menus): counted, not logged."""
        spider.crawler.stats.inc_value("moha/duplicates_filtered")

    def close(self, reason: str) -> None:
        self.journal.close()
