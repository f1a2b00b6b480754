"""The replica's page types and URL forms (legacy-site.md's table), determinism and scale."""

from __future__ import annotations

import hashlib
import io
import time
import tracemalloc
import zipfile

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image as PILImage

from moha_migrate.jsonl import dumps_record
from moha_migrate.records import Article, Document, Media, Page, Record
from replica.site import SOFT_404_TEXT, Site


def get(site: Site, url: str, method: str = "GET", body: bytes = b""):
    return site.handle(method, url, {}, body)


def text_of(reply) -> str:
    charset = (reply.header("Content-Type") or "").partition("charset=")[2] or "utf-8"
    return reply.body.decode({"windows-1258": "cp1258"}.get(charset, charset), errors="replace")


@pytest.fixture(scope="module")
def site() -> Site:
    return Site(seed=1, scale="test")


@pytest.fixture(scope="module")
def truth(truth_records: list[Record]) -> dict[str, Record]:
    return {r.source_url: r for r in truth_records}


# ------------------------------------------------------------------ page types and URL forms


def test_home_answers_on_all_three_paths_and_both_hosts(site: Site) -> None:
    bodies = {
        get(site, f"http://{host}{path}").body
        for host in ("moha.gov.vn", "www.moha.gov.vn")
        for path in ("/", "/default.aspx", "/Default.aspx")
    }
    assert len(bodies) == 1
    home = bodies.pop().decode()
    assert "Số lượt truy cập: 20.600.000" in home and "Bản quyền thuộc Bộ Nội vụ" in home
    for category in site.catalog.categories:
        assert f'href="/tin-tuc-su-kien/{category.slug}-{category.tabid}.html"' in home


def test_category_listing_forms_show_the_same_items(site: Site) -> None:
    for c, category in enumerate(site.catalog.categories):
        canonical = get(site, f"http://moha.gov.vn/tin-tuc-su-kien/{category.slug}-{category.tabid}.html")
        default = get(site, f"http://moha.gov.vn/Default.aspx?tabid={category.tabid}")
        links = [
            lxml.html.fromstring(r.body.decode()).xpath('//div[@class="news-list"]//h3/a/@href')
            for r in (canonical, default)
        ]
        assert links[0] == links[1] and 0 < len(links[0]) <= 20
        newest = site.catalog.headline(site.catalog.at_rank(c, 0))
        assert links[0][0] == newest.canonical_path


def test_article_url_forms_and_their_failures(site: Site, truth: dict[str, Record]) -> None:
    head = site.catalog.headline(40)
    assert get(site, "http://moha.gov.vn" + head.canonical_path).status == 200
    wrong_slug = head.canonical_path.replace(head.slug, "bai-khac")
    assert get(site, "http://moha.gov.vn" + wrong_slug).status == 404
    other = next(c for c in site.catalog.categories if c != head.category)
    assert (
        get(
            site,
            "http://moha.gov.vn" + head.canonical_path.replace(f"/{head.category.slug}/", f"/{other.slug}/"),
        ).status
        == 404
    )
    wrong_tab = f"http://moha.gov.vn/Default.aspx?tabid={other.tabid}&ItemID={head.item_id}"
    reply = get(site, wrong_tab)
    assert reply.status == 200 and SOFT_404_TEXT in reply.body.decode()
    record = truth["http://moha.gov.vn" + head.canonical_path]
    for old in record.old_urls:
        assert old.startswith(("http://moha.gov.vn/", "http://www.moha.gov.vn/"))
    assert len(record.old_urls) == 12  # 6 URL forms x 2 hosts


def test_email_form_and_admin_pages_exist_behind_robots(site: Site) -> None:
    head = site.catalog.headline(3)
    assert get(site, "http://moha.gov.vn" + head.email_path).status == 200
    assert get(site, "http://moha.gov.vn/Admin/Login.aspx").status == 200
    reply = get(site, "http://moha.gov.vn/Admin/Users.aspx")
    assert reply.status == 302 and reply.header("Location").startswith("/Admin/Login.aspx?ReturnUrl=")


