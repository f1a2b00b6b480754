"""One test per quirk of legacy-site.md, parametrised by name over `replica.quirks.QUIRKS`.

Each check fetches the quirk's example URLs from `Site.quirk_urls()` through `Site.handle` and
proves the quirk is really served: legacy bytes decoded with an independent reference (glibc's
iconv for TCVN3, the published VNI-Windows byte pairs, Python's cp1258), hidden fields that
change what the postback returns, statuses and transport flags of the server-behaviour quirks.
"""

from __future__ import annotations

import base64
import html
import io
import re
import shutil
import subprocess
import threading
import unicodedata
from collections.abc import Callable
from urllib.parse import quote, unquote, urlencode, urljoin, urlsplit

import lxml.html
import pytest
from PIL import Image as PILImage

from moha_migrate.records import Article, Media, Record
from moha_migrate.urls import normalize_url
from replica import quirks
from replica.site import SOFT_404_TEXT, Site

Check = Callable[[Site, list[str], dict[str, Record]], None]
CHECKS: dict[str, Check] = {}


def check(name: str) -> Callable[[Check], Check]:
    def register(fn: Check) -> Check:
        CHECKS[name] = fn
        return fn

    return register


def get(site: Site, url: str, method: str = "GET", body: bytes = b"", headers: dict | None = None):
    return site.handle(method, url, headers or {}, body)


def paragraphs(record: Article) -> list[str]:
    return record.body_text.split("\n\n")


def squash(text: str) -> str:
    """Tags out, entities decoded, whitespace collapsed, NFC: text as a reader sees it."""
    text = re.sub(r"<br\s*/?>", " ", text)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return unicodedata.normalize("NFC", " ".join(text.split()))


def font_runs(body: bytes, face: bytes) -> list[bytes]:
    return re.findall(rb"<font face=\"" + re.escape(face) + rb"\">(.*?)</font>", body, re.S)


def iconv_tcvn3(data: bytes) -> str:
    done = subprocess.run(
        ["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"], input=data, capture_output=True, check=True
    )
    return unicodedata.normalize("NFC", done.stdout.decode("utf-8"))


def by_url(truth: dict[str, Record], url: str) -> Article:
    record = truth[url]
    assert isinstance(record, Article)
    return record


# ------------------------------------------------------------------ legacy encodings


@check("tcvn3")
def _tcvn3(site: Site, urls: list[str], truth: dict[str, Record]) -> None:
    assert shutil.which("iconv"), "glibc iconv is the independent TCVN3 reference"
    for url in urls:
        reply = get(site, url)
        assert reply.header("Content-Type") == "text/html; charset=windows-1252"
        runs = font_runs(reply.body, b".VnTime")
        decoded = {squash(iconv_tcvn3(run)) for run in runs}
        record = by_url(truth, url)
        for paragraph in paragraphs(record):
            assert paragraph in decoded, (url, paragraph[:60])
        if "ư" in record.body_text:
            assert b"\xad" in b"".join(runs)  # TCVN3 "ư" is Latin-1's soft hyphen
        assert record.body_text.encode("utf-8") not in reply.body


@check("tcvn3-heading")
def _tcvn3_heading(site: Site, urls: list[str], truth: dict[str, Record]) -> None:
    for url in urls:
        reply = get(site, url)
        record = by_url(truth, url)
        (heading,) = font_runs(reply.body, b".VnTimeH")
        shown = iconv_tcvn3(heading)
        assert shown == record.title.lower() != record.title  # typed lowercase, shown as capitals
        title = squash(re.search(rb"<title>(.*?)</title>", reply.body).group(1).decode("latin-1"))
        assert title.startswith(record.title)  # natural case in <title> (numeric references)


# VNI-Windows as published for Vietnamese keyboard tools (field-notes.md): base letter + mark byte.
VNI_SAMPLES = {"Bộ Nội vụ": b"Bo\xe4 No\xe4i vu\xef", "đ": b"\xf1", "ư": b"\xf6", "ơ": b"\xf4"}


