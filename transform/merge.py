"""Fold every page of one item (canonical, aliases, print view, www. form, redirect chains) into one
record with all its old URLs, fill in media digests, map related links, and rewrite body links.

Memory stays small whatever the capture: each extraction is spooled to a temporary JSONL file as
soon as it is made, and only small keys stay in memory (item key -> spool offsets, URL -> item,
media digests). Once every page has been seen, `iter_records` reads each item's best extraction
back (the lowest rank: the canonical page before aliases and print views), completes it and yields
it, streaming. Links in body HTML are rewritten with `moha_migrate.newurls.new_path`, the function
the loaders' redirect map uses, so a rewritten link and a redirect always agree.
"""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import IO
from urllib.parse import urljoin, urlsplit

from moha_migrate.errors import ConfigError, RecordError
from moha_migrate.newurls import media_path, new_path
from moha_migrate.profile import SiteProfile
from moha_migrate.records import (
    Article,
    Attachment,
    Document,
    Image,
    Media,
    Page,
    Provenance,
    Record,
    record_from_dict,
    record_to_dict,
)
from moha_migrate.slugs import slugify
from moha_migrate.urls import comparable, normalize_url
from transform.classify import UrlRules, classify_url
from transform.item import ExtractedItem, ItemKey
from transform.media import file_name
from transform.sanitize import sanitize_html

log = logging.getLogger(__name__)

__all__ = ["ItemSet", "MergeProblem"]

_CANONICAL_SLUG = re.compile(r"^/tin-tuc-su-kien/[a-z0-9-]+/(.+)-\d+\.html$", re.IGNORECASE)
_KIND_ORDER = {"article": 0, "document": 1, "page": 2, "media": 3}
MAX_REDIRECT_HOPS = 20


@dataclass(frozen=True, slots=True)
class MergeProblem:
    """An item that could not be completed (goes to errors.jsonl)."""

    warc_file: str
    offset: int
    url: str
    reason: str


@dataclass(slots=True)
class _Entry:
    rank: int
    spool_offset: int
    url: str
    canonical_url: str | None
    fallback: bool
    new_path: str
    source_url: str
    """The item's source_url as this page alone shows it (its canonical URL, or one built from it)."""
    missing: tuple[str, ...]
    provenance: Provenance | None = None
    """Set on a page whose bytes were already extracted under another URL (its own capture)."""


@dataclass(slots=True)
class _MediaFile:
    sha256: str
    size: int
    mime: str
    urls: list[str] = field(default_factory=list)
    provenance: Provenance | None = None


def _bare(url: str) -> str:
    return url.replace("http://www.moha.gov.vn/", "http://moha.gov.vn/", 1)