def test_document_page_shows_its_attribute_table(site: Site, truth: dict[str, Record]) -> None:
    docs = [r for r in truth.values() if isinstance(r, Document)]
    assert len(docs) == 30
    for record in docs[:10]:
        page = lxml.html.fromstring(get(site, record.source_url).body.decode())
        rows = {
            tr.xpath("string(td[1])").strip(): tr.xpath("string(td[2])").strip()
            for tr in page.xpath('//table[@class="vb-detail"]//tr')
        }
        assert rows["Số/Ký hiệu"] == record.number
        assert rows["Loại văn bản"] == record.doc_type and rows["Cơ quan ban hành"] == record.issuer
        assert rows["Ngày ban hành"] == record.issued_on.strftime("%d/%m/%Y")
        assert rows["Ngày hiệu lực"] == (
            record.effective_on.strftime("%d/%m/%Y") if record.effective_on else ""
        )
        assert rows["Trích yếu"] == record.abstract and rows["Người ký"] == (record.signer or "")
        assert rows["Tình trạng hiệu lực"] == (record.status or "") and rows["Lĩnh vực"] == (
            record.field or ""
        )
        assert page.xpath('//table[@class="vb-detail"]//a/text()') == [a.filename for a in record.attachments]
        assert record.title == f"{record.doc_type} {record.number}"


def test_document_listing_pages_and_filters(site: Site) -> None:
    first = get(site, "http://moha.gov.vn/van-ban/Default.aspx?tabid=300").body.decode()
    second = get(site, "http://moha.gov.vn/van-ban/Default.aspx?tabid=300&page=2").body.decode()
    ids = [lxml.html.fromstring(p).xpath('//table[@class="vb-list"]//a/@href') for p in (first, second)]
    assert len(ids[0]) == 20 and len(ids[1]) == 10 and not set(ids[0]) & set(ids[1])
    issuer = get(site, "http://moha.gov.vn/van-ban/Default.aspx?tabid=300&issuer=bo-noi-vu").body.decode()
    assert "Bộ Nội vụ" in issuer and "Nghị định " not in lxml.html.fromstring(issuer).xpath(
        'string(//table[@class="vb-list"])'
    )


def test_static_pages(site: Site, truth: dict[str, Record]) -> None:
    pages = [r for r in truth.values() if isinstance(r, Page)]
    assert len(pages) == 6
    for record in pages:
        reply = get(site, record.source_url)
        tree = lxml.html.fromstring(reply.body.decode())
        assert tree.xpath('string(//h2[@class="page-title"])') == record.title
        shown = "\n\n".join(p.text_content() for p in tree.xpath('//div[@class="page-content"]/p'))
        assert shown == record.body_text


def test_tables_skin_static_pages_and_document_listing(
    replica_tables: Site, truth: dict[str, Record]
) -> None:
    for record in (r for r in truth.values() if isinstance(r, Page)):
        tree = lxml.html.fromstring(get(replica_tables, record.source_url).body.decode())
        assert tree.xpath('string(//td[@class="StaticTitle"])') == record.title
        shown = "\n\n".join(p.text_content() for p in tree.xpath('//td[@class="StaticContent"]/p'))
        assert shown == record.body_text
    listing = lxml.html.fromstring(
        get(replica_tables, "http://moha.gov.vn/van-ban/Default.aspx?tabid=300").body.decode()
    )
    titles = listing.xpath('//table[@class="VBList"]//a/text()')
    assert len(titles) == 20
    documents = {r.title for r in truth.values() if isinstance(r, Document)}
    assert set(titles) <= documents


def test_media_are_real_files_with_their_recorded_digest(site: Site, truth: dict[str, Record]) -> None:
    media = [r for r in truth.values() if isinstance(r, Media)]
    by_ext: dict[str, Media] = {}
    for record in media:
        by_ext.setdefault(record.url.rsplit(".", 1)[1].lower(), record)
    assert {"jpg", "png", "gif", "pdf", "doc", "docx", "xls", "zip"} <= set(by_ext)
    for ext, record in by_ext.items():
        reply = get(site, record.url)
        assert reply.status == 200 and reply.header("Content-Type") == record.mime
        assert hashlib.sha256(reply.body).hexdigest() == record.sha256 and len(reply.body) == record.size
        if ext in ("jpg", "png", "gif"):
            PILImage.open(io.BytesIO(reply.body)).verify()
        elif ext in ("docx", "zip"):
            assert zipfile.ZipFile(io.BytesIO(reply.body)).testzip() is None
        elif ext == "pdf":
            assert reply.body.startswith(b"%PDF-") and reply.body.rstrip().endswith(b"%%EOF")
        else:
            assert reply.body.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")  # OLE2 compound file


