"""The portal database: SQLAlchemy 2.x tables of the new portal plus the migration bookkeeping.

Content tables hold what a government news portal serves (categories, articles, documents, pages,
media, their images and attachments); `redirects` maps each old URL (unique after unquoting and NFC,
keyed by `url_key`) to a new path with a 301, one row answering for a path on both legacy hosts;
`redirect_claims` remembers who else asked for a URL. The bookkeeping
follows Drupal Migrate: `id_map` (one row per source_url: kind, destination id, row hash, status,
message, run) and `runs`, plus `messages` (per-line problems of a run) and `history` (the record a
run overwrote, so a rollback can put it back).

The tables are created and upgraded only by the Alembic migrations in loaders/migrations (run by
`loaders.db.connect`); tests/loaders/test_schema.py checks that the migrations and these models
agree.

Lists that the portal only ever reads whole with their row (an article's related links, the records
that use a media file) are JSON text columns, not child tables: a child row per link made the
related links alone a fifth of all rows a load writes (issue 6), and nothing queries them one by one.
Text columns that can grow large are LONGTEXT on MariaDB (its TEXT stops at 64 KiB); times
keep microseconds there too (DATETIME(6)).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

LongText = Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
Timestamp = DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
URL_LEN = 2048
PATH_LEN = 512
KEY_LEN = 64  # sha256 hex


class Base(DeclarativeBase):
    """Declarative base of every portal table."""


# ------------------------------------------------------------------------------------ content


class Category(Base):
    """A news category (chuyên mục), seeded from the site profile on every load."""

    __tablename__ = "categories"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    tabid: Mapped[int] = mapped_column(Integer)
    catid: Mapped[int] = mapped_column(Integer)


class Article(Base):
    """A news item (tin bài). `published_at` is stored in UTC with the original offset beside it."""

    __tablename__ = "articles"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(String(PATH_LEN), unique=True)
    source_url: Mapped[str] = mapped_column(String(URL_LEN))
    item_id: Mapped[int] = mapped_column(Integer, index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    title: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(Timestamp, index=True)
    published_utc_offset_min: Mapped[int] = mapped_column(Integer)
    lead: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(LongText)
    body_html: Mapped[str] = mapped_column(LongText)
    author: Mapped[str | None] = mapped_column(String(500))
    source: Mapped[str | None] = mapped_column(String(500))
    related: Mapped[str] = mapped_column(LongText, server_default="[]")
    """The source_urls of the related and older articles listed under it, in page order (a JSON list)."""


class ArticleImage(Base):
    """An image shown in an article body, in page order."""

    __tablename__ = "article_images"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(String(URL_LEN))
    caption: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(KEY_LEN), index=True)


class Document(Base):
    """A legal document (văn bản) and its attribute table."""

    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(String(PATH_LEN), unique=True)
    source_url: Mapped[str] = mapped_column(String(URL_LEN))
    doc_id: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(Text)
    number: Mapped[str] = mapped_column(String(300), index=True)
    doc_type: Mapped[str] = mapped_column(String(300))
    issuer: Mapped[str] = mapped_column(String(500))
    signer: Mapped[str | None] = mapped_column(String(500))
    issued_on: Mapped[date | None] = mapped_column(Date)
    effective_on: Mapped[date | None] = mapped_column(Date)
    expired_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str | None] = mapped_column(String(300))
    field: Mapped[str | None] = mapped_column(String(300))
    abstract: Mapped[str] = mapped_column(LongText)


class Attachment(Base):
    """A file attached to an article or a document, in page order."""

    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(String(URL_LEN))
    filename: Mapped[str] = mapped_column(String(1000))
    sha256: Mapped[str | None] = mapped_column(String(KEY_LEN), index=True)
    mime: Mapped[str] = mapped_column(String(255))
    size: Mapped[int | None] = mapped_column(BigInteger)


class Page(Base):
    """A static page (giới thiệu, contact, organisation chart, ...)."""

    __tablename__ = "pages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(String(PATH_LEN), unique=True)
    source_url: Mapped[str] = mapped_column(String(URL_LEN))
    slug: Mapped[str] = mapped_column(String(300))
    title: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(LongText)
    body_html: Mapped[str] = mapped_column(LongText)


class Media(Base):
    """One distinct file; its bytes live in the content-addressed file store under `sha256`."""

    __tablename__ = "media"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(String(PATH_LEN), unique=True)
    source_url: Mapped[str] = mapped_column(String(URL_LEN))
    url: Mapped[str] = mapped_column(String(URL_LEN))
    title: Mapped[str] = mapped_column(String(1000))
    sha256: Mapped[str] = mapped_column(String(KEY_LEN), index=True)
    mime: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    referenced_by: Mapped[str] = mapped_column(LongText, server_default="[]")
    """The source_urls of the records that use the file, sorted (a JSON list)."""


# ------------------------------------------------------------------------------- redirects


class Redirect(Base):
    """An old URL (unique after unquoting + NFC) -> one new path on the portal, 301; and, when
    `other_origin` is set, the same URL on the other legacy host (moha.gov.vn <-> www.) too.

    `origin` is "record" when a record listed `old_url`, "alias" when it is the other host's form of
    a listed URL; a listed URL wins over an alias of another record. `other_origin` is the same for
    the other host's form, NULL when this row does not answer for it (another record holds it).
    Records list both hosts of almost every URL, so one row per old path instead of one per
    (host, path) halves the biggest table of the portal (issue 6). `url_key` is the key of
    `old_url`; the other host's form has no row of its own, so a lookup asks for both keys.
    """

    __tablename__ = "redirects"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    old_url: Mapped[str] = mapped_column(String(URL_LEN))
    url_key: Mapped[str] = mapped_column(String(KEY_LEN), unique=True)
    new_path: Mapped[str] = mapped_column(String(PATH_LEN))
    status_code: Mapped[int] = mapped_column(Integer, default=301)
    origin: Mapped[str] = mapped_column(String(10))
    other_origin: Mapped[str | None] = mapped_column(String(10))
    map_id: Mapped[int] = mapped_column(ForeignKey("id_map.id", ondelete="CASCADE"), index=True)


class RedirectClaim(Base):
    """A redirect a record asked for and did not get, because another record holds the old URL.

    Kept so that when the holder goes (update, rollback) the URL passes to the next claimant
    (`redirects.fill_redirects`); only collisions between records land here, so the table stays small.
    """

    __tablename__ = "redirect_claims"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url_key: Mapped[str] = mapped_column(String(KEY_LEN), index=True)
    old_url: Mapped[str] = mapped_column(String(URL_LEN))
    origin: Mapped[str] = mapped_column(String(10))
    map_id: Mapped[int] = mapped_column(ForeignKey("id_map.id", ondelete="CASCADE"), index=True)


# ------------------------------------------------------------------------------ bookkeeping


class Run(Base):
    """One `load` (or rollback) run with its counts; status running/completed/failed/interrupted/rolled_back."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(Timestamp)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)
    status: Mapped[str] = mapped_column(String(20), index=True)
    source: Mapped[str] = mapped_column(String(URL_LEN))
    update_changed: Mapped[bool] = mapped_column(Boolean, default=False)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(Text)