def vni_reference(data: bytes) -> str:
    """An independent VNI decoder built from the published rules, for the letters the tests need."""
    tones = {0xF9: "\u0301", 0xF8: "\u0300", 0xFB: "\u0309", 0xF5: "\u0303", 0xEF: "\u0323"}
    circ = {0xE2: "", 0xE1: "\u0301", 0xE0: "\u0300", 0xE5: "\u0309", 0xE3: "\u0303", 0xE4: "\u0323"}
    breve = {0xEA: "", 0xE9: "\u0301", 0xE8: "\u0300", 0xFA: "\u0309", 0xFC: "\u0303", 0xEB: "\u0323"}
    single = {
        0xED: "i\u0301",
        0xEC: "i\u0300",
        0xE6: "i\u0309",
        0xF3: "i\u0303",
        0xF2: "i\u0323",
        0xEE: "y\u0323",
        0xCD: "I\u0301",
        0xCC: "I\u0300",
        0xC6: "I\u0309",
        0xD3: "I\u0303",
        0xD2: "I\u0323",
        0xCE: "Y\u0323",
    }
    out: list[str] = []
    i = 0
    while i < len(data):
        b = data[i]
        nxt = data[i + 1] if i + 1 < len(data) else None
        low = nxt | 0x20 if nxt is not None and nxt >= 0xC0 else None
        ch = chr(b)
        if ch in "aAeEoOuUyY" and nxt is not None and nxt >= 0xC0:
            if ch in "aAeEoO" and low in circ:
                out.append(ch + "\u0302" + circ[low])
                i += 2
                continue
            if ch in "aA" and low in breve:
                out.append(ch + "\u0306" + breve[low])
                i += 2
                continue
            if low in tones:
                out.append(ch + tones[low])
                i += 2
                continue
        if b in (0xF4, 0xD4, 0xF6, 0xD6):  # ơ / ư are one byte, then maybe a tone byte
            out.append({0xF4: "ơ", 0xD4: "Ơ", 0xF6: "ư", 0xD6: "Ư"}[b])
            if i + 1 < len(data) and data[i + 1] >= 0xC0 and (data[i + 1] | 0x20) in tones:
                out.append(tones[data[i + 1] | 0x20])
                i += 1
        elif b in (0xF1, 0xD1):
            out.append("đ" if b == 0xF1 else "Đ")
        elif b in single:
            out.append(single[b])
        else:
            out.append(ch)
        i += 1
    return unicodedata.normalize("NFC", "".join(out))


@check("vni")
def _vni(site: Site, urls: list[str], truth: dict[str, Record]) -> None:
    for url in urls:
        reply = get(site, url)
        assert reply.header("Content-Type") == "text/html; charset=ISO-8859-1"
        runs = re.findall(rb'<span style="font-family:VNI-Times">(.*?)</span>', reply.body, re.S)
        decoded = {squash(vni_reference(run)) for run in runs}
        record = by_url(truth, url)
        for paragraph in paragraphs(record):
            assert paragraph in decoded, (url, paragraph[:60])
        for text, raw in VNI_SAMPLES.items():
            if text in record.body_text:
                assert raw in reply.body


@check("windows-1258")
def _cp1258(site: Site, urls: list[str], truth: dict[str, Record]) -> None:
    for url in urls:
        reply = get(site, url)
        assert reply.header("Content-Type") == "text/html; charset=windows-1258"
        text = reply.body.decode("cp1258")
        assert not unicodedata.is_normalized("NFC", text)  # tone marks are combining characters
        assert re.search("[\u0300\u0301\u0303\u0309\u0323]", text)
        shown = squash(text)
        record = by_url(truth, url)
        for paragraph in paragraphs(record):
            assert paragraph in shown


@check("nfd")
def _nfd(site: Site, urls: list[str], truth: dict[str, Record]) -> None:
    for url in urls:
        reply = get(site, url)
        text = reply.body.decode("utf-8")
        record = by_url(truth, url)
        first = paragraphs(record)[0]
        assert first not in text and unicodedata.normalize("NFD", html.escape(first, quote=False)) in text
        assert first in squash(text)


def _meta_charset(body: bytes) -> str:
    return (
        re.search(rb'<meta http-equiv="Content-Type" content="text/html; charset=([^"]+)"', body)
        .group(1)
        .decode()
    )


@check("charset-header-conflict")
def _header_conflict(site: Site, urls: list[str], truth: dict[str, Record]) -> None:
    for url in urls:
        reply = get(site, url)
        assert reply.header("Content-Type") == "text/html; charset=ISO-8859-1"
        assert _meta_charset(reply.body) == "utf-8"
        assert paragraphs(by_url(truth, url))[0] in squash(reply.body.decode("utf-8"))


