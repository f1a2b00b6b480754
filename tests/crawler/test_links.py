"""crawler.links: every link form of the legacy pages, postback pager arguments, charset sniffing."""

import warnings

from scrapy import FormRequest
from scrapy.http import HtmlResponse

from crawler.links import decode_html, iter_css_links, iter_links, iter_postbacks, sniff_charset, with_event

BASE = "http://moha.gov.vn/tin-tuc-su-kien/ton-giao/bai-viet-20001.html"


def links(html: str) -> list[tuple[str, bool]]:
    return [(link.url, link.embed) for link in iter_links(html, BASE)]


def test_every_link_form_is_made_absolute() -> None:
    html = """<a href="/a.html#top">x</a><a href='http://www.moha.gov.vn/b.html'>y</a>
    <a href=c.html>z</a><a href="../van-thu-luu-tru/d.html">w</a><A HREF="/e.aspx?x=1&amp;y=2">v</A>"""
    assert links(html) == [
        ("http://moha.gov.vn/a.html", False),
        ("http://www.moha.gov.vn/b.html", False),
        ("http://moha.gov.vn/tin-tuc-su-kien/ton-giao/c.html", False),
        ("http://moha.gov.vn/tin-tuc-su-kien/van-thu-luu-tru/d.html", False),
        ("http://moha.gov.vn/e.aspx?x=1&y=2", False),
    ]


def test_javascript_mailto_and_bare_fragments_are_not_links() -> None:
    html = """<a href="javascript:void(0)">a</a><a href="mailto:x@moha.gov.vn">b</a><a href="#top">c</a>
    <a href="JavaScript:window.print()">d</a><a href="">e</a>"""
    assert links(html) == []


def test_embeds_are_told_apart_and_raw_vietnamese_names_percent_encoded() -> None:
    html = """<img src="/Uploads/Images/2010/01/ảnh đẹp.jpg"><script src="/js/menu.js"></script>
    <link rel="stylesheet" href="/Portals/0/skin.css"><link rel="alternate" href="/rss.aspx">
    <td background="/images/bg.gif">"""
    assert links(html) == [
        ("http://moha.gov.vn/Uploads/Images/2010/01/%E1%BA%A3nh%20%C4%91%E1%BA%B9p.jpg", True),
        ("http://moha.gov.vn/js/menu.js", True),
        ("http://moha.gov.vn/Portals/0/skin.css", True),
        ("http://moha.gov.vn/rss.aspx", False),
        ("http://moha.gov.vn/images/bg.gif", True),
    ]


def test_base_href_changes_resolution() -> None:
    html = '<base href="http://moha.gov.vn/gioi-thieu/"><a href="lanh-dao.html">x</a>'
    assert links(html) == [("http://moha.gov.vn/gioi-thieu/lanh-dao.html", False)]


def test_css_urls() -> None:
    css = "body{background:url('/images/bg.gif')} .x{background:url(../img/a.png)}"
    assert [l.url for l in iter_css_links(css, "http://moha.gov.vn/Portals/0/skin.css")] == [
        "http://moha.gov.vn/images/bg.gif", "http://moha.gov.vn/Portals/img/a.png"]


def test_postback_arguments_plain_and_html_escaped_once_each_in_order() -> None:
    html = """<a href="javascript:__doPostBack('ctl00$Main$pager','Page$2')">2</a>
    <a href="javascript:__doPostBack(&#39;ctl00$Main$pager&#39;,&#39;Page$3&#39;)">3</a>
    <a href="javascript:__doPostBack('ctl00$Main$pager','Page$2')">2 again</a>
    <a href="javascript:__doPostBack('ctl00$Main$btn','')">not a pager</a>"""
    assert list(iter_postbacks(html)) == [("ctl00$Main$pager", "Page$2"), ("ctl00$Main$pager", "Page$3")]


def test_pager_body_with_another_page_number_equals_the_browser_form_of_that_page() -> None:
    page = """<html><body><form method="post" action="/Default.aspx?tabid=1">
    <input type="hidden" name="__EVENTTARGET" value=""><input type="hidden" name="__EVENTARGUMENT" value="">
    <input type="hidden" name="__VIEWSTATE" value="dDw+Bộ/Nội vụ==&x">
    <input type="hidden" name="__EVENTVALIDATION" value="/wEW+AQ=="></form></body></html>"""
    response = HtmlResponse("http://moha.gov.vn/Default.aspx?tabid=1", body=page.encode(), encoding="utf-8")

    def browser_form(argument: str) -> bytes:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return FormRequest.from_response(response, dont_click=True, formdata={
                "__EVENTTARGET": "ctl00$Main$pager", "__EVENTARGUMENT": argument}).body

    assert with_event(browser_form("Page$2"), "ctl00$Main$pager", "Page$13") == browser_form("Page$13")
    assert with_event(b"__VIEWSTATE=a", "t$1", "Page$2") == b"__VIEWSTATE=a&__EVENTTARGET=t%241&__EVENTARGUMENT=Page%242"


def test_charset_from_header_then_meta_then_utf8() -> None:
    assert sniff_charset("text/html; charset=windows-1258", b"<meta charset='utf-8'>") == "windows-1258"
    assert sniff_charset("text/html", b'<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">') \
        == "iso-8859-1"
    assert sniff_charset(None, b"<html>") == "utf-8"
    # the bytes are the evidence: UTF-8 under an ISO-8859-1 header is UTF-8 (its links stay right)
    page = '<meta charset="utf-8"><img src="/Uploads/Hội nghị.gif">'.encode()
    assert sniff_charset("text/html; charset=ISO-8859-1", page) == "utf-8"
    assert links(decode_html(page, sniff_charset("text/html; charset=ISO-8859-1", page))) == [
        ("http://moha.gov.vn/Uploads/H%E1%BB%99i%20ngh%E1%BB%8B.gif", True)]
    # TCVN3 bytes served as windows-1252 are not UTF-8: the declaration stands
    assert sniff_charset("text/html; charset=windows-1252", b"<p>B\xe9 N\xe9i v\xf4</p>") == "windows-1252"
    assert decode_html("Bộ".encode(), "no-such-charset") == "Bộ"
