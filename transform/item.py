"""What an extractor hands to the merge step: one page's record plus the small keys merging needs.

An extractor sees one captured page. Whether that page is the item's canonical URL or its print
view, which media it uses and which other items it links to only becomes useful once every page
has been seen, so each extraction carries those facts next to its provisional record.
"""

from __future__ import annotations

from dataclasses import dataclass

from moha_migrate.records import Record

__all__ = ["ExtractedItem", "ItemKey", "NotAnItem"]

ItemKey = tuple[str, str]
"""(kind, identity): ("article", "20004"), ("document", "1503"), ("page", "lien-he")."""


@dataclass(frozen=True, slots=True)
class ExtractedItem:
    """One page's extraction.

    record: the record as this page shows it; `old_urls` holds only this page's URL, image and
        attachment digests are not filled in yet, `related` holds the links as found.
    key: the item's identity, shared by every URL that shows it.
    rank: how good a source this page is for the item's content (0 = canonical page; the merge
        keeps the content of the lowest rank and the URLs of all).
    canonical_url: the item's canonical URL when this page proves it (its own URL, or a link on it).
    media_urls: /Uploads/ URLs the item uses (for media `referenced_by`).
    fallback: True when no known template matched and a generic extractor was used.
    payload_sha256: digest of the page's bytes: another URL serving the same bytes reuses this.
    missing: fields this page cannot show (a print view names no category); such a page gives
        the item its URL but not its content, unless no better page was captured.
    """

    record: Record
    key: ItemKey
    rank: int
    canonical_url: str | None
    media_urls: tuple[str, ...] = ()
    fallback: bool = False
    missing: tuple[str, ...] = ()
    payload_sha256: str = ""


@dataclass(frozen=True, slots=True)
class NotAnItem:
    """A page that is, by its content, not an item (soft 404, error page): skipped, not an error."""

    reason: str