@check("charset-meta-conflict")
def _meta_conflict(site: Site, urls: list[str], truth: dict[str, Record]) -> None:
    for url in urls:
        reply = get(site, url)
        assert reply.header("Content-Type") == "text/html; charset=utf-8"
        assert _meta_charset(reply.body) == "windows-1252"
        assert paragraphs(by_url(truth, url))[0] in squash(reply.body.decode("utf-8"))


# ------------------------------------------------------------------ markup


def _content(body: bytes, charset: str) -> str:
    text = body.decode(charset, errors="replace")
    start = text.index('<div class="content">')
    return text[
        start : text.index('<p class="credit"', start) if '<p class="credit"' in text[start:] else None
    ]


@check("word-html")
def _word(site: Site, urls: list[str], truth: dict[str, Record]) -> None:
    nested = False
    for url in urls:
        body = _content(get(site, url).body, "latin-1")
        assert (
            "mso-" in body
            and "<o:p></o:p>" in body
            and ("<font face=" in body or "font-family:VNI-Times" in body)
        )
        assert "<p class=MsoNormal>&nbsp;<o:p></o:p></p>" in body
        assert body.count("<p ") + body.count("<p>") > body.count("</p>")  # unclosed paragraphs
        nested |= (
            "<table border=0 cellpadding=0 width=450><tr><td align=center>" in body
            and "<tr><td align=center style" in body
        )
    assert nested, "some Word paste nests an image table with unclosed cells"


@check("dangerous-markup")
def _dangerous(site: Site, urls: list[str], truth: dict[str, Record]) -> None:
    for url in urls:
        body = _content(get(site, url).body, "utf-8")
        assert "<script" in body and "<iframe" in body and "onclick=" in body and 'href="javascript:' in body
        record = by_url(truth, url)
        assert "xem video toàn cảnh hội nghị" in record.body_text  # a javascript: link's text is content
        for bad in ("<script", "<iframe", "onclick", "javascript:"):
            assert bad not in record.body_html


# ------------------------------------------------------------------ duplicates


def _main_text(reply) -> str:
    charset = (reply.header("Content-Type") or "").partition("charset=")[2] or "utf-8"
    text = reply.body.decode(charset.replace("windows-1258", "cp1258"), errors="replace")
    start = text.index('<div class="content">')
    return text[start : text.index("</div>", start)]


def _same_article(site: Site, urls: list[str], truth: dict[str, Record]) -> None:
    for url in urls:
        record = next(r for r in truth.values() if isinstance(r, Article) and url in r.old_urls)
        alias, canonical = get(site, url), get(site, record.source_url)
        assert alias.status == canonical.status == 200
        assert _main_text(alias) == _main_text(canonical)


for _name in ("alias-default", "alias-reordered-query", "alias-dnn", "alias-www"):
    check(_name)(_same_article)


@check("print-view")
def _print(site: Site, urls: list[str], truth: dict[str, Record]) -> None:
    for url in urls:
        record = next(r for r in truth.values() if isinstance(r, Article) and url in r.old_urls)
        reply = get(site, url)
        assert reply.status == 200 and 'id="leftcol"' not in reply.body.decode()
        assert _main_text(reply) == _main_text(get(site, record.source_url))


def _media_bytes(site: Site, url: str) -> bytes:
    reply = get(site, url)
    assert reply.status == 200, url
    return reply.body


@check("duplicate-image")
def _duplicate(site: Site, urls: list[str], truth: dict[str, Record]) -> None:
    records = [
        r
        for r in truth.values()
        if isinstance(r, Media) and sum(1 for u in r.old_urls if u.startswith("http://moha")) > 1
    ]
    assert records
    for record in records:
        bare = [u for u in record.old_urls if u.startswith("http://moha.gov.vn/")]
        assert len({_media_bytes(site, u) for u in bare}) == 1 and len(bare) == 2


def _raw(url: str) -> str:
    """The URL as a browser sends it when the link holds raw spaces and letters (the server
    passes the raw UTF-8 path to the site)."""
    return unquote(url)


@check("media-name-spaces")
def _spaces(site: Site, urls: list[str], truth: dict[str, Record]) -> None:
    for url in urls:
        assert " " in _raw(url)
        assert _media_bytes(site, url) == _media_bytes(site, _raw(url))