class ItemSet:
    """Every item seen in a capture, held as small keys; the extractions themselves are spooled."""

    def __init__(self, spool: IO[bytes], rules: UrlRules, profile: SiteProfile) -> None:
        self._spool = spool
        self._rules = rules
        self._profile = profile
        self._items: dict[ItemKey, list[_Entry]] = defaultdict(list)
        self._url_item: dict[str, ItemKey] = {}
        self._media: dict[str, _MediaFile] = {}  # sha256 -> file
        self._media_url: dict[str, str] = {}  # comparable url -> sha256
        self._redirects: dict[str, tuple[str, str]] = {}  # comparable url -> (url, target)
        self._uses: dict[str, set[ItemKey]] = defaultdict(set)  # comparable media url -> items
        self._sources: dict[ItemKey, str] = {}  # filled by iter_records
        self._extracted: dict[tuple[str, ItemKey], _Entry] = {}  # (payload sha256, item) -> entry
        self.problems: list[MergeProblem] = []

    # ---------------------------------------------------------------- collecting

    def add_item(self, extracted: ExtractedItem) -> None:
        """Remember one page's extraction (spooled) under its item key."""
        record = extracted.record
        url = record.old_urls[0]
        # spooled records are read back through the validator, which wants source_url in old_urls
        spooled = replace(record, old_urls=tuple(sorted({url, record.source_url})))
        line = json.dumps(record_to_dict(spooled), ensure_ascii=False).encode("utf-8") + b"\n"
        self._spool.seek(0, 2)
        offset = self._spool.tell()
        self._spool.write(line)
        entry = _Entry(
            extracted.rank, offset, url, extracted.canonical_url, extracted.fallback,
            new_path(record), extracted.canonical_url or _built_source(record), extracted.missing,
        )
        self._items[extracted.key].append(entry)
        if extracted.payload_sha256:
            self._extracted[(extracted.payload_sha256, extracted.key)] = entry
        self._url_item[_key(url)] = extracted.key
        if extracted.canonical_url:
            self._url_item.setdefault(_key(extracted.canonical_url), extracted.key)
        for media_url in extracted.media_urls:
            self._uses[_key(media_url)].add(extracted.key)

    def add_duplicate(self, url: str, key: ItemKey, rank: int, payload_sha256: str, provenance: Provenance) -> bool:
        """Add `url` to an item whose page with these very bytes was already extracted (a www.
        form, an alias or a revisit serving the same payload): extraction is pure, so its result
        is reused. Return False when no such page was extracted (the caller extracts)."""
        first = self._extracted.get((payload_sha256, key))
        if first is None:
            return False
        url = normalize_url(url)
        self._items[key].append(replace(first, rank=rank, url=url, provenance=provenance))
        self._url_item[_key(url)] = key
        return True

    def add_media(self, url: str, sha256: str, size: int, mime: str, provenance: Provenance) -> None:
        """Remember one captured /Uploads/ file; the same bytes under another URL join its record."""
        url = normalize_url(url)
        media = self._media.get(sha256)
        if media is None:
            media = self._media[sha256] = _MediaFile(sha256, size, mime, [], provenance)
        if url not in media.urls:
            media.urls.append(url)
        self._media_url[_key(url)] = sha256

    def add_redirect(self, url: str, location: str) -> None:
        """Remember one redirect hop (the response's URL and its absolute Location)."""
        self._redirects[_key(url)] = (normalize_url(url), normalize_url(location))

    @property
    def item_count(self) -> int:
        return len(self._items)

    @property
    def fallback_urls(self) -> list[str]:
        return sorted(e.url for entries in self._items.values() for e in entries if e.fallback)

    # ---------------------------------------------------------------- resolving

    def _chain_starts(self) -> dict[ItemKey, list[str]]:
        """Item key -> first URLs of the redirect chains that end on the item."""
        targets = {_key(t) for _, t in self._redirects.values()}
        out: dict[ItemKey, list[str]] = defaultdict(list)
        for key, (url, target) in self._redirects.items():
            if key in targets:
                continue  # a middle hop: only the first URL of a chain is listed
            seen = {key}
            current = target
            for _ in range(MAX_REDIRECT_HOPS):
                ckey = _key(current)
                if ckey in seen:
                    log.info("redirect loop from %s; not an item", url)
                    break
                seen.add(ckey)
                if ckey in self._redirects:
                    current = self._redirects[ckey][1]
                    continue
                item = self._item_of(current)
                if item is not None:
                    out[item].append(url)
                break
        return out

    def _item_of(self, url: str) -> ItemKey | None:
        key = self._url_item.get(_key(url))
        if key is not None:
            return key
        cls = classify_url(url, self._rules)
        candidate: ItemKey | None = None
        if cls.verdict == "article" and cls.item is not None:
            candidate = ("article", str(cls.item))
        elif cls.verdict == "document" and cls.doc is not None:
            candidate = ("document", str(cls.doc))
        elif cls.verdict == "page" and cls.slug:
            candidate = ("page", cls.slug)
        return candidate if candidate in self._items else None

    def _on_every_host(self, urls: set[str]) -> set[str]:
        """Each URL on every host of the profile: the site answered the same paths on all."""
        hosts = self._profile.raw.get("transform", {}).get("aliases", {}).get("hosts", ["moha.gov.vn"])
        return {normalize_url(f"http://{host}{_path_query(u)}") for u in urls for host in hosts} | urls

    def _aliases(self, record: Record, source: str) -> set[str]:
        """Every URL form the CMS answered for the item, on every host (profile [transform.aliases])."""
        section = self._profile.raw.get("transform", {}).get("aliases", {})
        hosts = section.get("hosts", ["moha.gov.vn"])
        values: dict[str, object] = {"docs_tabid": self._profile.documents_tabid}
        if isinstance(record, Article):
            category = self._profile.category_by_slug(record.category)
            if category is None:
                return set()
            m = _CANONICAL_SLUG.match(urlsplit(source).path)
            slug = m.group(1) if m else slugify(record.title)
            values.update(category=record.category, tabid=category.tabid, catid=category.catid, slug=slug, item_id=record.item_id)
            templates = section.get("article", [])
        elif isinstance(record, Document):
            values.update(doc_id=record.doc_id)
            templates = section.get("document", [])
        elif isinstance(record, Page):
            values.update(slug=record.slug)
            templates = section.get("page", [])
        else:
            return set()
        out = set()
        for template in templates:
            try:
                path = template.format(**values)
            except (KeyError, IndexError, ValueError) as exc:
                raise ConfigError(f"profile {self._profile.source}: [transform.aliases] {template!r}: {exc}") from exc
            out.update(normalize_url(f"http://{host}{path}") for host in hosts)
        return out

    def _problem(self, entry: _Entry, reason: str) -> MergeProblem:
        try:
            prov = self._read(entry).provenance
        except RecordError:
            prov = None
        return MergeProblem(prov.warc_file if prov else "", prov.offset if prov else -1, entry.url, reason)

    def _read(self, entry: _Entry) -> Record:
        self._spool.seek(entry.spool_offset)
        return record_from_dict(json.loads(self._spool.readline()))

    # ---------------------------------------------------------------- output

    def iter_records(self) -> Iterator[Record]:
        """Yield every merged record (articles, documents, pages, then media), completed and
        validated; an item that fails validation is added to `problems` instead."""
        starts = self._chain_starts()
        media_records = self._media_records()
        media_by_sha = {m.sha256: m for m in media_records}
        paths: dict[ItemKey, str] = {}
        for key, entries in self._items.items():
            entries.sort(key=lambda e: (bool(e.missing), e.fallback, e.rank, e.url))
            paths[key] = entries[0].new_path
            self._sources[key] = next((e.canonical_url for e in entries if e.canonical_url), entries[0].source_url)

        def rewriter(base: str) -> Callable[[str, str], str | None]:
            def rewrite(tag: str, raw: str) -> str | None:
                raw = raw.strip()
                if raw.startswith("mailto:"):
                    return raw
                absolute = urljoin(base, raw)
                if not absolute.startswith(("http://", "https://")):
                    return None
                target = absolute.split("#", 1)[0]
                sha = self._media_url.get(_key(target))
                if sha is not None:
                    m = media_by_sha[sha]
                    return media_path(m.sha256, m.url)
                item = self._item_of(target)
                if item is not None:
                    return paths[item]  # the new page has no legacy anchors: the fragment goes
                return normalize_url(absolute)

            return rewrite

        for key in sorted(self._items, key=lambda k: (_KIND_ORDER[k[0]], int(k[1]) if k[1].isdigit() else 0, k[1])):
            entries = self._items[key]
            primary = entries[0]
            if primary.missing:
                self.problems.append(self._problem(primary, f"only pages that do not show its {', '.join(primary.missing)} were captured (e.g. the print view)"))
                continue
            try:
                record = self._read(primary)
                if primary.provenance is not None:
                    record = replace(record, provenance=primary.provenance)
                source = self._sources[key]
                urls = self._on_every_host({e.url for e in entries} | set(starts.get(key, ())) | {source}) | self._aliases(record, source)
                record = self._complete(record, source, sorted(urls), rewriter(source))
                record = record_from_dict(record_to_dict(record))
            except RecordError as exc:
                self.problems.append(self._problem(primary, f"record invalid: {exc}"))
                continue
            yield record
        for media in media_records:
            try:
                yield record_from_dict(record_to_dict(self._with_users(media)))
            except RecordError as exc:
                prov = media.provenance
                self.problems.append(MergeProblem(prov.warc_file if prov else "", prov.offset if prov else -1, media.url, f"record invalid: {exc}"))

    def _media_records(self) -> list[Media]:
        hosts = self._profile.raw.get("transform", {}).get("aliases", {}).get("hosts", ["moha.gov.vn"])
        out = []
        for media in self._media.values():
            bare = sorted({_bare(u) for u in media.urls})
            source = bare[0]
            urls = {normalize_url(f"http://{host}{_path_query(u)}") for u in bare for host in hosts}
            out.append(
                Media(
                    source_url=source,
                    old_urls=tuple(sorted(urls | set(media.urls) | {source})),
                    title=file_name(source),
                    provenance=media.provenance,
                    url=source,
                    sha256=media.sha256,
                    mime=media.mime,
                    size=media.size,
                    referenced_by=(),
                )
            )
        out.sort(key=lambda m: m.source_url)
        return out

    def _with_users(self, media: Media) -> Media:
        users = {self._sources[key] for url in media.old_urls for key in self._uses.get(_key(url), ())}
        return replace(media, referenced_by=tuple(sorted(users)))

    def _complete(self, record: Record, source: str, urls: list[str], rewrite: Callable[[str, str], str | None]) -> Record:
        changes: dict[str, object] = {"source_url": source, "old_urls": tuple(urls)}
        if isinstance(record, (Article, Page)):
            changes["body_html"] = sanitize_html(record.body_html, rewrite)
        if isinstance(record, Article):
            changes["images"] = tuple(self._image(i) for i in record.images)
            changes["attachments"] = tuple(self._attachment(a) for a in record.attachments)
            changes["related"] = tuple(dict.fromkeys(self._related(u) for u in record.related))
        if isinstance(record, Document):
            changes["attachments"] = tuple(self._attachment(a) for a in record.attachments)
        return replace(record, **changes)  # type: ignore[arg-type]

    def _image(self, image: Image) -> Image:
        return replace(image, sha256=self._media_url.get(_key(image.url)))

    def _attachment(self, attachment: Attachment) -> Attachment:
        sha = self._media_url.get(_key(attachment.url))
        if sha is None:
            return replace(attachment, sha256=None, size=None)
        media = self._media[sha]
        return replace(attachment, sha256=sha, mime=media.mime, size=media.size)

    def _related(self, url: str) -> str:
        item = self._item_of(url)
        return self._sources[item] if item is not None else _bare(url)


def _key(url: str) -> str:
    """Lookup key of a site URL: unquoted, NFC, bare host (www. serves the same site)."""
    return comparable(_bare(url))


def _path_query(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _built_source(record: Record) -> str:
    """The source_url of a record when no page names its canonical URL."""
    if isinstance(record, Article):
        return f"http://moha.gov.vn/tin-tuc-su-kien/{record.category}/{slugify(record.title)}-{record.item_id}.html"
    return _bare(record.source_url)
