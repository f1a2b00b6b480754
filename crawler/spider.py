"""MohaSpider: seeds, scope, link following and ASP.NET postback paging over the legacy site.

It parses only what it must: HTML and CSS responses, by regular expression (crawler.links); media
bodies never reach it. Each link is cleaned and judged against the profile (crawler.traps) — skipped
links are logged, never requested. Listing pages whose pager is an ASP.NET postback are paged as a
browser would: the page's form (with __VIEWSTATE/__EVENTVALIDATION) submitted with __EVENTTARGET /
__EVENTARGUMENT set, one POST per page number (the frontier key ignores the changing view state).

The spider also owns the crawl's shared state (rules, journal, digest index), which the Scrapy
components reach through `crawler.spider`.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import scrapy
from scrapy import FormRequest, Request
from scrapy.exceptions import ScrapyDeprecationWarning
from scrapy.http import HtmlResponse, Response, TextResponse

from crawler.crawllog import CrawlLog
from crawler.dedup import DigestIndex
from crawler.frontier import KEY_META, POSTBACK_META, request_key
from crawler.links import (
    decode_html,
    iter_css_links,
    iter_postbacks,
    iter_raw_links,
    page_base,
    resolve,
    sniff_charset,
    with_event,
)
from crawler.rules import CrawlRules, load_rules
from crawler.state import Journal, ResumePlan, entry_to_request
from crawler.traps import clean_link, crawl_priority, frontier_key, judge_url, too_many_hops
from moha_migrate.profile import load_profile

log = logging.getLogger(__name__)

_FORM_WITH_VIEWSTATE = '//form[.//input[@name="__VIEWSTATE"]]'
LINK_CACHE_MAX = 20_000
# Page 1 of a postback listing is the GET page itself; the pager's Page$1 would capture it twice.
_FIRST_PAGE = "Page$1"


class MohaSpider(scrapy.Spider):
    """Crawl the site from its start URLs within the profile's scope."""

    name = "moha"

    def __init__(self, *args: Any, resume_plan: ResumePlan | None = None,
                 digest_index: DigestIndex | None = None, redis_server: Any = None, redis_prefix: str = "",
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.redis_server = redis_server  # --redis: the crawl's shared Redis (robots.txt, busy workers)
        self.redis_prefix = redis_prefix
        self.rules: CrawlRules
        self.start_urls_list: list[str] = []
        self.journal: Journal
        self.digest_index: DigestIndex = digest_index if digest_index is not None else DigestIndex()
        self.plan: ResumePlan | None = resume_plan
        self.crawl_log: CrawlLog | None = None
        self._skips_logged: set[str] = set()
        self._link_cache: dict[str, tuple[str | None, str, str | None]] = {}
        self._yielded: set[str] = set()  # frontier keys this process already handed to the scheduler
        self._max_skip_log = 200_000

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> MohaSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.rules = load_rules(load_profile(settings.get("MOHA_PROFILE")))
        spider.start_urls_list = list(settings.getlist("MOHA_START_URLS"))
        state_dir = Path(settings.get("MOHA_OUT")) / "state"
        state_dir.mkdir(parents=True, exist_ok=True)
        seen = set(spider.plan.seen) if spider.plan else set()
        spider.journal = Journal(state_dir / "frontier.jsonl", seen)
        return spider

    # -- seeds -------------------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Any]:
        plan = self.plan
        if plan is None or not (plan.seen or plan.log_entries):
            for url in self.start_urls_list:
                yield self.link_request(url, hops="", referrer=None)
            return
        for entry in plan.reparse:
            for request in self._reparse(entry):
                yield request
        # A redirect fetched just before the crash may not have had its target scheduled yet:
        # offer every redirect target again; the seen set drops those already known.
        for entry in plan.log_entries:
            if entry.get("kind") == "fetch" and entry.get("location") and entry.get("final", True):
                yield Request(entry["location"], callback=self.parse,
                              meta={"moha_hops": entry.get("hops", "") + "R", "moha_referrer": entry.get("referrer")})
        for entry in plan.pending:
            yield entry_to_request(entry, self.parse)
        log.info("resumed: %d pending requests, %d pages re-parsed", len(plan.pending), len(plan.reparse))

    def _reparse(self, entry: dict[str, Any]) -> Iterator[Request]:
        """Links of a page captured before a crash but never parsed, read back from its WARC."""
        from crawler.readback import read_payload  # only needed on resume

        assert self.plan is not None
        source = entry
        if entry.get("type") == "revisit" and entry.get("refers_to") in self.plan.records:
            source = self.plan.records[entry["refers_to"]]
        out = Path(self.settings.get("MOHA_OUT")) / "warc"
        body, headers = read_payload(out / source["warc"], int(source["offset"]))
        response = HtmlResponse(url=entry["url"], body=body, headers=headers, status=200,
                                request=Request(entry["url"], meta={"moha_hops": entry.get("hops", "")}))
        yield from self._follow(response, entry["url"], entry.get("hops", ""))
        self.journal.mark_parsed(entry["key"])

    def known_robots(self, robots_url: str) -> bytes | None:
        """A robots.txt body already captured by this crawl (resume), else None."""
        if self.plan is None:
            return None
        entry = self.plan.robots.get(robots_url)
        if entry is None:
            return None
        from crawler.readback import read_payload

        body, _ = read_payload(Path(self.settings.get("MOHA_OUT")) / "warc" / entry["warc"], int(entry["offset"]))
        return body

    # -- parsing -----------------------------------------------------------------------------------
    def parse(self, response: Response) -> Iterator[Request]:
        if response.status != 200 or not response.body:
            return
        hops = response.meta.get("moha_hops", "") + "R" * int(response.meta.get("redirect_times", 0))
        yield from self._follow(response, response.url, hops)
        self.journal.mark_parsed(request_key(response.request, self.rules))

    def _follow(self, response: Response, url: str, hops: str) -> Iterator[Request]:
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        charset = sniff_charset(content_type, response.body)
        text = decode_html(response.body, charset)
        if "text/css" in content_type.lower():
            raw_links: Iterable[tuple[str, bool]] = ((m.url, True) for m in iter_css_links(text, url))
        else:
            raw_links = iter_raw_links(text)
        base = page_base(text, url)
        root = base[: base.find("/", 8)] if base.find("/", 8) > 0 else base
        too_deep = {False: too_many_hops(hops + "L", self.rules), True: too_many_hops(hops + "E", self.rules)}
        for raw, embed in raw_links:
            # Most links of a page (menus, calendar, footer) were seen on the previous page: the
            # decision per link text is cached, and known URLs never become a Request again.
            cache_key = raw if raw.startswith("http") else (root + raw if raw.startswith("/") else base + "\0" + raw)
            decision = self._link_cache.get(cache_key)
            if decision is None:
                decision = self._decide(raw, base)
                if len(self._link_cache) > LINK_CACHE_MAX:
                    self._link_cache.clear()
                self._link_cache[cache_key] = decision
            target, key, reason = decision
            if target is None or key in self._yielded:
                continue
            hop = hops + ("E" if embed else "L")
            if reason is None and too_deep[embed]:
                reason = "trap:max-hops"
            if reason:
                self.log_skip(target, reason, url, hop)
                continue
            self._yielded.add(key)
            yield self.link_request(target, hops=hop, referrer=url, key=key)
        if "__doPostBack" in text and isinstance(response, TextResponse):
            yield from self._postbacks(response, text, url, hops)

    def _decide(self, raw: str, base: str) -> tuple[str | None, str, str | None]:
        """(URL to request or None, its frontier key, skip reason or None) for one link text."""
        resolved = resolve(raw, base)
        if resolved is None:
            return None, "", None
        target = clean_link(resolved, self.rules)
        return target, frontier_key(target, self.rules), judge_url(target, self.rules)

    def _postbacks(self, response: TextResponse, text: str, url: str, hops: str) -> Iterator[Request]:
        """One POST per pager page not yet handed to the scheduler, built from one parse of the form.

        Every listing page repeats the pager (pages 1-10, then 11-20, ...): most of its postbacks
        were already submitted from the previous page, and `FormRequest.from_response` parses the
        whole page with lxml on each call. So the keys are checked first, the form is read once,
        and each page number only swaps __EVENTTARGET / __EVENTARGUMENT in the same form body.
        """
        hop = hops + "X"
        page_key = frontier_key(url, self.rules)
        template: FormRequest | None = None
        for target, argument in iter_postbacks(text):
            if argument == _FIRST_PAGE:
                continue
            seen_key = f"POST {page_key} {target} {argument}"
            if seen_key in self._yielded:
                continue
            if too_many_hops(hop, self.rules):
                self.log_skip(url, "trap:max-hops", url, hop)
                continue
            if template is None:
                template = self._pager_form(response, url, target, argument)
                if template is None:
                    return
            self._yielded.add(seen_key)
            yield template.replace(
                body=with_event(template.body, target, argument, response.encoding), priority=crawl_priority(hop),
                meta={"moha_hops": hop, "moha_referrer": url, POSTBACK_META: (target, argument)},
            )

    def _pager_form(self, response: TextResponse, url: str, target: str, argument: str) -> FormRequest | None:
        """The page's view-state form as the browser would submit it, or None (logged) if it has none."""
        try:
            # Scrapy 2.19 points to the form2request package for this; it is not a dependency
            # of ours and from_response does exactly what a browser does with the form.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ScrapyDeprecationWarning)
                request = FormRequest.from_response(
                    response, formxpath=_FORM_WITH_VIEWSTATE, dont_click=True,
                    formdata={"__EVENTTARGET": target, "__EVENTARGUMENT": argument},
                    callback=self.parse, headers={"Referer": url},
                )
        except ValueError as exc:
            log.warning("%s: pager postback %s %s not submitted: %s", url, target, argument, exc)
            return None
        return request if request.method == "POST" else None

    def link_request(self, url: str, *, hops: str, referrer: str | None, key: str | None = None) -> Request:
        """The request for a link: GET, breadth-first priority, hop path, referrer, frontier key.

        crawler.pending stores waiting requests of exactly this shape as tuples and calls this
        again to make them when they are due.
        """
        meta: dict[str, Any] = {"moha_hops": hops, "moha_referrer": referrer}
        if key is not None:
            meta[KEY_META] = (url, key)  # valid for this URL only: a redirect copies meta
        headers = {"Referer": referrer} if referrer else None
        return Request(url, callback=self.parse, meta=meta, headers=headers, priority=crawl_priority(hops))

    def log_skip(self, url: str, reason: str, referrer: str | None, hops: str) -> None:
        """One crawl-log line per skipped URL and reason (bounded), never a request."""
        key = reason + " " + url
        if key in self._skips_logged or len(self._skips_logged) >= self._max_skip_log:
            return
        self._skips_logged.add(key)
        self.crawler.stats.inc_value(f"moha/skipped/{reason}")
        if self.crawl_log is not None:
            self.crawl_log.write({
                "kind": "skip", "t": datetime.now(UTC).isoformat(timespec="milliseconds"), "url": url,
                "reason": reason, "referrer": referrer, "hops": hops,
            })
