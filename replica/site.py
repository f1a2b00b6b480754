"""The replica of the legacy moha.gov.vn site: what it answers to every request (legacy-site.md).

`Site(seed, scale, skin, revision).handle(method, url, headers, body)` returns the `Reply` the old
ASP.NET portal would have sent for one request, for every URL form of legacy-site.md's table:
home, category listings (with `&page=N` or the ASP.NET postback pager), articles under their
canonical, `Default.aspx`, DotNetNuke and print URLs, legal documents and their filtered listing,
static pages, media under /Uploads/, requisites, robots.txt, and the traps and failures of its
"Quirks" section. Pages are rendered on demand from `replica.catalog`; nothing is pre-rendered,
so `scale="full"` builds in well under a second. The only mutable state is the set of URLs that
have already failed once (500 on the first request only, `quirks.FailOnce`), guarded by a lock
because a server may call `handle` from several threads.

The ground truth (what a perfect pipeline outputs) is `truth_records()` and `inventory()`,
implemented in `replica.truth` from the same catalog.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import random
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from moha_migrate.records import Record
from moha_migrate.slugs import slugify
from replica import content, quirks, requisites
from replica.catalog import Catalog, ascii_int, media_key
from replica.media import make_media
from replica.reply import Reply
from replica.skins import SKINS, Skin, esc, text_style, vn_date

log = logging.getLogger(__name__)

__all__ = ["Reply", "Site"]

# (HTTP header charset, <meta> charset) for each way an article body reached the browser.
CHARSETS: dict[str, tuple[str, str]] = {
    "utf-8": ("utf-8", "utf-8"),
    "nfd": ("utf-8", "utf-8"),
    "tcvn3": ("windows-1252", "windows-1252"),
    "vni": ("ISO-8859-1", "iso-8859-1"),
    "cp1258": ("windows-1258", "windows-1258"),
    "header-latin1": ("ISO-8859-1", "utf-8"),  # IIS default in the header, the truth in <meta>
    "meta-cp1252": ("utf-8", "windows-1252"),  # a stale template <meta>, the truth in the header
}
ASPNET_HEADERS = [
    ("Cache-Control", "private"),
    ("X-AspNet-Version", "2.0.50727"),
    ("X-Powered-By", "ASP.NET"),
]
SOFT_404_TEXT = "Bài viết không tồn tại hoặc đã bị xóa."
HOME_PATHS = ("/", "/default.aspx", "/Default.aspx")


class Site:
    """One replica of the legacy site, deterministic from (seed, scale, skin, revision)."""

    def __init__(
        self, seed: int = 1, scale: str | int = "test", skin: str = "classic", revision: int = 0
    ) -> None:
        if skin not in SKINS:
            raise ValueError(f"unknown skin {skin!r} (expected one of {', '.join(SKINS)})")
        self.seed = seed
        self.scale = scale
        self.skin_name = skin
        self.revision = revision
        self.catalog = Catalog(seed, scale, revision)
        self.skin: Skin = SKINS[skin](self.catalog)
        cat = self.catalog
        # Server-behaviour quirks, keyed by path?query as requested (media paths unquoted, NFC).
        first_doc = cat.document(2 % cat.documents_count).attachments[0].path
        self.fail_once_paths: tuple[str, ...] = (
            cat.headline(4).canonical_path,
            f"/Default.aspx?tabid={cat.categories[0].tabid}&page=2",
            first_doc,
        )
        self._fail_once = quirks.FailOnce(self.fail_once_paths)
        self.slow_paths: tuple[str, ...] = ("/gioi-thieu/lich-su-phat-trien.html",)

    # ------------------------------------------------------------------ the ground truth

    def truth_records(self) -> Iterator[Record]:
        """Every record a perfect pipeline outputs for this site (provenance None), in a stable order."""
        from replica.truth import iter_truth_records

        return iter_truth_records(self)

    def inventory(self) -> dict:
        """What a complete, polite crawl must and must not capture (see replica.truth)."""
        from replica.truth import build_inventory

        return build_inventory(self)

    def quirk_urls(self) -> dict[str, list[str]]:
        """Quirk name (quirks.QUIRKS) -> example URLs (absolute, as linked) that show it."""
        from replica.truth import quirk_urls

        return quirk_urls(self)

    # ------------------------------------------------------------------ one request

    def handle(self, method: str, url: str, headers: Mapping[str, str], body: bytes) -> Reply:
        """The reply to one request for an absolute http://moha.gov.vn/ or www. URL."""
        method = method.upper()
        if method not in ("GET", "HEAD", "POST"):
            reply = self._error_page(
                405, "Method Not Allowed", "The HTTP verb used to access this page is not allowed."
            )
            reply.headers.append(("Allow", "GET, HEAD, POST"))
            return reply
        parts = urlsplit(url)
        host = (parts.hostname or "moha.gov.vn").lower()
        session, path = quirks.split_session(parts.path or "/")
        query = parts.query
        key = self.request_key(path, query)
        if self._fail_once.fails(key):
            log.debug("replica: first request of %s fails with 500", key)
            return self._error_page(
                500, "Internal Server Error", "Runtime Error: An application error occurred on the server."
            )
        reply = self._route(method, host, path, query, body)
        if key in self.slow_paths:
            reply.delay_s = quirks.SLOW_DELAY_S
        if (
            session is not None
            and reply.status == 200
            and (reply.header("Content-Type") or "").startswith("text/html")
        ):
            # Every charset the site uses is ASCII-compatible, so links are rewritten on the bytes.
            reply.body = quirks.session_links(reply.body, session)
        return reply

    @staticmethod
    def request_key(path: str, query: str) -> str:
        """`path?query` with the path percent-decoded and NFC (how special URLs are matched)."""
        return media_key(unquote(path)) + (f"?{query}" if query else "")

    def _route(self, method: str, host: str, path: str, query: str, body: bytes) -> Reply:
        q = {k.lower(): v for k, v in parse_qsl(query, keep_blank_values=True)}
        if path == "/robots.txt":
            return _reply(200, "OK", "text/plain", quirks.ROBOTS_TXT.encode("ascii"))
        if path in HOME_PATHS:
            if "tabid" in q:
                return self._default_aspx(method, path, query, q, body)
            return self._html(
                self.skin.frame(
                    title=self.skin.page_title("Trang chủ"), main=self.skin.home_main(), meta_charset="utf-8"
                ),
                gzip=True,
            )
        if path.startswith("/tin-tuc-su-kien/"):
            return self._news_path(method, path, query, body)
        if path.startswith("/tabid/"):
            return self._dnn_path(path)
        if path == "/Print.aspx":
            return self._print(q)
        if path == "/EmailArticle.aspx":
            return self._email_form(q)
        if path == "/TinTuc.aspx":
            return self._legacy_redirect(host, q)
        if path == "/Redirect.aspx":
            return self._redirect_step(host, q)
        if path == "/Portal.aspx":
            target = quirks.redirect_loop_target("returnurl" in q)
            return _redirect(302, "Found", f"http://{host}{target}")
        if path == "/gioi-thieu.aspx":
            return _redirect(301, "Moved Permanently", f"http://{host}/gioi-thieu/gioi-thieu-chung.html")
        if path.startswith("/gioi-thieu/"):
            return self._static_page(path)
        if path in ("/van-ban/Default.aspx", "/van-ban/default.aspx", "/van-ban/"):
            return self._documents(path, q)
        if path == "/LichCongTac.aspx":
            return self._calendar(q)
        if path == "/TimKiem.aspx":
            return self._search(q)
        if path.startswith("/Admin/"):
            return self._admin(path)
        if path.startswith("/Uploads/"):
            return self._media(path)
        if path in requisites.TEXT_FILES:
            mime, text = requisites.TEXT_FILES[path]
            return _reply(200, "OK", mime, text.encode("ascii"), gzip=True, etag=_etag(text.encode("ascii")))
        if path in requisites.GIF_FILES:
            data = make_media(path, self.seed)
            return _reply(200, "OK", "image/gif", data, etag=_etag(data))
        return self._not_found(path)

    # ------------------------------------------------------------------ news

    def _news_path(self, method: str, path: str, query: str, body: bytes) -> Reply:
        cat = self.catalog
        rest = path[len("/tin-tuc-su-kien/") :]
        if "/" not in rest:
            # /tin-tuc-su-kien/<category-slug>-<tabid>.html
            for c, category in enumerate(cat.categories):
                if rest == f"{category.slug}-{category.tabid}.html":
                    return self._listing(method, c, path + (f"?{query}" if query else ""), None, body)
            return self._not_found(path)
        cat_slug, _, leaf = rest.partition("/")
        if not leaf.endswith(".html") or "-" not in leaf:
            return self._not_found(path)
        slug, _, id_text = leaf[: -len(".html")].rpartition("-")
        item_id = ascii_int(id_text)
        if item_id is None:
            return self._not_found(path)
        n = cat.n_of_item(item_id)
        if n is None:
            return self._not_found(path)  # deleted from the CMS: a real 404
        spec = cat.headline(n)
        if spec.category.slug != cat_slug or spec.slug != slug:
            return self._not_found(path)
        return self._article(n)

    def _dnn_path(self, path: str) -> Reply:
        bits = path.split("/")
        # ['', 'tabid', T, 'catid', C, 'item', I, 'slug.aspx']
        if (
            len(bits) != 8
            or bits[1] != "tabid"
            or bits[3] != "catid"
            or bits[5] != "item"
            or not bits[7].endswith(".aspx")
        ):
            return self._not_found(path)
        tabid, catid, item_id = ascii_int(bits[2]), ascii_int(bits[4]), ascii_int(bits[6])
        if tabid is None or catid is None or item_id is None:
            return self._not_found(path)
        n = self.catalog.n_of_item(item_id)
        if n is None:
            return self._soft_404()
        spec = self.catalog.headline(n)
        if spec.category.tabid != tabid or spec.category.catid != catid:
            return self._soft_404()
        return self._article(n)

    def _default_aspx(self, method: str, path: str, query: str, q: dict[str, str], body: bytes) -> Reply:
        tabid_text = q.get("tabid", "")
        tabid = ascii_int(tabid_text)
        if tabid is None:
            return self._soft_404()
        if "itemid" in q:
            item_id = ascii_int(q["itemid"])
            n = self.catalog.n_of_item(item_id) if item_id is not None else None
            if n is None or self.catalog.headline(n).category.tabid != tabid:
                return self._soft_404()  # DNN answers 200 with a message, never 404
            return self._article(n)
        for c, category in enumerate(self.catalog.categories):
            if category.tabid == tabid:
                page = None
                if category.paging == "query":
                    page = ascii_int(q.get("page", ""))
                return self._listing(method, c, path + f"?{query}", page, body)
        return self._soft_404()

    def _article_number(self, item_id_text: str) -> int | None:
        item_id = ascii_int(item_id_text)
        return self.catalog.n_of_item(item_id) if item_id is not None else None

    def _article(self, n: int) -> Reply:
        spec = self.catalog.article(n)
        style = text_style(spec.encoding)
        header_cs, meta_cs = CHARSETS[spec.encoding]
        main = self.skin.article_main(spec, style)
        page = self.skin.frame(
            title=self.skin.page_title(spec.title),
            main=main,
            meta_charset=meta_cs,
            form_action=spec.canonical_path,
        )
        return self._html(
            page, encoding=spec.encoding, header_charset=header_cs, gzip=spec.gzip, chunked=spec.chunked
        )

    def _print(self, q: dict[str, str]) -> Reply:
        text = q.get("itemid", "")
        n = self._article_number(text)
        if n is None:
            return self._soft_404()
        spec = self.catalog.article(n)
        header_cs, meta_cs = CHARSETS[spec.encoding]
        page = self.skin.print_page(spec, text_style(spec.encoding), meta_cs)
        return self._html(page, encoding=spec.encoding, header_charset=header_cs)

    def _email_form(self, q: dict[str, str]) -> Reply:
        text = q.get("itemid", "")
        n = self._article_number(text)
        title = self.catalog.headline(n).title if n is not None else ""
        main = (
            f"<h2>Gửi bài viết qua thư điện tử</h2><p>{esc(title)}</p>"
            '<table><tr><td>Người gửi:</td><td><input name="txtFrom" /></td></tr>'
            '<tr><td>Người nhận:</td><td><input name="txtTo" /></td></tr></table>'
            '<input type="submit" name="btnSend" value="Gửi" />'
        )
        return self._html(
            self.skin.frame(title=self.skin.page_title("Gửi email"), main=main, meta_charset="utf-8")
        )

    def _legacy_redirect(self, host: str, q: dict[str, str]) -> Reply:
        text = q.get("id", "")
        n = self._article_number(text)
        if n is None:
            return self._not_found("/TinTuc.aspx")
        return _redirect(
            301, "Moved Permanently", f"http://{host}/Redirect.aspx?ItemID={self.catalog.item_id(n)}"
        )

    def _redirect_step(self, host: str, q: dict[str, str]) -> Reply:
        text = q.get("itemid", "")
        n = self._article_number(text)
        if n is None:
            return self._not_found("/Redirect.aspx")
        return _redirect(302, "Found", f"http://{host}{self.catalog.headline(n).canonical_path}")

    # ------------------------------------------------------------------ listings

    def _listing(self, method: str, c: int, action: str, page: int | None, body: bytes) -> Reply:
        category = self.catalog.categories[c]
        pages = self.catalog.listing_pages(c)
        hidden = ""
        if category.paging == "postback":
            page = 1
            if method == "POST":
                page = quirks.postback_page(self.seed, category.tabid, pages, body) or 1
            hidden = (
                '<input type="hidden" name="__EVENTTARGET" id="__EVENTTARGET" value="" />'
                '<input type="hidden" name="__EVENTARGUMENT" id="__EVENTARGUMENT" value="" />'
                f'<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="{quirks.viewstate(self.seed, category.tabid, page)}" />'
                f'<input type="hidden" name="__EVENTVALIDATION" id="__EVENTVALIDATION" value="{quirks.eventvalidation(self.seed, category.tabid, pages)}" />'
            )
            pager = self.skin.pager_postback(page, pages)
            script = (
                "<script type=\"text/javascript\">\n//<![CDATA[\nvar theForm = document.forms['Form'];\n"
                "function __doPostBack(eventTarget, eventArgument) {\n"
                "    if (!theForm.onsubmit || (theForm.onsubmit() != false)) {\n"
                "        theForm.__EVENTTARGET.value = eventTarget;\n"
                "        theForm.__EVENTARGUMENT.value = eventArgument;\n"
                "        theForm.submit();\n    }\n}\n//]]>\n</script>\n"
            )
        else:
            page = page or 1
            if not 1 <= page <= pages:
                return self._soft_404()
            pager = self.skin.pager_query(
                category.tabid, page, pages, f"/Default.aspx?tabid={category.tabid}"
            )
            script = ""
        main = self.skin.listing_main(c, page, pager)
        title = category.name if page == 1 else f"{category.name} - Trang {page}"
        html_text = self.skin.frame(
            title=self.skin.page_title(title),
            main=main,
            meta_charset="utf-8",
            form_action=action,
            hidden=hidden,
            head_extra=script,
        )
        return self._html(html_text, gzip=True, chunked=(c % 2 == 1))

    # ------------------------------------------------------------------ documents

    def _documents(self, path: str, q: dict[str, str]) -> Reply:
        cat = self.catalog
        if q.get("tabid") != str(cat.documents_tabid):
            return self._soft_404()
        if "docid" in q:
            doc_id = ascii_int(q["docid"])
            d = cat.d_of_doc(doc_id) if doc_id is not None else None
            if d is None:
                return self._soft_404()
            doc = cat.document(d)
            page = self.skin.frame(
                title=self.skin.page_title(doc.title), main=self.skin.document_main(doc), meta_charset="utf-8"
            )
            return self._html(page, gzip=(d % 2 == 0), chunked=(d % 3 == 0))
        index = cat.doc_index()
        wanted = list(range(cat.documents_count))
        filters: list[tuple[str, str]] = []
        heading = "Văn bản quy phạm pháp luật"
        if "type" in q:
            types = [i for i, t in enumerate(content.DOC_TYPES) if slugify(t[0]) == q["type"]]
            wanted = [d for d in wanted if types and index[d][0] == types[0]]
            filters.append(("type", q["type"]))
            heading += f" - {content.DOC_TYPES[types[0]][0] if types else q['type']}"
        if "issuer" in q:
            wanted = [d for d in wanted if index[d][1] == q["issuer"]]
            filters.append(("issuer", q["issuer"]))
        if "year" in q:
            wanted = [d for d in wanted if str(index[d][2]) == q["year"]]
            filters.append(("year", q["year"]))
        wanted.reverse()  # newest first
        pages = max(1, -(-len(wanted) // 20))
        page = ascii_int(q.get("page", "")) or 1
        if not 1 <= page <= pages:
            return self._soft_404()
        base = f"/van-ban/Default.aspx?tabid={cat.documents_tabid}" + "".join(f"&{k}={v}" for k, v in filters)
        docs = [cat.document(d) for d in wanted[(page - 1) * 20 : page * 20]]
        pager = self.skin.pager_query(cat.documents_tabid, page, pages, base)
        page_html = self.skin.frame(
            title=self.skin.page_title(heading),
            meta_charset="utf-8",
            main=self.skin.document_listing_main(
                docs, self._doc_filters() if not filters else "", pager, heading
            ),
        )
        return self._html(page_html, gzip=True)

    @functools.cache  # noqa: B019 - bounded, pure in the site's knobs
    def _doc_filters(self) -> str:
        """Filter links of the unfiltered document listing (relative to /van-ban/)."""
        cat = self.catalog
        tabid = cat.documents_tabid
        types = " | ".join(
            f'<a href="Default.aspx?tabid={tabid}&amp;type={slugify(t[0])}">{esc(t[0])}</a>'
            for t in content.DOC_TYPES
        )
        issuers = sorted({(slugify(t[2]), t[2]) for t in content.DOC_TYPES})
        issuer_links = " | ".join(
            f'<a href="Default.aspx?tabid={tabid}&amp;issuer={s}">{esc(name)}</a>' for s, name in issuers
        )
        years = sorted({y for _, _, y in cat.doc_index()})
        year_links = " | ".join(f'<a href="Default.aspx?tabid={tabid}&amp;year={y}">{y}</a>' for y in years)
        return (
            f'<div class="vb-filter"><p>Loại văn bản: {types}</p><p>Cơ quan ban hành: {issuer_links}</p>'
            f"<p>Năm ban hành: {year_links}</p></div>"
        )

    # ------------------------------------------------------------------ static pages, traps, admin

    def _static_page(self, path: str) -> Reply:
        for page in self.catalog.pages:
            if path == page.path:
                html_text = self.skin.frame(
                    title=self.skin.page_title(page.title),
                    main=self.skin.static_main(page),
                    meta_charset="utf-8",
                )
                return self._html(html_text, chunked=(page.index % 2 == 1))
        return self._not_found(path)

    def _calendar(self, q: dict[str, str]) -> Reply:
        try:
            day = date.fromisoformat(q["date"]) if "date" in q else date(2015, 8, 14)
        except ValueError:
            day = date(2015, 8, 14)
        if not date(1900, 1, 1) <= day <= date(9000, 1, 1):
            day = date(2015, 8, 14)  # the calendar control refuses dates it cannot page from
        rng = random.Random(f"moha/{self.seed}/calendar/{day.isoformat()}")
        rows = []
        for hour in sorted(rng.sample(range(7, 17), 3)):
            leader = rng.choice(content.LEADERS)
            topic = rng.choice(content.CATEGORY_TOPICS["hoat-dong-cua-bo"])
            rows.append(f"<tr><td>{hour:02d}:00</td><td>{esc(leader)} chủ trì họp về {esc(topic)}</td></tr>")
        prev_day, next_day = day - timedelta(days=1), day + timedelta(days=1)
        main = (
            f'<h2>Lịch công tác ngày {vn_date(day)}</h2><table class="lct">{"".join(rows)}</table>'
            f'<p><a href="/LichCongTac.aspx?date={prev_day.isoformat()}">&laquo; Ngày trước</a> | '
            f'<a href="/LichCongTac.aspx?date={next_day.isoformat()}">Ngày sau &raquo;</a> | '
            f'<a href="/LichCongTac.aspx?date={(day + timedelta(days=7)).isoformat()}">Tuần sau</a></p>'
        )
        return self._html(
            self.skin.frame(title=self.skin.page_title("Lịch công tác"), main=main, meta_charset="utf-8")
        )

    def _search(self, q: dict[str, str]) -> Reply:
        text = q.get("q", "")[:500]
        rng = random.Random(f"moha/{self.seed}/search/{text}")
        hits = sorted(rng.sample(range(self.catalog.articles_count), min(5, self.catalog.articles_count)))
        rows = "".join(
            f'<li><a href="{esc(self.catalog.headline(n).canonical_path)}">{esc(self.catalog.headline(n).title)}</a></li>'
            for n in hits
        )
        words = ("bo noi vu", "cong chuc", "cai cach")
        more = " | ".join(
            f'<a href="/TimKiem.aspx?q={quote((text + " " + w).strip()).replace("%20", "+")}">{esc(w)}</a>'
            for w in words
        )
        main = f"<h2>Kết quả tìm kiếm: {esc(text)}</h2><ul>{rows}</ul><p>Tìm kiếm liên quan: {more}</p>"
        return self._html(
            self.skin.frame(title=self.skin.page_title("Tìm kiếm"), main=main, meta_charset="utf-8")
        )

    def _admin(self, path: str) -> Reply:
        if path != "/Admin/Login.aspx":
            return _redirect(302, "Found", f"/Admin/Login.aspx?ReturnUrl={quote(path, safe='')}")
        main = (
            '<h2>Đăng nhập quản trị</h2><table><tr><td>Tên đăng nhập:</td><td><input name="txtUser" /></td></tr>'
            '<tr><td>Mật khẩu:</td><td><input type="password" name="txtPass" /></td></tr></table>'
            '<input type="submit" name="btnLogin" value="Đăng nhập" />'
        )
        return self._html(
            self.skin.frame(title=self.skin.page_title("Đăng nhập"), main=main, meta_charset="utf-8")
        )

    # ------------------------------------------------------------------ media

    def _media(self, path: str) -> Reply:
        raw = unquote(path)
        found = self.catalog.media_at(raw)
        if found is None:
            return self._not_found(path)
        data = self.media_bytes(found.gen_key, found.size_hint)
        reply = _reply(200, "OK", found.mime, data, etag=_etag(data), last_modified=found.modified)
        reply.headers.append(("Accept-Ranges", "bytes"))
        reply.chunked = found.mime == "application/zip"
        return reply

    def media_bytes(self, gen_key: str, size_hint: int | None) -> bytes:
        """The bytes of one media file (`gen_key` is its first path, `#rN` when a revision changed it)."""
        path, _, rev = gen_key.partition("#")
        seed = self.seed if not rev else self.seed * 1000 + self.revision
        return make_media(path, seed, size_hint)

    # ------------------------------------------------------------------ replies

    def _html(
        self,
        page: str,
        *,
        encoding: str = "utf-8",
        header_charset: str = "utf-8",
        gzip: bool = False,
        chunked: bool = False,
    ) -> Reply:
        if encoding in ("tcvn3", "vni"):
            data = quirks.latin1_page(page)
        elif encoding == "cp1258":
            data = quirks.windows_1258_decomposed(page)
        else:
            data = page.encode("utf-8")
        return _reply(200, "OK", f"text/html; charset={header_charset}", data, gzip=gzip, chunked=chunked)

    def _soft_404(self) -> Reply:
        main = f'<div class="news-detail"><p class="error">{SOFT_404_TEXT}</p><p><a href="/">Về trang chủ</a></p></div>'
        return self._html(
            self.skin.frame(title=self.skin.page_title("Thông báo"), main=main, meta_charset="utf-8")
        )

    def _not_found(self, path: str) -> Reply:
        return self._error_page(404, "Not Found", "The resource cannot be found.", path)

    @staticmethod
    def _error_page(status: int, reason: str, message: str, path: str = "") -> Reply:
        body = (
            f'<html><head><title>{esc(message)}</title></head><body bgcolor="white">'
            "<span><h1>Server Error in '/' Application.<hr width=100% size=1 color=silver></h1>"
            f"<h2> <i>{esc(message)}</i> </h2></span>"
            + (f"<b> Requested URL: </b>{esc(path)}<br><br>" if path else "")
            + "<hr width=100% size=1 color=silver><b>Version Information:</b>&nbsp;Microsoft .NET Framework Version:2.0.50727.3634; ASP.NET Version:2.0.50727.3634"
            "</body></html>"
        )
        return _reply(status, reason, "text/html; charset=utf-8", body.encode("utf-8"))


def _reply(
    status: int,
    reason: str,
    mime: str,
    body: bytes,
    *,
    gzip: bool = False,
    chunked: bool = False,
    etag: str | None = None,
    last_modified=None,
) -> Reply:
    return Reply(
        status,
        reason,
        [("Content-Type", mime), *ASPNET_HEADERS],
        body,
        gzip=gzip,
        chunked=chunked,
        etag=etag,
        last_modified=last_modified,
    )


def _redirect(status: int, reason: str, location: str) -> Reply:
    body = f'<html><head><title>Object moved</title></head><body><h2>Object moved to <a href="{esc(location)}">here</a>.</h2></body></html>'
    reply = _reply(status, reason, "text/html; charset=utf-8", body.encode("utf-8"))
    reply.headers.append(("Location", location))
    return reply


def _etag(data: bytes) -> str:
    return '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
