"""The extractors on replica pages of both skins, quirk by quirk, against the replica's truth."""

from __future__ import annotations

import re

import pytest

from moha_migrate.profile import load_profile
from moha_migrate.records import Article, Document, Page, has_mojibake, is_nfc
from tests.transform.helpers import captured
from transform.article import extract_article, parse_credit
from transform.classify import UrlRules, classify_url
from transform.document import extract_document
from transform.item import ExtractedItem, NotAnItem
from transform.page import extract_page
from transform.tree import parse_page

PROFILE = load_profile()
RULES = UrlRules.from_profile(PROFILE)
ARTICLE_QUIRKS = (
    "tcvn3", "tcvn3-heading", "vni", "windows-1258", "nfd", "charset-header-conflict", "charset-meta-conflict",
    "word-html", "dangerous-markup", "alias-default", "alias-reordered-query", "alias-dnn", "alias-www",
    "links-every-form", "gzip", "chunked",
)


def extract(site, url: str) -> ExtractedItem | NotAnItem:
    resp = captured(site, url)
    cls = classify_url(resp.url, RULES)
    page = parse_page(resp.body, resp.charset, resp.url)
    if cls.verdict == "article":
        return extract_article(page, cls, resp, PROFILE, RULES.soft_404)
    if cls.verdict == "document":
        return extract_document(page, cls, resp, RULES.soft_404)
    return extract_page(page, cls, resp, RULES.soft_404)


@pytest.fixture(scope="module")
def truth(replica_site) -> dict[tuple[str, str], object]:
    out = {}
    for r in replica_site.truth_records():
        key = {"article": "item_id", "document": "doc_id", "page": "slug"}.get(r.kind)
        if key:
            out[(r.kind, str(getattr(r, key)))] = r
    return out


@pytest.mark.parametrize("skin", ["classic", "tables"])
@pytest.mark.parametrize("quirk", ARTICLE_QUIRKS)
def test_article_fields_match_truth(quirk: str, skin: str, replica_site, replica_tables, truth) -> None:
    site = replica_site if skin == "classic" else replica_tables
    url = next(u for u in site.quirk_urls()[quirk] if classify_url(u, RULES).verdict == "article")
    got = extract(site, url)
    assert isinstance(got, ExtractedItem), got
    record = got.record
    assert isinstance(record, Article)
    want = truth[got.key]
    for name in ("title", "item_id", "category", "published_at", "lead", "body_text", "author", "source"):
        assert getattr(record, name) == getattr(want, name), f"{quirk}/{skin}: {name}"
    assert [(i.url, i.caption) for i in record.images] == [(i.url, i.caption) for i in want.images]
    assert [(a.url, a.filename) for a in record.attachments] == [(a.url, a.filename) for a in want.attachments]
    for value in (record.title, record.lead, record.body_text):
        assert is_nfc(value) and not has_mojibake(value)


@pytest.mark.parametrize("skin", ["classic", "tables"])
def test_print_view_shows_the_article_but_not_its_category(skin: str, replica_site, replica_tables, truth) -> None:
    site = replica_site if skin == "classic" else replica_tables
    got = extract(site, site.quirk_urls()["print-view"][0])
    assert isinstance(got, ExtractedItem) and got.missing == ("category",) and got.rank == 3
    want = truth[got.key]
    assert (got.record.title, got.record.body_text, got.record.lead) == (want.title, want.body_text, want.lead)


@pytest.mark.parametrize("skin", ["classic", "tables"])
def test_documents_match_truth(skin: str, replica_site, replica_tables, truth) -> None:
    site = replica_site if skin == "classic" else replica_tables
    for doc_id in (1500, 1501, 1502, 1503, 1509):  # every attachment-name form and a Công văn without signer
        got = extract(site, f"http://moha.gov.vn/van-ban/Default.aspx?tabid=300&DocID={doc_id}")
        assert isinstance(got, ExtractedItem)
        record, want = got.record, truth[got.key]
        assert isinstance(record, Document)
        for name in ("title", "number", "doc_type", "issuer", "signer", "issued_on", "effective_on", "expired_on",
                     "status", "field", "abstract", "source_url"):
            assert getattr(record, name) == getattr(want, name), f"DocID {doc_id}/{skin}: {name}"
        assert [(a.url, a.filename, a.mime) for a in record.attachments] == [(a.url, a.filename, a.mime) for a in want.attachments]


@pytest.mark.parametrize("skin", ["classic", "tables"])
def test_static_pages_match_truth(skin: str, replica_site, replica_tables, truth) -> None:
    site = replica_site if skin == "classic" else replica_tables
    for page in site.catalog.pages:
        got = extract(site, f"http://moha.gov.vn{page.path}")
        assert isinstance(got, ExtractedItem)
        record, want = got.record, truth[got.key]
        assert isinstance(record, Page)
        assert (record.title, record.slug, record.body_text) == (want.title, want.slug, want.body_text)


def test_soft_404_is_not_an_item(replica_site) -> None:
    got = extract(replica_site, replica_site.quirk_urls()["soft-404"][0])
    assert isinstance(got, NotAnItem) and "soft 404" in got.reason