def test_requisites_are_served(site: Site) -> None:
    home = get(site, "http://moha.gov.vn/").body.decode()
    for path, mime in (
        ("/Portals/0/skin.css", "text/css"),
        ("/js/jquery.js", "application/x-javascript"),
        ("/js/dnncore.js", "application/x-javascript"),
        ("/images/logo.gif", "image/gif"),
    ):
        assert f'"{path}"' in home
        reply = get(site, "http://moha.gov.vn" + path)
        assert reply.status == 200 and reply.header("Content-Type") == mime and reply.body
    assert b"url(/images/bg.gif)" in get(site, "http://moha.gov.vn/Portals/0/skin.css").body
    PILImage.open(io.BytesIO(get(site, "http://moha.gov.vn/images/bg.gif").body)).verify()


def test_unknown_paths_and_methods(site: Site) -> None:
    reply = get(site, "http://moha.gov.vn/khong-co-trang-nay.aspx")
    assert reply.status == 404 and b"The resource cannot be found." in reply.body
    assert get(site, "http://moha.gov.vn/Uploads/Images/2010/01/khong-co.jpg").status == 404
    reply = get(site, "http://moha.gov.vn/", method="PUT")
    assert reply.status == 405 and reply.header("Allow") == "GET, HEAD, POST"


def test_tables_skin_has_other_markup_and_the_same_truth(replica_tables: Site, site: Site) -> None:
    head = site.catalog.headline(60)
    classic = get(site, "http://moha.gov.vn" + head.canonical_path).body.decode()
    tables = get(replica_tables, "http://moha.gov.vn" + head.canonical_path).body.decode()
    assert 'id="wrapper"' in classic and 'id="tblMain"' in tables and 'id="wrapper"' not in tables
    assert 'class="NewsContent"' in tables and 'class="news-detail"' in classic
    assert (
        tables.index("tdLeft") < tables.index("tdCenter") < tables.index('class="Menu"')
    )  # other sidebar order
    assert classic.index("leftcol") < classic.index('id="content"') < classic.index("rightcol")
    first = [dumps_record(r) for r, _ in zip(site.truth_records(), range(150), strict=False)]
    assert first == [
        dumps_record(r) for r, _ in zip(replica_tables.truth_records(), range(150), strict=False)
    ]


# ------------------------------------------------------------------ determinism and scale

SAMPLE = (
    "/",
    "/Default.aspx?tabid=218",
    "/van-ban/Default.aspx?tabid=300&DocID=1503",
    "/gioi-thieu/lien-he.html",
    "/robots.txt",
    "/LichCongTac.aspx?date=2015-08-03",
)


def _sample_urls(site: Site) -> list[str]:
    urls = ["http://moha.gov.vn" + p for p in SAMPLE]
    for n in (0, 3, 7, 11, 13, 50, 119):
        head = site.catalog.headline(n)
        urls.append("http://moha.gov.vn" + head.canonical_path)
        images, _ = site.catalog.article_media(n)
        urls += ["http://moha.gov.vn" + i.path for i in images]
    return urls


def test_same_seed_gives_byte_identical_pages_and_truth() -> None:
    a, b = Site(seed=7, scale="test"), Site(seed=7, scale="test")
    for url in _sample_urls(a):
        ra, rb = get(a, url), get(b, url)
        assert (ra.status, ra.headers, ra.body) == (rb.status, rb.headers, rb.body), url
    assert [dumps_record(r) for r in a.truth_records()] == [dumps_record(r) for r in b.truth_records()]


def test_another_seed_gives_other_content() -> None:
    a, b = Site(seed=1, scale="test"), Site(seed=2, scale="test")
    assert get(a, "http://moha.gov.vn/").body != get(b, "http://moha.gov.vn/").body
    titles_a = {r.title for r in a.truth_records() if isinstance(r, Article)}
    titles_b = {r.title for r in b.truth_records() if isinstance(r, Article)}
    assert len(titles_a & titles_b) < len(titles_a) // 2
    media_a = {r.sha256 for r in a.truth_records() if isinstance(r, Media)}
    media_b = {r.sha256 for r in b.truth_records() if isinstance(r, Media)}
    assert not media_a & media_b


