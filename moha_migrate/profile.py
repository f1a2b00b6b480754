"""The site profile: a TOML file of facts about the legacy site that every stage shares.

The default profile for moha.gov.vn ships in the package (profiles/moha.gov.vn.toml); `--profile`
replaces it. Stages read the sections they need from `SiteProfile.raw` through typed accessors
defined next to the code that uses them; the shared parts (hosts, categories) are typed here.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from moha_migrate.errors import ConfigError

DEFAULT_PROFILE = "moha.gov.vn.toml"


@dataclass(frozen=True, slots=True)
class Category:
    """A news category of the legacy site."""

    slug: str
    name: str
    tabid: int
    catid: int
    paging: str


@dataclass(frozen=True, slots=True)
class SiteProfile:
    """A parsed site profile; `raw` keeps every section for the stage that owns it."""

    source: str
    canonical_host: str
    hosts: tuple[str, ...]
    start_urls: tuple[str, ...]
    categories: tuple[Category, ...]
    documents_tabid: int
    raw: dict[str, Any]

    def category_by_slug(self, slug: str) -> Category | None:
        return next((c for c in self.categories if c.slug == slug), None)

    def category_by_tabid(self, tabid: int) -> Category | None:
        return next((c for c in self.categories if c.tabid == tabid), None)


def load_profile(path: Path | None = None) -> SiteProfile:
    """Read a profile TOML (the packaged default when `path` is None); ConfigError names the file."""
    if path is None:
        text = resources.files("moha_migrate.profiles").joinpath(DEFAULT_PROFILE).read_text("utf-8")
        source = f"(built-in) {DEFAULT_PROFILE}"
    else:
        try:
            text = Path(path).read_text("utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read profile {path}: {exc.strerror}") from exc
        source = str(path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"profile {source}: {exc}") from exc
    try:
        site = raw["site"]
        categories = tuple(
            Category(c["slug"], c["name"], int(c["tabid"]), int(c["catid"]), c.get("paging", "query"))
            for c in raw.get("categories", [])
        )
        return SiteProfile(
            source=source,
            canonical_host=site["canonical_host"],
            hosts=tuple(site["hosts"]),
            start_urls=tuple(site.get("start_urls", [f"http://{site['canonical_host']}/"])),
            categories=categories,
            documents_tabid=int(raw.get("documents", {}).get("tabid", 0)),
            raw=raw,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"profile {source}: missing or invalid key {exc}") from exc