@check("media-name-vietnamese")
def _vietnamese(site: Site, urls: list[str], truth: dict[str, Record]) -> None:
    for url in urls:
        raw = _raw(url)
        nfd = "http://moha.gov.vn" + quote(unicodedata.normalize("NFD", urlsplit(raw).path))
        assert _media_bytes(site, url) == _media_bytes(site, raw) == _media_bytes(site, nfd)


@check("media-name-case")
def _case(site: Site, urls: list[str], truth: dict[str, Record]) -> None:
    assert len(urls) >= 2
    pairs: dict[str, list[str]] = {}
    for url in urls:
        pairs.setdefault(url.lower(), []).append(url)
    for group in pairs.values():
        assert len(group) == 2
        assert _media_bytes(site, group[0]) != _media_bytes(site, group[1])
        swapped = group[0].rsplit("/", 1)[0] + "/" + group[0].rsplit("/", 1)[1].swapcase()
        if swapped not in group:
            assert get(site, swapped).status == 404


# ------------------------------------------------------------------ traps and robots


@check("session-path")
def _session(site: Site, urls: list[str], truth: dict[str, Record]) -> None:
    home = get(site, "http://moha.gov.vn/").body.decode()
    for url in urls:
        assert f'href="{urlsplit(url).path}"' in home
        reply = get(site, url)
        assert reply.status == 200
        text = reply.body.decode()
        assert (
            f'href="/(S({quirks.SESSION_ID}))/tin-tuc-su-kien/' in text
            and 'href="/tin-tuc-su-kien/' not in text
        )


@check("calendar-trap")
def _calendar(site: Site, urls: list[str], truth: dict[str, Record]) -> None:
    page = "http://moha.gov.vn/" + "tin-tuc-su-kien/hoat-dong-cua-bo-217.html"
    assert "/LichCongTac.aspx?date=2015-08-14" in get(site, page).body.decode()  # widget on every page
    url = urls[-1]
    for _ in range(40):  # the next-day link never runs out
        reply = get(site, url)
        assert reply.status == 200
        link = re.search(r'href="(/LichCongTac\.aspx\?date=[0-9-]+)">Ngày sau', reply.body.decode()).group(1)
        nxt = urljoin(url, link)
        assert nxt != url
        url = nxt
    assert url.endswith("2099-02-10")


@check("search-echo")
def _search(site: Site, urls: list[str], truth: dict[str, Record]) -> None:
    url = urls[0]
    for _ in range(5):
        text = get(site, url).body.decode()
        links = re.findall(r'href="(/TimKiem\.aspx\?q=[^"]+)"', text)
        longer = [link for link in links if len(link) > len(urlsplit(url).path + "?" + urlsplit(url).query)]
        assert longer, "search results must echo longer queries"
        url = urljoin(url, html.unescape(longer[0]))
    assert url.count("+") >= 6


@check("robots")
def _robots(site: Site, urls: list[str], truth: dict[str, Record]) -> None:
    reply = get(site, urls[0])
    assert reply.status == 200 and reply.header("Content-Type") == "text/plain"
    lines = reply.body.decode().splitlines()
    for rule in ("Disallow: /Admin/", "Disallow: /TimKiem.aspx", "Disallow: /EmailArticle.aspx"):
        assert rule in lines
    assert any(re.fullmatch(r"Crawl-delay: \d+", line) for line in lines)
    page = get(site, next(u for u in truth if "/tin-tuc-su-kien/" in u)).body.decode("latin-1")
    assert (
        'href="/EmailArticle.aspx?ItemID=' in page
        and 'href="/TimKiem.aspx?q=' in page
        and 'href="/Admin/' in page
    )


# ------------------------------------------------------------------ server behaviour


@check("deleted-404")
def _deleted(site: Site, urls: list[str], truth: dict[str, Record]) -> None:
    for url in urls:
        assert get(site, url).status == 404
        assert url not in {u for r in truth.values() for u in r.old_urls}


@check("soft-404")
def _soft404(site: Site, urls: list[str], truth: dict[str, Record]) -> None:
    for url in urls:
        reply = get(site, url)
        assert reply.status == 200 and SOFT_404_TEXT in reply.body.decode()
        assert url not in {u for r in truth.values() for u in r.old_urls}