def test_full_scale_builds_in_seconds_with_small_memory() -> None:
    tracemalloc.start()
    started = time.perf_counter()
    site = Site(seed=1, scale="full")
    home = get(site, "http://moha.gov.vn/")
    head = site.catalog.headline(12345)
    article = get(site, "http://moha.gov.vn" + head.canonical_path)
    images, _ = site.catalog.article_media(9000)
    media = get(site, "http://moha.gov.vn" + (images[0].path if images else "/images/logo.gif"))
    listing = get(site, "http://moha.gov.vn/Default.aspx?tabid=217&page=240")
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert (home.status, article.status, media.status, listing.status) == (200, 200, 200, 200)
    assert site.catalog.articles_count == 16000 and site.catalog.documents_count == 3000
    assert elapsed < 5.0 and peak < 64 * 1024 * 1024, (elapsed, peak)


def test_scale_knob() -> None:
    assert Site(scale=40).catalog.articles_count == 40
    assert Site(scale="demo").catalog.articles_count == 1500
    with pytest.raises(ValueError, match="unknown scale"):
        Site(scale="huge")
    with pytest.raises(ValueError, match="unknown skin"):
        Site(skin="modern")


def test_revision_changes_a_few_articles_and_media() -> None:
    base = {r.source_url: r for r in Site(seed=1, scale="test").truth_records()}
    revised = {r.source_url: r for r in Site(seed=1, scale="test", revision=1).truth_records()}
    assert set(base) == set(revised)
    changed = [u for u in base if dumps_record(base[u]) != dumps_record(revised[u])]
    changed_articles = [
        u for u in changed if isinstance(base[u], Article) and base[u].body_text != revised[u].body_text
    ]
    changed_media = [u for u in changed if isinstance(base[u], Media)]
    assert 0 < len(changed_articles) <= 10 and 0 < len(changed_media) <= 15
    assert len(changed) < len(base) // 4
    old_reply = get(Site(seed=1, scale="test"), changed_media[0])
    new_reply = get(Site(seed=1, scale="test", revision=1), changed_media[0])
    assert new_reply.etag != old_reply.etag and new_reply.last_modified > old_reply.last_modified


PATHS = st.sampled_from(
    [
        "/",
        "/Default.aspx",
        "/Print.aspx",
        "/TinTuc.aspx",
        "/Redirect.aspx",
        "/van-ban/Default.aspx",
        "/tin-tuc-su-kien/",
        "/tin-tuc-su-kien/ton-giao/x-20001.html",
        "/tabid/217/catid/11/item/20000/x.aspx",
        "/Uploads/Images/2010/01/",
        "/LichCongTac.aspx",
        "/TimKiem.aspx",
        "/gioi-thieu/",
        "/(S(abc))/x",
        "/Admin/",
    ]
)


ODD = st.text(alphabet=st.sampled_from("0123456789²٣-=&?/.%$ItemIDtabidpagedocidq"), max_size=40) | st.text(
    max_size=30
)


@pytest.mark.parametrize(
    "url",
    [
        "/Default.aspx?tabid=²",
        "/Default.aspx?tabid=217&ItemID=²",
        "/Print.aspx?ItemID=²",
        "/TinTuc.aspx?ID=²",
        "/van-ban/Default.aspx?tabid=300&DocID=²",
        "/van-ban/Default.aspx?tabid=300&page=²",
        "/tin-tuc-su-kien/ton-giao/x-²².html",
        "/Uploads/VanBan/²/x.pdf",
        "/LichCongTac.aspx?date=0001-01-01",
        "/LichCongTac.aspx?date=9999-12-31",
        "/Default.aspx?tabid=217&ItemID=99999999999999999999999",
    ],
)
def test_odd_numbers_and_dates_get_a_page_not_an_exception(site: Site, url: str) -> None:
    assert get(site, "http://moha.gov.vn" + url).status in (200, 404)


@settings(max_examples=150, deadline=None)
@given(path=PATHS, tail=ODD, query=ODD, method=st.sampled_from(["GET", "POST", "HEAD"]))
def test_any_request_gets_a_reply_never_an_exception(
    site: Site, path: str, tail: str, query: str, method: str
) -> None:
    """Odd paths, queries and bodies (bad numbers, bad dates, junk postbacks) get a page or a 4xx."""
    url = "http://moha.gov.vn" + path + tail + ("?" + query if query else "")
    reply = site.handle(method, url, {}, query.encode("utf-8", "surrogatepass"))
    assert reply.status in (200, 301, 302, 404)
