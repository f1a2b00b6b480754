"""The ground truth: valid records that say exactly what the site shows, under records.md rules."""

from __future__ import annotations

import functools
import hashlib
import html
import re
import unicodedata
from pathlib import Path
from urllib.parse import urljoin

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moha_migrate.jsonl import iter_records, write_records
from moha_migrate.records import VN_TZ, Article, Document, Media, Page, Record, record_from_dict, record_to_dict
from replica.content import SEED_ARTICLE, parse_credit
from replica.site import Site
from replica.truth import MediaDigests, article_record


@pytest.fixture(scope="module")
def site() -> Site:
    own = Site(seed=1, scale="test")
    for key in own.fail_once_paths:  # spend the 500-once failures of this module's own site
        own.handle("GET", "http://moha.gov.vn" + key, {}, b"")
    return own


def fetch(site: Site, url: str):
    """GET following up to 3 redirects, as a browser would."""
    for _ in range(4):
        reply = site.handle("GET", url, {}, b"")
        if reply.status not in (301, 302):
            return reply
        url = urljoin(url, reply.header("Location"))
    raise AssertionError(f"redirect loop at {url}")


def shown_text(reply) -> str:
    charset = (reply.header("Content-Type") or "").partition("charset=")[2] or "utf-8"
    if charset == "ISO-8859-1" and b'charset=utf-8"' in reply.body:
        charset = "utf-8"  # the header-charset conflict: the bytes are UTF-8
    text = reply.body.decode({"windows-1258": "cp1258"}.get(charset, charset), errors="replace")
    return unicodedata.normalize("NFC", html.unescape(text))