@check("error-500-once")
def _fail_once(site: Site, urls: list[str], truth: dict[str, Record]) -> None:
    fresh = Site(seed=site.seed, scale=site.scale)
    for url in urls:
        results: list[int] = []
        lock = threading.Lock()

        def fetch(url: str = url, lock: threading.Lock = lock, results: list[int] = results) -> None:
            status = get(fresh, url).status
            with lock:
                results.append(status)

        threads = [threading.Thread(target=fetch) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert sorted(results) == [200] * 7 + [500], url  # exactly one failure, even concurrently


@check("slow")
def _slow(site: Site, urls: list[str], truth: dict[str, Record]) -> None:
    for url in urls:
        reply = get(site, url)
        assert reply.status == 200 and reply.delay_s >= 3.0


@check("redirect-chain")
def _chain(site: Site, urls: list[str], truth: dict[str, Record]) -> None:
    for url in urls:
        statuses, current = [], url
        for _ in range(5):
            reply = get(site, current)
            statuses.append(reply.status)
            if reply.status not in (301, 302):
                break
            current = urljoin(current, reply.header("Location"))
        assert statuses == [301, 302, 200]
        record = by_url(truth, normalize_url(current))
        assert url in record.old_urls  # the first URL of the chain needs a redirect too


@check("redirect-loop")
def _loop(site: Site, urls: list[str], truth: dict[str, Record]) -> None:
    seen, current = [], urls[0]
    for _ in range(6):
        reply = get(site, current)
        assert reply.status in (301, 302)
        seen.append(current)
        current = urljoin(current, reply.header("Location"))
    assert len(set(seen)) == 2  # it goes round between two URLs for ever


@check("large-attachment")
def _large(site: Site, urls: list[str], truth: dict[str, Record]) -> None:
    sizes = sorted(r.size for r in truth.values() if isinstance(r, Media) and not r.mime.startswith("image/"))
    for url in urls:
        data = _media_bytes(site, url)
        assert len(data) >= 3_000_000 and len(data) > 20 * sizes[len(sizes) // 2]
        assert data.startswith(b"%PDF") or data[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


@check("media-validators")
def _validators(site: Site, urls: list[str], truth: dict[str, Record]) -> None:
    for url in urls:
        reply = get(site, url)
        assert reply.etag and reply.etag.startswith('"') and reply.last_modified is not None
        assert reply.etag == get(site, url).etag
        PILImage.open(io.BytesIO(reply.body)).verify()


@check("gzip")
def _gzip(site: Site, urls: list[str], truth: dict[str, Record]) -> None:
    for url in urls:
        assert get(site, url).gzip


@check("chunked")
def _chunked(site: Site, urls: list[str], truth: dict[str, Record]) -> None:
    for url in urls:
        assert get(site, url).chunked


# ------------------------------------------------------------------ paging and listings


def _titles(body: bytes) -> list[str]:
    """The article links of a listing page (hrefs: titles may repeat across years)."""
    tree = lxml.html.fromstring(body.decode("utf-8"))
    return [a.get("href") for a in tree.xpath('//div[@class="news-list"]//h3/a')]


def _form(body: bytes) -> dict[str, str]:
    tree = lxml.html.fromstring(body.decode("utf-8"))
    return {i.get("name"): i.get("value", "") for i in tree.iter("input") if i.get("type") == "hidden"}


@check("postback-pager")
def _postback(site: Site, urls: list[str], truth: dict[str, Record]) -> None:
    url = urls[0]
    first = get(site, url)
    page1 = _titles(first.body)
    assert (
        len(page1) == 20 and "__doPostBack('ctl00$ContentPane$ctl01$pager','Page$2')" in first.body.decode()
    )
    fields = _form(first.body)
    assert {"__VIEWSTATE", "__EVENTVALIDATION", "__EVENTTARGET", "__EVENTARGUMENT"} <= set(fields)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}

    def post(**changes: str) -> list[str]:
        data = dict(fields, __EVENTTARGET=quirks.PAGER_TARGET, __EVENTARGUMENT="Page$2")
        data.update(changes)
        return _titles(get(site, url, "POST", urlencode(data).encode(), headers).body)

    page2 = post()
    assert page2 and not set(page2) & set(page1)
    assert _titles(get(site, url + "?page=2").body) == page1  # no query paging on this section
    tampered = base64.b64encode(b"219|2|000000000000").decode()
    assert post(__VIEWSTATE="/wEPDwUKMTI3" + tampered) == page1
    assert post(__VIEWSTATE="") == page1
    assert post(__EVENTVALIDATION="/wEWBgLxyz") == page1
    assert post(__EVENTARGUMENT="Page$99") == page1
    # A page-2 form posts back to page 1 with its own hidden fields.
    fields = _form(
        get(
            site,
            url,
            "POST",
            urlencode(dict(fields, __EVENTTARGET=quirks.PAGER_TARGET, __EVENTARGUMENT="Page$2")).encode(),
            headers,
        ).body
    )
    assert post(__EVENTARGUMENT="Page$1") == page1


@check("query-pager")
def _query_pager(site: Site, urls: list[str], truth: dict[str, Record]) -> None:
    url = urls[0]
    page2 = _titles(get(site, url).body)
    page1 = _titles(get(site, url.replace("&page=2", "")).body)
    assert len(page1) == 20 and page2 and not set(page1) & set(page2)
    assert get(site, url.replace("&page=2", "&page=99")).body.decode().count(SOFT_404_TEXT) == 1


@check("document-filters")
def _filters(site: Site, urls: list[str], truth: dict[str, Record]) -> None:
    listing = get(site, "http://moha.gov.vn/van-ban/Default.aspx?tabid=300").body.decode()
    assert (
        'href="Default.aspx?tabid=300&amp;type=nghi-dinh"' in listing
        and "&amp;year=" in listing
        and "&amp;issuer=" in listing
    )
    by_type = get(site, urls[0]).body.decode()
    rows = re.findall(
        r">((?:Luật|Nghị định|Thông tư|Quyết định|Công văn|Chỉ thị|Hướng dẫn) [^<]+)</a>", by_type
    )
    assert rows and all(r.startswith("Nghị định ") for r in rows)
    by_year = get(site, urls[1]).body.decode()
    dates = re.findall(r"<td>(\d\d/\d\d/\d{4})</td>", by_year)
    assert dates and all(d.endswith("/2012") for d in dates)


@check("links-every-form")
def _links(site: Site, urls: list[str], truth: dict[str, Record]) -> None:
    hrefs: set[str] = set()
    pages = [
        *urls,
        "http://moha.gov.vn/",
        "http://moha.gov.vn/gioi-thieu/chuc-nang-nhiem-vu.html",
        "http://moha.gov.vn/gioi-thieu/lien-he.html",
        "http://moha.gov.vn/van-ban/Default.aspx?tabid=300",
    ]
    for url in pages:
        hrefs |= set(
            html.unescape(h)
            for h in re.findall(r'href="([^"]*)"', get(site, url).body.decode("utf-8", "replace"))
        )
    forms = {
        "absolute bare": lambda h: h.startswith("http://moha.gov.vn/"),
        "absolute www": lambda h: h.startswith("http://www.moha.gov.vn/"),
        "root-relative": lambda h: h.startswith("/"),
        "relative": lambda h: h.startswith("Default.aspx?"),
        "../": lambda h: h.startswith("../"),
        "#fragment": lambda h: "#" in h,
        "mailto:": lambda h: h.startswith("mailto:"),
        "javascript:void(0)": lambda h: h == "javascript:void(0)",
        "chinhphu.vn": lambda h: "chinhphu.vn" in h,
        "Sở Nội vụ": lambda h: "sonoivu." in h or "snv." in h,
    }
    missing = [name for name, test in forms.items() if not any(test(h) for h in hrefs)]
    assert not missing


# ------------------------------------------------------------------ the parametrised test


@pytest.fixture(scope="module")
def truth_by_url(truth_records: list[Record]) -> dict[str, Record]:
    return {r.source_url: r for r in truth_records}


@pytest.fixture(scope="module")
def site() -> Site:
    """A site of this module's own, its 500-once URLs already spent (the shared one stays fresh)."""
    own = Site(seed=1, scale="test")
    for key in own.fail_once_paths:
        assert get(own, "http://moha.gov.vn" + key).status == 500
    return own


def test_every_quirk_has_a_check() -> None:
    assert set(CHECKS) == set(quirks.QUIRKS)


@pytest.mark.parametrize("name", sorted(quirks.QUIRKS))
def test_quirk_is_served(name: str, site: Site, truth_by_url: dict[str, Record]) -> None:
    urls = site.quirk_urls()[name]
    assert urls, f"no example of quirk {name!r} at test scale"
    CHECKS[name](site, urls, truth_by_url)