@pytest.mark.parametrize(
    ("credit", "author", "source"),
    [("TTXVN/VNP", None, "TTXVN/VNP"), ("Theo Vietnam+", None, "Vietnam+"), ("Minh Sơn - TTXVN", "Minh Sơn", "TTXVN"),
     ("Thanh Hà", "Thanh Hà", None), (None, None, None)],
)
def test_credit_lines(credit: str | None, author: str | None, source: str | None) -> None:
    assert parse_credit(credit) == (author, source)


def _unseen_skin(page: bytes) -> bytes:
    """A markup the extractors were never written against: no ids or classes at all, divs and
    headings turned into tables, paragraphs and spans, the section headings in plain bold cells."""
    page = re.sub(rb'\s(?:id|class)\s*=\s*("[^"]*"|\'[^\']*\'|[^\s>]+)', b"", page)
    page = re.sub(rb"<div(\s[^>]*)?>", b"<table><tr><td>", page)
    page = page.replace(b"</div>", b"</td></tr></table>")
    page = re.sub(rb"<h1>(.*?)</h1>", rb"<p><span><b>\1</b></span></p>", page, flags=re.DOTALL)
    page = re.sub(rb"<h3>(.*?)</h3>", rb"<p><strong>\1</strong></p>", page, flags=re.DOTALL)
    page = re.sub(rb"<ul>|</ul>", b"", page).replace(b"<li>", b"<p>").replace(b"</li>", b"</p>")
    return page


@pytest.mark.parametrize("quirk", ["alias-www", "tcvn3", "vni", "word-html", "dangerous-markup", "windows-1258"])
def test_markup_never_seen_still_extracts(quirk: str, replica_site, truth) -> None:
    """Robustness to skins we were not written against: extraction keys on the toolbar date, the
    page title, the section headings and the labels, never on ids or class names."""
    url = next(u for u in replica_site.quirk_urls()[quirk] if classify_url(u, RULES).verdict == "article")
    resp = captured(replica_site, url)
    body = _unseen_skin(resp.body)
    assert b'class="' not in body and b"<div" not in body
    resp = captured(replica_site, url, body=body)
    page = parse_page(resp.body, resp.charset, resp.url)
    got = extract_article(page, classify_url(resp.url, RULES), resp, PROFILE, RULES.soft_404)
    assert isinstance(got, ExtractedItem)
    want = truth[got.key]
    for name in ("title", "published_at", "lead", "author", "source", "category"):
        assert getattr(got.record, name) == getattr(want, name), f"{quirk}: {name}"
    assert [(i.url, i.caption) for i in got.record.images] == [(i.url, i.caption) for i in want.images]
    # list items lose their <li> in this skin, so compare the text paragraph by paragraph
    assert got.record.body_text == want.body_text
    assert len(got.record.related) == len(want.related)


def _document_as_paragraphs(page: bytes) -> bytes:
    """The attribute table rewritten as `<p><b>Label:</b> value</p>` lines, ids and classes gone."""
    page = re.sub(rb'\s(?:id|class|width|bgcolor)\s*=\s*("[^"]*"|\'[^\']*\'|[^\s>]+)', b"", page)
    page = re.sub(rb"<tr><td>(?:<b>)?([^<]*?):?(?:</b>)?</td><td>(.*?)</td></tr>", rb"<p><b>\1:</b> \2</p>", page, flags=re.DOTALL)
    return re.sub(rb"</?table[^>]*>", b"", page)


@pytest.mark.parametrize("skin", ["classic", "tables"])
def test_document_labels_inline_still_extract(skin: str, replica_site, replica_tables, truth) -> None:
    site = replica_site if skin == "classic" else replica_tables
    for doc_id in (1500, 1502, 1503):
        url = f"http://moha.gov.vn/van-ban/Default.aspx?tabid=300&DocID={doc_id}"
        body = _document_as_paragraphs(captured(site, url).body)
        assert "Số/Ký hiệu:</b>" in body.decode("utf-8")
        resp = captured(site, url, body=body)
        page = parse_page(resp.body, resp.charset, resp.url)
        got = extract_document(page, classify_url(resp.url, RULES), resp, RULES.soft_404)
        want = truth[got.key]
        for name in ("number", "doc_type", "issuer", "signer", "issued_on", "effective_on", "expired_on", "status", "field", "abstract"):
            assert getattr(got.record, name) == getattr(want, name), f"DocID {doc_id}/{skin}: {name}"
        assert [a.url for a in got.record.attachments] == [a.url for a in want.attachments]


@pytest.mark.parametrize("skin", ["classic", "tables"])
@pytest.mark.parametrize("title", [b"<title>B&#7897; N&#7897;i v&#7909;</title>", b""])
def test_headline_without_a_useful_page_title(skin: str, title: bytes, replica_site, replica_tables, truth) -> None:
    """A generic or missing <title>: the headline is the block next to the toolbar line."""
    site = replica_site if skin == "classic" else replica_tables
    url = site.quirk_urls()["alias-www"][0]
    body = re.sub(rb"<title>.*?</title>", title, captured(site, url).body, flags=re.DOTALL)
    resp = captured(site, url, body=body)
    page = parse_page(resp.body, resp.charset, resp.url)
    got = extract_article(page, classify_url(resp.url, RULES), resp, PROFILE, RULES.soft_404)
    want = truth[got.key]
    assert (got.record.title, got.record.lead, got.record.body_text) == (want.title, want.lead, want.body_text)
