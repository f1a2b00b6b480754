"""Decide what a captured response is: an item page (article, document, page), a media file, or
something that never becomes a record (listing, trap, error, soft 404, other host).

URL patterns come from the site profile's `[transform.patterns]` section, so a capture of another
skin or period of the site needs a profile edit, not a code change. A matched pattern's named
groups give the item key (`item` = ItemID, `doc` = DocID, `slug`). The content check (soft 404)
runs on the decoded text by the extractors, which know where the page's text is.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote, urlsplit

from moha_migrate.errors import ConfigError
from moha_migrate.profile import SiteProfile
from moha_migrate.urls import SESSION_IN_PATH, SITE_HOSTS

log = logging.getLogger(__name__)

__all__ = ["Classification", "UrlRules", "classify_url"]

Verdict = Literal["article", "document", "page", "media", "skip", "unknown", "offsite", "session"]
_PATTERN_KINDS = ("article", "document", "page", "media", "skip")


@dataclass(frozen=True, slots=True)
class Classification:
    """What a URL holds by its pattern, with the key groups of the pattern that matched."""

    verdict: Verdict
    item: int | None = None
    doc: int | None = None
    slug: str | None = None
    category: str | None = None
    tabid: int | None = None
    pattern: str = ""
    pattern_index: int = 0
    """Position of the matching pattern in its kind's list: 0 is the canonical form."""


@dataclass(frozen=True, slots=True)
class UrlRules:
    """The compiled `[transform.patterns]` of a site profile."""

    patterns: tuple[tuple[str, int, re.Pattern[str]], ...]
    soft_404: tuple[str, ...]

    @classmethod
    def from_profile(cls, profile: SiteProfile) -> UrlRules:
        """Compile the profile's patterns; ConfigError names a missing section or bad regex."""
        section = profile.raw.get("transform", {}).get("patterns")
        if not isinstance(section, dict):
            raise ConfigError(f"profile {profile.source}: no [transform.patterns] section")
        compiled = []
        for kind in _PATTERN_KINDS:
            for index, raw in enumerate(section.get(kind, [])):
                try:
                    compiled.append((kind, index, re.compile(raw, re.IGNORECASE)))
                except re.error as exc:
                    raise ConfigError(f"profile {profile.source}: [transform.patterns] {kind}: bad regex {raw!r}: {exc}") from exc
        soft = tuple(section.get("soft_404", ())) or tuple(profile.raw["transform"].get("soft_404", ()))
        return cls(patterns=tuple(compiled), soft_404=soft)


def url_target(url: str) -> tuple[str, str, bool]:
    """(host, "path?query" with percent-escapes undone, whether a session segment was removed)."""
    parts = urlsplit(url)
    path = unquote(parts.path or "/")
    stripped = SESSION_IN_PATH.sub("", path) or "/"
    target = stripped + (f"?{unquote(parts.query)}" if parts.query else "")
    return (parts.hostname or "").lower(), target, stripped != path


def classify_url(url: str, rules: UrlRules) -> Classification:
    """Classify one captured URL by the profile's patterns (first match wins, in the order
    article, document, page, media, skip); URLs carrying a cookieless session token are traps."""
    host, target, had_session = url_target(url)
    if host not in SITE_HOSTS:
        return Classification("offsite")
    if had_session:
        return Classification("session")
    for kind, index, pattern in rules.patterns:
        m = pattern.search(target)
        if not m:
            continue
        groups = m.groupdict()
        return Classification(
            verdict=kind,  # type: ignore[arg-type]
            item=int(groups["item"]) if groups.get("item") else None,
            doc=int(groups["doc"]) if groups.get("doc") else None,
            slug=groups.get("slug"),
            category=groups.get("cat"),
            tabid=int(groups["tabid"]) if groups.get("tabid") else None,
            pattern=pattern.pattern,
            pattern_index=index,
        )
    return Classification("unknown")
