"""The new portal's URL scheme: one function that transform (link rewriting) and the loaders
(redirect map, rows) both call, so a rewritten link and a redirect can never disagree.

- article:  /tin-tuc/<category>/<title-slug>-<item_id>
- document: /van-ban/<number-slug>-<doc_id>
- page:     /gioi-thieu/<slug>
- media:    /media/<sha256[:2]>/<sha256[:16]>/<file-name-slug>.<ext>
"""

from __future__ import annotations

import posixpath
from urllib.parse import unquote, urlsplit

from moha_migrate.records import Article, Document, Media, Page, Record
from moha_migrate.slugs import slugify


def article_path(category: str, title: str, item_id: int) -> str:
    return f"/tin-tuc/{category}/{slugify(title)}-{item_id}"


def document_path(number: str, doc_id: int) -> str:
    return f"/van-ban/{slugify(number)}-{doc_id}"


def page_path(slug: str) -> str:
    return f"/gioi-thieu/{slug}"


def media_path(sha256: str, url: str) -> str:
    name = posixpath.basename(unquote(urlsplit(url).path))
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, "bin"
    return f"/media/{sha256[:2]}/{sha256[:16]}/{slugify(stem, 60)}.{slugify(ext, 8)}"


def new_path(record: Record) -> str:
    """The path of `record` on the new portal (no host: every redirect stays on the portal)."""
    if isinstance(record, Article):
        return article_path(record.category, record.title, record.item_id)
    if isinstance(record, Document):
        return document_path(record.number, record.doc_id)
    if isinstance(record, Page):
        return page_path(record.slug)
    if isinstance(record, Media):
        return media_path(record.sha256, record.url)
    raise TypeError(f"not a record: {record!r}")