def test_truth_round_trips_through_the_records_validator(truth_records: list[Record], tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    assert write_records(truth_records, path) == len(truth_records) > 156
    back = list(iter_records(path))
    assert [record_to_dict(r) for r in back] == [record_to_dict(r) for r in truth_records]
    kinds = [r.kind for r in back]
    assert kinds.count("article") == 120 and kinds.count("document") == 30 and kinds.count("page") == 6
    assert len({(r.kind, r.source_url) for r in back}) == len(back)


def test_truth_dir_fixture_holds_records_and_inventory(truth_dir: Path, truth_records: list[Record]) -> None:
    assert sum(1 for _ in iter_records(truth_dir / "records.jsonl")) == len(truth_records)
    assert '"must_capture"' in (truth_dir / "inventory.json").read_text("utf-8")


def test_seed_article_is_the_real_launch_day_article(truth_records: list[Record]) -> None:
    record = next(r for r in truth_records if isinstance(r, Article) and r.title == SEED_ARTICLE.title)
    assert record.published_at.isoformat() == "2015-08-15T07:25:00+07:00"
    assert record.category == "hoat-dong-cua-bo" and record.source == "TTXVN/VNP" and record.author is None
    assert record.body_text == "\n\n".join(SEED_ARTICLE.paragraphs)
    assert record.body_text.startswith("Thực hiện chủ trương hiện đại hóa nền hành chính")
    assert record.body_text.endswith("chính thức khai trương ngày 14/8./.")
    assert [i.caption for i in record.images] == [SEED_ARTICLE.caption] and record.images[0].caption.endswith(
        "(Ảnh: Minh Sơn/Vietnam+)"
    )
    assert record.lead == ""


@pytest.mark.parametrize(
    "credit, expected",
    [
        ("TTXVN/VNP", (None, "TTXVN/VNP")),
        ("Theo Vietnam+", (None, "Vietnam+")),
        ("Minh Sơn - TTXVN", ("Minh Sơn", "TTXVN")),
        ("Thanh Hà", ("Thanh Hà", None)),
        (None, (None, None)),
    ],
)
def test_credit_line_rules(credit: str | None, expected: tuple) -> None:
    assert parse_credit(credit) == expected


def test_every_old_url_shows_its_item(site: Site, truth_records: list[Record]) -> None:
    checked = 0
    for index, record in enumerate(truth_records):
        if isinstance(record, Article) and index % 4:
            continue  # a quarter of the articles keeps the test fast; every other kind in full
        for url in record.old_urls:
            reply = fetch(site, url)
            assert reply.status == 200, url
            if isinstance(record, Media):
                assert hashlib.sha256(reply.body).hexdigest() == record.sha256, url
            else:
                text = shown_text(reply)
                assert "Bài viết không tồn tại" not in text, url
                title = record.title if not isinstance(record, Document) else record.number
                assert title in text, url
            checked += 1
    assert checked > 600


def test_article_fields_match_the_page(site: Site, truth_records: list[Record]) -> None:
    articles = [r for r in truth_records if isinstance(r, Article)]
    plain = [
        r for r in articles if site.catalog.article(site.catalog.n_of_item(r.item_id)).encoding == "utf-8"
    ]
    for record in plain[::3]:
        tree = lxml.html.fromstring(fetch(site, record.source_url).body.decode())
        assert tree.xpath('string(//h1[@class="title"])') == record.title
        assert tree.xpath('string(//div[@class="lead"])') == record.lead
        toolbar = tree.xpath('string(//div[@class="toolbar"]/span[@class="date"])')
        t = record.published_at.astimezone(VN_TZ)
        assert f"{t.day}" in toolbar and f"{t.year}" in toolbar and f"{t.minute:02d}" in toolbar
        older = [urljoin(record.source_url, h) for h in tree.xpath('//div[@class="other-news"]//a/@href')]
        related = tree.xpath('//div[@class="related-news"]//a/@href')
        assert len(record.related) == len(older) + len(related)
        for url, shown in zip(record.related, older + related, strict=True):
            assert re.search(r"ItemID=(\d+)|/item/(\d+)/", shown).group(1 if "ItemID" in shown else 2) in url
        assert [i.url for i in record.images] == [
            urljoin(record.source_url, src).replace(" ", "%20") if src.isascii() else i.url
            for src, i in zip(tree.xpath('//div[@class="content"]//img/@src'), record.images, strict=True)
        ]
        credit = tree.xpath('string(//p[@class="credit"])') or None
        assert parse_credit(credit) == (record.author, record.source)


def test_body_text_leaves_out_boilerplate(truth_records: list[Record]) -> None:
    for record in truth_records:
        if isinstance(record, (Article, Page)):
            for bad in ("(Ảnh:", "CÁC TIN ĐÃ ĐƯA", "TIN LIÊN QUAN", "Email Print", "Bản quyền thuộc"):
                assert bad not in record.body_text, (record.source_url, bad)
            assert "\n\n\n" not in record.body_text and record.body_text
        if isinstance(record, Article):
            assert record.lead not in record.body_text or not record.lead
            for bad in ("<script", "<iframe", "onclick", "javascript:", "mso-", "<font"):
                assert bad not in record.body_html


def test_media_records_list_who_uses_them(truth_records: list[Record]) -> None:
    media = {u: r for r in truth_records if isinstance(r, Media) for u in r.old_urls}
    users: dict[str, set[str]] = {}
    for record in truth_records:
        if isinstance(record, Article):
            refs = [i.url for i in record.images] + [a.url for a in record.attachments]
        elif isinstance(record, Document):
            refs = [a.url for a in record.attachments]
        else:
            continue
        for ref in refs:
            assert ref in media, ref
            users.setdefault(media[ref].source_url, set()).add(record.source_url)
            item = next((a for a in getattr(record, "attachments", ()) if a.url == ref), None)
            if item is not None:
                assert (item.sha256, item.size, item.mime) == (
                    media[ref].sha256,
                    media[ref].size,
                    media[ref].mime,
                )
    for record in {id(r): r for r in media.values()}.values():
        assert set(record.referenced_by) == users[record.source_url]
        assert record.title == unicodedata.normalize("NFC", record.title) and "/" not in record.title
    shared = [r for r in {id(r): r for r in media.values()}.values() if len(r.referenced_by) > 1]
    assert shared, "the re-uploaded photo is one media record used by two articles"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=10**6), n=st.integers(min_value=0, max_value=15999))
def test_any_article_of_any_seed_renders_and_validates(seed: int, n: int) -> None:
    """Every item of every seed, not only seed 1: legacy encoders never fail, truth always validates."""
    site = _full_site(seed)
    head = site.catalog.headline(n)
    assert site.handle("GET", "http://moha.gov.vn" + head.canonical_path, {}, b"").status == 200
    assert site.handle("GET", "http://moha.gov.vn" + head.print_path, {}, b"").status == 200
    spec = site.catalog.article(n)
    record = article_record(site, spec, MediaDigests(site))
    assert record_from_dict(record_to_dict(record)) == record
    d = n % site.catalog.documents_count
    page = site.handle("GET", f"http://moha.gov.vn/van-ban/Default.aspx?tabid=300&DocID={1500 + d}", {}, b"")
    assert page.status == 200


@functools.lru_cache(maxsize=4)
def _full_site(seed: int) -> Site:
    return Site(seed=seed, scale="full")
