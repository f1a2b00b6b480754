"""Which discovered links the crawler follows: scope, exclusions and trap rules, as pure functions.

A link is rewritten first (`clean_link`: cookieless session segments removed, fragment dropped),
then judged (`judge_link`): None means follow, otherwise the reason it is skipped, which goes to
the crawl log. The traps are the legacy site's (legacy-site.md): ASP.NET cookieless sessions in the
path, the endless work calendar `/LichCongTac.aspx?date=`, the search page echoing growing queries;
generic caps (query length, path depth, hops) stop any trap the profile does not name.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from crawler.rules import CrawlRules
from moha_migrate.urls import SESSION_IN_PATH, normalize_url


def clean_link(url: str, rules: CrawlRules) -> str:
    """The URL to request for a link: no fragment, no session segment (when the profile says so)."""
    url = url.split("#", 1)[0]
    if rules.strip_session_paths and "/(" in url:
        parts = urlsplit(url)
        path = SESSION_IN_PATH.sub("", parts.path) or "/"
        url = urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))
    return url


def frontier_key(url: str, rules: CrawlRules) -> str:
    """The key under which a URL is fetched once (www/bare host, query order, session, fragment)."""
    parts = urlsplit(normalize_url(url))
    host = parts.netloc
    if rules.fold_www and host.startswith("www.") and host[4:] in rules.hosts:
        host = host[4:]
    path = parts.path
    if rules.strip_session:
        path = SESSION_IN_PATH.sub("", path) or "/"
    query = parts.query
    if query and (rules.sort_query or rules.drop_params):
        pairs = parse_qsl(query, keep_blank_values=True)
        if rules.drop_params:
            pairs = [(k, v) for k, v in pairs if k not in rules.drop_params]
        if rules.sort_query:
            pairs.sort()
        query = urlencode(pairs, quote_via=quote, safe="%")
    return urlunsplit((parts.scheme, host, path, query, ""))


MAX_EMBED_HOPS = 3
"""Embeds in a row a page may pull in (a stylesheet's image, a frame's script), as Heritrix's
`maxTransHops`."""


def too_many_hops(hops: str, rules: CrawlRules) -> bool:
    """True when the hop path `hops` goes past the profile's `max_hops`.

    As in Heritrix, `max_hops` bounds navigation (links, postbacks, redirects); the embeds of a page
    that was fetched are always captured, up to MAX_EMBED_HOPS in a row. Otherwise a page first
    reached by a long chain (the crawl order decides which path comes first) would be archived
    without its images, and which images went missing would change from crawl to crawl.
    """
    embeds_in_a_row = len(hops) - len(hops.rstrip("E"))
    return len(hops) - hops.count("E") > rules.max_hops or embeds_in_a_row > MAX_EMBED_HOPS


def crawl_priority(hops: str) -> int:
    """The Scrapy priority of a request reached by the hop path `hops` (higher goes first).

    Breadth-first by navigation hops: every page n hops from the start is requested before any
    page n + 1 hops away, so a page is first reached by one of its shortest paths and `max_hops`
    cuts traps only. (Scrapy's default order is depth-first: the site's "older news" lists chain
    every article to the next, so pages were first reached 25 hops deep and their aliases and
    attachments cut off.) A page's embeds come right after the pages of its depth.
    """
    navigation = len(hops) - hops.count("E")
    return -2 * navigation - (1 if hops.endswith("E") else 0)


def judge_link(url: str, hops: str, rules: CrawlRules) -> str | None:
    """None to follow `url` (reached by hop path `hops`), else the reason it is skipped."""
    if too_many_hops(hops, rules):
        return "trap:max-hops"
    return judge_url(url, rules)


def judge_url(url: str, rules: CrawlRules) -> str | None:
    """The part of `judge_link` that depends on the URL alone (so a crawler may cache it)."""
    parts = urlsplit(url)
    if parts.scheme != "http":  # the legacy site never served https; the download handler is http-only
        return "scheme"
    if (parts.hostname or "").lower() not in rules.hosts:
        return "out-of-scope"
    local = parts.path + ("?" + parts.query if parts.query else "")
    for pattern in rules.exclude:
        if pattern.search(local):
            return "excluded"
    if len(url) > rules.max_url_length:
        return "trap:url-length"
    if len(parts.query) > rules.max_query_length:
        return "trap:query-length"
    if parts.path.count("/") > rules.max_path_depth:
        return "trap:path-depth"
    if rules.calendars and parts.query:
        reason = _calendar_reason(parts.path, parts.query, rules)
        if reason:
            return reason
    return None


def _calendar_reason(path: str, query: str, rules: CrawlRules) -> str | None:
    lowered = path.lower()
    for cal in rules.calendars:
        if lowered != cal.path.lower():
            continue
        for key, value in parse_qsl(query, keep_blank_values=True):
            if key.lower() != cal.param.lower():
                continue
            try:
                day = date.fromisoformat(value[:10])
            except ValueError:
                return "trap:calendar-date"
            if not (cal.not_before <= day <= cal.not_after):
                return "trap:calendar-date"
    return None
