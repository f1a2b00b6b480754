"""The crawler's sections of the site profile, typed: [scope], [traps], [canonical], [politeness].

The profile TOML (moha_migrate/profiles/moha.gov.vn.toml, or `--profile FILE`) says what the
crawler may fetch and how politely; this module turns those sections into one frozen `CrawlRules`
with defaults for absent keys, and raises ConfigError naming the key and file for a bad value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from moha_migrate.errors import ConfigError
from moha_migrate.profile import SiteProfile

KNOWN = {
    "scope": {"hosts", "exclude"},
    "traps": {"strip_session_paths", "max_query_length", "max_path_depth", "max_hops", "max_url_length",
              "soft404_markers", "calendar"},
    "canonical": {"fold_www", "sort_query", "strip_session", "drop_params"},
    "politeness": {"obey_robots", "crawl_delay_s", "concurrency_per_host", "user_agent", "operator"},
}


@dataclass(frozen=True, slots=True)
class CalendarTrap:
    """An endless date-paged widget: only dates inside [not_before, not_after] are followed."""

    path: str
    param: str
    not_before: date
    not_after: date


@dataclass(frozen=True, slots=True)
class CrawlRules:
    """Everything the spider and the frontier need from the profile."""

    source: str
    hosts: frozenset[str]
    canonical_host: str
    exclude: tuple[re.Pattern[str], ...]
    strip_session_paths: bool
    max_query_length: int
    max_path_depth: int
    max_hops: int
    max_url_length: int
    soft404_markers: tuple[bytes, ...]
    calendars: tuple[CalendarTrap, ...]
    fold_www: bool
    sort_query: bool
    strip_session: bool
    drop_params: frozenset[str]
    obey_robots: bool
    crawl_delay_s: float | None
    concurrency_per_host: int
    user_agent: str
    operator: str


def _section(raw: dict[str, Any], name: str, source: str) -> dict[str, Any]:
    section = raw.get(name, {})
    if not isinstance(section, dict):
        raise ConfigError(f"profile {source}: [{name}] must be a table")
    unknown = set(section) - KNOWN[name]
    if unknown:
        raise ConfigError(f"profile {source}: unknown key(s) in [{name}]: {', '.join(sorted(unknown))}")
    return section


def _date(value: Any, key: str, source: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ConfigError(f"profile {source}: [traps.calendar] {key} = {value!r} is not a date") from exc


def load_rules(profile: SiteProfile) -> CrawlRules:
    """The crawler's rules from a loaded profile (defaults for absent keys)."""
    src = profile.source
    scope = _section(profile.raw, "scope", src)
    traps = _section(profile.raw, "traps", src)
    canonical = _section(profile.raw, "canonical", src)
    polite = _section(profile.raw, "politeness", src)
    try:
        exclude = tuple(re.compile(p) for p in scope.get("exclude", []))
    except re.error as exc:
        raise ConfigError(f"profile {src}: [scope] exclude: bad pattern {exc.pattern!r}: {exc}") from exc
    cal = traps.get("calendar", [])
    if isinstance(cal, dict):
        cal = [cal]
    try:
        calendars = tuple(
            CalendarTrap(c["path"], c.get("param", "date"), _date(c["not_before"], "not_before", src),
                         _date(c["not_after"], "not_after", src))
            for c in cal
        )
        delay = polite.get("crawl_delay_s")
        return CrawlRules(
            source=src,
            hosts=frozenset(h.lower() for h in scope.get("hosts", profile.hosts)),
            canonical_host=profile.canonical_host,
            exclude=exclude,
            strip_session_paths=bool(traps.get("strip_session_paths", True)),
            max_query_length=int(traps.get("max_query_length", 256)),
            max_path_depth=int(traps.get("max_path_depth", 12)),
            max_hops=int(traps.get("max_hops", 30)),
            max_url_length=int(traps.get("max_url_length", 2048)),
            soft404_markers=tuple(m.encode("utf-8") for m in traps.get("soft404_markers", [])),
            calendars=calendars,
            fold_www=bool(canonical.get("fold_www", True)),
            sort_query=bool(canonical.get("sort_query", True)),
            strip_session=bool(canonical.get("strip_session", True)),
            drop_params=frozenset(canonical.get("drop_params", [])),
            obey_robots=bool(polite.get("obey_robots", True)),
            crawl_delay_s=None if delay is None else float(delay),
            concurrency_per_host=int(polite.get("concurrency_per_host", 4)),
            user_agent=str(polite.get("user_agent", "moha-migrate/0.1 (archival crawl; +https://moha.gov.vn/)")),
            operator=str(polite.get("operator", "")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"profile {src}: missing or invalid crawler key {exc}") from exc