class IdMap(Base):
    """Drupal Migrate's map: source_url -> (kind, destination id), row hash, status, message, run.

    `source_key` is the sha256 of source_url (a unique index on a 2 KiB VARCHAR does not fit
    MariaDB's 3072-byte key limit). Status: imported, needs_update (changed, loaded without
    --update) or failed. Provenance of the loaded record is kept here, as bookkeeping.
    """

    __tablename__ = "id_map"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_key: Mapped[str] = mapped_column(String(KEY_LEN), unique=True)
    source_url: Mapped[str] = mapped_column(String(URL_LEN))
    kind: Mapped[str] = mapped_column(String(10), index=True)
    dest_id: Mapped[int | None] = mapped_column(Integer)
    dest_path: Mapped[str | None] = mapped_column(String(PATH_LEN), index=True)
    old_urls: Mapped[str | None] = mapped_column(LongText)
    """The record's old_urls as written (a JSON list), so `export` gives them back exactly."""
    row_hash: Mapped[str | None] = mapped_column(String(KEY_LEN))
    line_hash: Mapped[str | None] = mapped_column(String(KEY_LEN), index=True)
    """sha256 of the JSONL line last loaded: a rerun skips identical lines without parsing them."""
    status: Mapped[str] = mapped_column(String(20), index=True)
    message: Mapped[str | None] = mapped_column(Text)
    line: Mapped[int | None] = mapped_column(Integer)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    created_run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    prov_warc_file: Mapped[str | None] = mapped_column(String(500))
    prov_offset: Mapped[int | None] = mapped_column(BigInteger)
    prov_record_id: Mapped[str | None] = mapped_column(String(255))
    prov_payload_digest: Mapped[str | None] = mapped_column(String(255))
    prov_captured_at: Mapped[str | None] = mapped_column(String(64))


class Message(Base):
    """A problem met by a run, naming its line, field and source_url when known."""

    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    level: Mapped[str] = mapped_column(String(10))
    line: Mapped[int | None] = mapped_column(Integer)
    field: Mapped[str | None] = mapped_column(String(200))
    source_url: Mapped[str | None] = mapped_column(String(URL_LEN))
    message: Mapped[str] = mapped_column(Text)


class History(Base):
    """An id_map row as it was before a run changed it; `record_json` holds the record (JSON line,
    provenance included) when the run rewrote its content, "" when it only changed the status."""

    __tablename__ = "history"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    map_id: Mapped[int] = mapped_column(ForeignKey("id_map.id", ondelete="CASCADE"), index=True)
    previous_status: Mapped[str] = mapped_column(String(20))
    previous_hash: Mapped[str | None] = mapped_column(String(KEY_LEN))
    previous_line_hash: Mapped[str | None] = mapped_column(String(KEY_LEN))
    previous_line: Mapped[int | None] = mapped_column(Integer)
    previous_run_id: Mapped[int] = mapped_column(Integer)
    record_json: Mapped[str] = mapped_column(LongText)


CONTENT_TABLES = {
    "article": Article.__table__,
    "document": Document.__table__,
    "page": Page.__table__,
    "media": Media.__table__,
}
"""The main table of each record kind (id_map.dest_id points into it)."""
