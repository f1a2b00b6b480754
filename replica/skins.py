"""The HTML of the replica's pages in its two skins: "classic" (the DotNetNuke-era portal with div
columns) and "tables" (an older layout-table template with other ids, classes and sidebar order).

A skin renders Unicode text; `site.py` turns it into the page's bytes (UTF-8, windows-1252 with
legacy-font runs, or windows-1258). Item content (body blocks, captions, credits) is rendered by
`render_body`, shared by both skins, because it was pasted into the CMS and did not change with
the template. Every page carries the same chrome: header banner, menus, a right column with the
work-calendar widget, featured news (absolute www. links), links to other government sites and
the visitor counter, and the footer `Bản quyền thuộc Bộ Nội vụ ...`.
"""

from __future__ import annotations

import calendar
import functools
import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from moha_migrate.slugs import slugify
from replica import content, quirks
from replica.catalog import ArticleHead, ArticleSpec, Catalog, DocumentSpec, Inline, Link, MediaRef, PageSpec

CALENDAR_MONTH = (2015, 8)  # the widget shows the month the site was frozen in
EXTERNAL_LINKS = (
    ("http://chinhphu.vn/portal/page/portal/chinhphu/trangchu", "Cổng TTĐT Chính phủ"),
    ("http://sonoivu.hanoi.gov.vn/", "Sở Nội vụ Hà Nội"),
    ("http://snv.hochiminhcity.gov.vn/", "Sở Nội vụ TP. Hồ Chí Minh"),
    ("http://sonoivu.danang.gov.vn/", "Sở Nội vụ Đà Nẵng"),
    ("http://vbpl.vn/", "Cơ sở dữ liệu quốc gia về văn bản pháp luật"),
)
SITE_NAME = "Cổng thông tin điện tử Bộ Nội vụ"
FOOTER = (
    "Bản quyền thuộc Bộ Nội vụ - Cơ quan chủ quản: Bộ Nội vụ nước Cộng hòa xã hội chủ nghĩa Việt Nam. "
    "Địa chỉ: Số 8 Tôn Thất Thuyết, Cầu Giấy, Hà Nội. Ghi rõ nguồn moha.gov.vn khi phát hành lại thông tin từ website này."
)
VISITORS = "Số lượt truy cập: 20.600.000"
DEFAULT_HIDDEN = (
    '<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="/wEPDwUKLTk1MjA3NjQ3OGRk" />'
)

esc = html.escape


def vn_date(moment: datetime | date) -> str:
    return f"{moment.day:02d}/{moment.month:02d}/{moment.year}"


def shown_date(spec: ArticleSpec) -> str:
    """The article's date in the form its template used (legacy-site.md, three forms)."""
    t = spec.published_at
    if spec.date_form == "weekday":
        return f"{content.VN_WEEKDAYS[t.weekday()]}, {vn_date(t)}, {t.hour:02d}:{t.minute:02d}"
    if spec.date_form == "updated":
        return f"Cập nhật lúc {t.hour}:{t.minute:02d} ngày {t.day}/{t.month}/{t.year}"
    return f"{vn_date(t)} {t.hour:02d}:{t.minute:02d} GMT+7"


# ------------------------------------------------------------------ item content (both skins)


@dataclass(frozen=True, slots=True)
class TextStyle:
    """How item text is written into the page for one encoding quirk."""

    run: Callable[[str], str]  # escaped text as it sits in the page string
    font_open: str = ""
    font_close: str = ""
    heading_open: str = ""
    heading: Callable[[str], str] | None = None


def text_style(encoding: str) -> TextStyle:
    if encoding == "tcvn3":
        return TextStyle(
            quirks.tcvn3_run,
            '<font face=".VnTime">',
            "</font>",
            '<font face=".VnTimeH">',
            quirks.tcvn3_heading,
        )
    if encoding == "vni":
        return TextStyle(
            quirks.vni_run,
            '<span style="font-family:VNI-Times">',
            "</span>",
            '<span style="font-family:VNI-Times">',
            quirks.vni_run,
        )
    if encoding == "nfd":
        return TextStyle(quirks.nfd_text)
    return TextStyle(lambda s: esc(s, quote=False))


def _parts(parts: Sequence[Inline], style: TextStyle) -> str:
    out = []
    for p in parts:
        if isinstance(p, Link):
            out.append(f'<a href="{esc(p.href)}">{style.run(p.text)}</a>')
        else:
            out.append(style.run(p))
    return "".join(out)


def render_body(spec: ArticleSpec, style: TextStyle) -> str:
    """The article body as pasted into the CMS: clean HTML, or Word HTML for Word pastes."""
    word = spec.word_html
    fo, fc = style.font_open, style.font_close
    if word and not fo:
        fo, fc = '<font face="Times New Roman" size="3">', "</font>"
    out: list[str] = []
    first_p = True
    count = 0
    for block in spec.blocks:
        if block.kind == "raw":
            out.append(block.html)
        elif block.kind == "p":
            text = fo + _parts(block.parts, style) + fc
            attrs = ""
            if spec.dangerous and first_p:
                attrs = " onclick=\"window.location='/Admin/Login.aspx'\""
            first_p = False
            count += 1
            if word:
                close = "" if count % 3 == 2 else "</p>"  # Word left some paragraphs unclosed
                out.append(
                    f"<p class=MsoNormal style='text-align:justify;text-indent:36.0pt;line-height:150%;"
                    f"mso-pagination:widow-orphan'{attrs}><span style='font-size:13.0pt;mso-bidi-font-size:12.0pt'>"
                    f"{text}<o:p></o:p></span>{close}"
                )
                if count % 2:
                    out.append("<p class=MsoNormal>&nbsp;<o:p></o:p></p>")  # Word's empty line
            else:
                out.append(f'<p style="text-align: justify;"{attrs}>{text}</p>')
        elif block.kind == "h2":
            text = fo + _parts(block.parts, style) + fc
            if word:
                out.append(
                    f"<p class=MsoNormal><b><span style='mso-bidi-font-size:12.0pt'>{text}<o:p></o:p></span></b></p>"
                )
            else:
                out.append(f"<h3>{text}</h3>")
        elif block.kind == "ul":
            if word:
                items = "".join(
                    f"<li class=MsoNormal style='mso-list:l0 level1 lfo1'>{fo}{_parts(it, style)}{fc}"
                    for it in block.items
                )
                out.append(f"<ul style='margin-top:0cm' type=disc>{items}</ul>")  # <li> left unclosed
            else:
                out.append(
                    "<ul>" + "".join(f"<li>{fo}{_parts(it, style)}{fc}</li>" for it in block.items) + "</ul>"
                )
        elif block.kind == "img" and block.image is not None:
            out.append(render_image(block.image, style, fo, fc, word))
    return "\n".join(out)


def render_image(image: MediaRef, style: TextStyle, fo: str, fc: str, word: bool) -> str:
    """Photo with its caption under it, `(Ảnh: ...)` on its own line, in a layout table."""
    desc, sep, credit = image.caption.partition(" (Ảnh:")
    caption = style.run(desc) + ("<br />" + style.run("(Ảnh:" + credit) if sep else "")
    img = f'<img src="{esc(image.path)}" alt="" width="450" border="0" />'
    if word:
        # Nested layout tables with unclosed cells, as Word exported them.
        return (
            f"<table class=MsoNormalTable border=0 cellspacing=0 cellpadding=0 align=center><tr><td style='padding:0cm'>"
            f"<table border=0 cellpadding=0 width=450><tr><td align=center>{img}"
            f"<tr><td align=center style='mso-line-height-rule:exactly'><i>{fo}{caption}{fc}</i>"
            f"</table></td></tr></table>"
        )
    return (
        f'<table class="image" align="center" cellpadding="3"><tr><td>{img}</td></tr>'
        f'<tr><td class="caption"><em>{fo}{caption}{fc}</em></td></tr></table>'
    )


# ------------------------------------------------------------------ skins


class Skin:
    """Shared page structure; subclasses give the chrome and the per-page-type layout."""

    name = "base"

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    # -- chrome pieces used by both skins

    def category_url(self, c: int) -> str:
        cat = self.catalog.categories[c]
        return f"/tin-tuc-su-kien/{cat.slug}-{cat.tabid}.html"

    @functools.lru_cache(maxsize=8)  # noqa: B019 - chrome is the same on every page of a site
    def menu_items(self) -> list[tuple[str, str]]:
        items = [(self.category_url(i), c.name) for i, c in enumerate(self.catalog.categories)]
        items.append((f"/van-ban/Default.aspx?tabid={self.catalog.documents_tabid}", "Văn bản"))
        return items

    @functools.lru_cache(maxsize=8)  # noqa: B019 - chrome is the same on every page of a site
    def page_links(self) -> list[tuple[str, str]]:
        return [(p.path, p.title) for p in self.catalog.pages]

    @functools.lru_cache(maxsize=8)  # noqa: B019 - chrome is the same on every page of a site
    def featured(self) -> list[tuple[str, str]]:
        out = []
        for n in self.catalog.featured:
            a = self.catalog.headline(n)
            out.append((f"http://www.moha.gov.vn{a.canonical_path}", a.title))
        return out

    @functools.lru_cache(maxsize=8)  # noqa: B019 - chrome is the same on every page of a site
    def calendar_widget(self) -> str:
        year, month = CALENDAR_MONTH
        weeks = calendar.Calendar(firstweekday=0).monthdayscalendar(year, month)
        rows = []
        for week in weeks:
            cells = "".join(
                f'<td><a href="/LichCongTac.aspx?date={year}-{month:02d}-{d:02d}">{d}</a></td>'
                if d
                else "<td></td>"
                for d in week
            )
            rows.append(f"<tr>{cells}</tr>")
        prev_m, next_m = (year, month - 1), (year, month + 1)
        return (
            f'<table class="calendar" summary="Lịch công tác"><caption>'
            f'<a href="/LichCongTac.aspx?date={prev_m[0]}-{prev_m[1]:02d}-01">&laquo;</a> Tháng {month}/{year} '
            f'<a href="/LichCongTac.aspx?date={next_m[0]}-{next_m[1]:02d}-01">&raquo;</a></caption>'
            "<tr><th>T2</th><th>T3</th><th>T4</th><th>T5</th><th>T6</th><th>T7</th><th>CN</th></tr>"
            + "".join(rows)
            + "</table>"
        )

    def head(self, title: str, meta_charset: str, extra: str = "") -> str:
        return (
            '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
            '<html xmlns="http://www.w3.org/1999/xhtml" lang="vi">\n<head>\n'
            f'<meta http-equiv="Content-Type" content="text/html; charset={meta_charset}" />\n'
            f"<title>{esc(title)}</title>\n"
            '<meta name="keywords" content="Bộ Nội vụ, cải cách hành chính, công chức, thi đua khen thưởng" />\n'
            '<link href="/Portals/0/skin.css" type="text/css" rel="stylesheet" />\n'
            '<script src="/js/jquery.js" type="text/javascript"></script>\n'
            '<script src="/js/dnncore.js" type="text/javascript"></script>\n'
            f"{extra}</head>\n"
        )

    def page_title(self, title: str) -> str:
        raise NotImplementedError

    def frame(
        self,
        *,
        title: str,
        main: str,
        meta_charset: str,
        form_action: str = "/Default.aspx",
        hidden: str = "",
        head_extra: str = "",
    ) -> str:
        raise NotImplementedError

    # -- main areas

    def article_main(self, spec: ArticleSpec, style: TextStyle) -> str:
        raise NotImplementedError

    def related_lists(
        self, spec: ArticleSpec
    ) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
        """(CÁC TIN ĐÃ ĐƯA, TIN LIÊN QUAN) as (href, title, date) rows."""
        older = []
        for m in self.catalog.older_news(spec.n):
            a = self.catalog.headline(m)
            older.append((a.default_path, a.title, vn_date(a.published_at)))
        related = []
        for m in self.catalog.related_news(spec.n):
            a = self.catalog.headline(m)
            related.append((f"http://www.moha.gov.vn{a.dnn_path}", a.title, vn_date(a.published_at)))
        return older, related

    def tags(self, spec: ArticleSpec) -> str:
        topic = spec.category.name
        q = slugify(topic).replace("-", "+")
        return f'<div class="tags">Từ khóa: <a href="/TimKiem.aspx?q={q}">{esc(topic)}</a></div>'

    def attachments_html(self, refs: Sequence[MediaRef]) -> str:
        if not refs:
            return ""
        links = "<br />".join(f'<a href="{esc(r.path)}">{esc(r.filename)}</a>' for r in refs)
        return f'<div class="attach"><b>File đính kèm:</b> {links}</div>'

    def credit_html(self, spec: ArticleSpec, style: TextStyle) -> str:
        if not spec.credit:
            return ""
        return f'<p class="credit" style="text-align: right;"><b>{style.font_open}{style.run(spec.credit)}{style.font_close}</b></p>'

    def heading_html(self, spec: ArticleSpec, style: TextStyle) -> str:
        if style.heading is not None:
            return style.heading_open + style.heading(spec.title) + style.font_close
        return esc(spec.title)

    def toolbar(self, spec: ArticleSpec, sep: str = " ") -> str:
        return sep.join(
            (
                f'<span class="date">{esc(shown_date(spec))}</span>',
                f'<a href="{spec.email_path}">Email</a>',
                f'<a href="{spec.print_path}" target="_blank">Print</a>',
                '<a href="javascript:void(0)" class="like">Like</a> <span class="like-count">0</span>',
            )
        )

    def listing_rows(self, c: int, page: int) -> list[ArticleHead]:
        size = 20
        out = []
        for r in range((page - 1) * size, page * size):
            n = self.catalog.at_rank(c, r)
            if n is None:
                break
            out.append(self.catalog.headline(n))
        return out

    def thumb(self, head: ArticleHead) -> str:
        return head.thumb or "/images/no-image.gif"

    def pager_query(self, tabid: int, page: int, pages: int, base: str) -> str:
        links = []
        for p in range(1, pages + 1):
            href = base if p == 1 else f"{base}&page={p}"
            links.append(f"<span>{p}</span>" if p == page else f'<a href="{esc(href)}">{p}</a>')
        return '<div class="pager">Trang: ' + " ".join(links) + "</div>" if pages > 1 else ""

    def pager_postback(self, page: int, pages: int) -> str:
        if pages <= 1:
            return ""
        links = []
        for p in range(1, pages + 1):
            if p == page:
                links.append(f"<span>{p}</span>")
            else:
                links.append(
                    f"<a href=\"javascript:__doPostBack('{quirks.PAGER_TARGET}','Page${p}')\">{p}</a>"
                )
        return '<div class="pager">Trang: ' + " ".join(links) + "</div>"

    def listing_main(self, c: int, page: int, pager: str) -> str:
        raise NotImplementedError

    def home_main(self) -> str:
        raise NotImplementedError

    def document_main(self, doc: DocumentSpec) -> str:
        rows = [
            ("Số/Ký hiệu", esc(doc.number)),
            ("Ngày ban hành", vn_date(doc.issued_on)),
            ("Ngày hiệu lực", vn_date(doc.effective_on) if doc.effective_on else ""),
            ("Loại văn bản", esc(doc.doc_type)),
            ("Cơ quan ban hành", esc(doc.issuer)),
            ("Người ký", esc(doc.signer or "")),
            ("Lĩnh vực", esc(doc.field or "")),
            ("Tình trạng hiệu lực", esc(doc.status or "")),
            ("Ngày hết hiệu lực", vn_date(doc.expired_on) if doc.expired_on else ""),
            ("Trích yếu", esc(doc.abstract)),
            (
                "File đính kèm",
                "<br />".join(f'<a href="{esc(r.path)}">{esc(r.filename)}</a>' for r in doc.attachments),
            ),
        ]
        return self.attribute_table(doc, rows)

    def attribute_table(self, doc: DocumentSpec, rows: list[tuple[str, str]]) -> str:
        raise NotImplementedError

    def document_listing_main(
        self, docs: Sequence[DocumentSpec], filters: str, pager: str, heading: str
    ) -> str:
        rows = "".join(
            f"<tr><td>{esc(d.number)}</td><td>{vn_date(d.issued_on)}</td>"
            f'<td><a href="Default.aspx?tabid={self.catalog.documents_tabid}&amp;DocID={d.doc_id}">{esc(d.title)}</a>'
            f"<br />{esc(d.abstract)}</td></tr>"
            for d in docs
        )
        return (
            f'<h2 class="vb-title">{esc(heading)}</h2>{filters}'
            '<table class="vb-list" border="1" cellspacing="0" cellpadding="4"><tr><th>Số/Ký hiệu</th>'
            f"<th>Ngày ban hành</th><th>Trích yếu</th></tr>{rows}</table>{pager}"
        )

    def static_main(self, page: PageSpec) -> str:
        body = "".join(f"<p>{_parts(p, text_style('utf-8'))}</p>" for p in page.blocks)
        anchor = '<a name="ban-bien-tap"></a>' if page.slug == "lien-he" else ""
        return f'{anchor}<h2 class="page-title">{esc(page.title)}</h2><div class="page-content">{body}</div>'

    def print_page(self, spec: ArticleSpec, style: TextStyle, meta_charset: str) -> str:
        lead = (
            f'<p class="lead"><b>{style.font_open}{style.run(spec.lead)}{style.font_close}</b></p>'
            if spec.lead
            else ""
        )
        return (
            self.head(self.page_title(spec.title), meta_charset)
            + '<body onload="window.print()"><div id="print">'
            + f'<img src="/images/logo.gif" alt="{SITE_NAME}" />'
            + f'<p class="date">{esc(shown_date(spec))}</p><h1>{self.heading_html(spec, style)}</h1>{lead}'
            + f'<div class="content">{render_body(spec, style)}</div>{self.credit_html(spec, style)}'
            + f"{self.attachments_html(spec.attachments)}"
            + '<p><a href="javascript:window.print()">In bài viết</a> | <a href="javascript:window.close()">Đóng cửa sổ</a></p>'
            + "</div></body></html>"
        )


class ClassicSkin(Skin):
    """The DotNetNuke 4 portal of 2008-2015: div columns, left menu, right column."""

    name = "classic"

    def page_title(self, title: str) -> str:
        return f"{title} | Bộ Nội vụ"

    def frame(
        self,
        *,
        title: str,
        main: str,
        meta_charset: str,
        form_action: str = "/Default.aspx",
        hidden: str = "",
        head_extra: str = "",
    ) -> str:
        menu = "".join(f'<li><a href="{esc(u)}">{esc(t)}</a></li>' for u, t in self.menu_items())
        pages = "".join(f'<li><a href="{esc(u)}">{esc(t)}</a></li>' for u, t in self.page_links())
        featured = "".join(f'<li><a href="{esc(u)}">{esc(t)}</a></li>' for u, t in self.featured())
        external = "".join(f'<option value="{esc(u)}">{esc(t)}</option>' for u, t in EXTERNAL_LINKS)
        ext_links = "".join(
            f'<li><a href="{esc(u)}" target="_blank">{esc(t)}</a></li>' for u, t in EXTERNAL_LINKS
        )
        return (
            self.head(title, meta_charset, head_extra)
            + '<body><a name="top"></a>\n'
            + f'<form name="Form" method="post" action="{esc(form_action)}" id="Form">\n'
            + f'<div class="aspNetHidden">{hidden or DEFAULT_HIDDEN}</div>\n'
            + '<div id="wrapper">\n<div id="header"><a href="/Default.aspx"><img src="/images/logo.gif" alt="Bộ Nội vụ" /></a>'
            + f'<img src="/images/banner.gif" alt="{SITE_NAME}" /></div>\n'
            + '<div id="topmenu"><a href="/default.aspx">Trang chủ</a> | <a href="/gioi-thieu.aspx">Giới thiệu</a> | '
            + f'<a href="/van-ban/Default.aspx?tabid={self.catalog.documents_tabid}">Văn bản</a> | '
            + '<a href="/LichCongTac.aspx">Lịch công tác</a> | <a href="mailto:banbientap@moha.gov.vn">Liên hệ</a></div>\n'
            + f'<div id="leftcol"><h4>Tin tức - Sự kiện</h4><ul class="menu">{menu}</ul><h4>Giới thiệu</h4><ul class="menu">{pages}</ul></div>\n'
            + f'<div id="content">{main}</div>\n'
            + f'<div id="rightcol"><div class="box">{self.calendar_widget()}</div>'
            + f'<div class="box"><h4>Tin nổi bật</h4><ul>{featured}</ul></div>'
            + f'<div class="box"><h4>Liên kết website</h4><ul>{ext_links}</ul>'
            + f'<select onchange="window.open(this.value)"><option>-- Chọn liên kết --</option>{external}</select></div>'
            + f'<div class="box counter">{VISITORS}</div></div>\n'
            + f'<div id="footer"><p>{esc(FOOTER)}</p><p><a href="http://moha.gov.vn/">moha.gov.vn</a> | <a href="http://www.moha.gov.vn/gioi-thieu/lien-he.html">Liên hệ</a> | '
            + '<a href="/Admin/Login.aspx">Quản trị</a> | <a href="#top">Về đầu trang</a></p></div>\n'
            + "</div>\n</form>\n</body>\n</html>\n"
        )

    def article_main(self, spec: ArticleSpec, style: TextStyle) -> str:
        older, related = self.related_lists(spec)
        lead = (
            f'<div class="lead"><b>{style.font_open}{style.run(spec.lead)}{style.font_close}</b></div>'
            if spec.lead
            else ""
        )
        out = [
            f'<div class="breadcrumb"><a href="/">Trang chủ</a> &raquo; <a href="/Default.aspx?tabid={spec.category.tabid}">{esc(spec.category.name)}</a></div>',
            '<div class="news-detail">',
            f'<div class="toolbar">{self.toolbar(spec)}</div>',
            f'<h1 class="title">{self.heading_html(spec, style)}</h1>',
            lead,
            f'<div class="content">{render_body(spec, style)}</div>',
            self.credit_html(spec, style),
            self.attachments_html(spec.attachments),
            self.tags(spec),
        ]
        if older:
            rows = "".join(
                f'<li><a href="{esc(h)}">{esc(t)}</a> <span class="date">({d})</span></li>'
                for h, t, d in older
            )
            out.append(f'<div class="other-news"><h3>CÁC TIN ĐÃ ĐƯA</h3><ul>{rows}</ul></div>')
        if related:
            rows = "".join(
                f'<li><a href="{esc(h)}">{esc(t)}</a> <span class="date">({d})</span></li>'
                for h, t, d in related
            )
            out.append(f'<div class="related-news"><h3>TIN LIÊN QUAN</h3><ul>{rows}</ul></div>')
        out.append(
            '<p class="back"><a href="javascript:history.back()">Quay lại</a> | <a href="#top">Lên đầu trang</a></p></div>'
        )
        return "\n".join(x for x in out if x)

    def listing_main(self, c: int, page: int, pager: str) -> str:
        cat = self.catalog.categories[c]
        items = []
        for a in self.listing_rows(c, page):
            items.append(
                f'<div class="news-item"><a href="{esc(a.canonical_path)}"><img class="thumb" src="{esc(self.thumb(a))}" alt="" width="120" /></a>'
                f'<h3><a href="{esc(a.canonical_path)}">{esc(a.title)}</a></h3> <span class="date">({vn_date(a.published_at)})</span>'
                f'<p class="summary">{esc(a.lead)}</p></div>'
            )
        return (
            f'<div class="breadcrumb"><a href="/">Trang chủ</a> &raquo; {esc(cat.name)}</div>'
            f'<h2 class="cat-title">{esc(cat.name)}</h2><div class="news-list">{"".join(items)}</div>{pager}'
        )

    def home_main(self) -> str:
        cat = self.catalog
        latest = "".join(
            f'<li><a href="{esc(cat.headline(n).reordered_path)}">{esc(cat.headline(n).title)}</a></li>'
            for n in cat.latest
        )
        blocks = []
        for c, category in enumerate(cat.categories):
            rows = []
            for r in range(3):
                n = cat.at_rank(c, r)
                if n is None:
                    break
                a = cat.headline(n)
                rows.append(
                    f'<li><a href="{esc(a.default_path)}">{esc(a.title)}</a> <span class="date">({vn_date(a.published_at)})</span></li>'
                )
            blocks.append(
                f'<div class="cat-box"><h3><a href="{esc(self.category_url(c))}">{esc(category.name)}</a></h3><ul>{"".join(rows)}</ul></div>'
            )
        focus = "".join(
            f'<li><a href="{esc(cat.headline(n).legacy_path)}">{esc(cat.headline(n).title)}</a></li>'
            for n in cat.chain_items
        )
        return (
            f'<div class="hot-news"><h3>Tin mới nhất</h3><ul>{latest}</ul></div>'
            + "".join(blocks)
            + f'<div class="focus"><h3>Tin tiêu điểm</h3><ul>{focus}</ul></div>'
            + f'<div class="old-portal"><a href="/(S({quirks.SESSION_ID}))/default.aspx">Phiên bản cũ</a> | '
            + '<a href="/Portal.aspx">Cổng thông tin (bản thử nghiệm)</a></div>'
            + '<div class="banners"><a href="http://chinhphu.vn/portal/page/portal/chinhphu/trangchu"><img src="/images/banner-chinhphu.gif" alt="Chính phủ" /></a></div>'
            + f'<p class="counter">{VISITORS}</p>'
        )

    def attribute_table(self, doc: DocumentSpec, rows: list[tuple[str, str]]) -> str:
        body = "".join(f'<tr><td class="label" width="30%">{esc(k)}</td><td>{v}</td></tr>' for k, v in rows)
        return (
            f'<div class="breadcrumb"><a href="/">Trang chủ</a> &raquo; <a href="Default.aspx?tabid={self.catalog.documents_tabid}">Văn bản</a></div>'
            f'<h2 class="vb-title">{esc(doc.title)}</h2><table class="vb-detail" border="1" cellspacing="0" cellpadding="4">{body}</table>'
        )


class TablesSkin(Skin):
    """The older layout-table template: banner row, then menus on the right, content in the
    middle and the calendar and links on the left; other ids and classes throughout."""

    name = "tables"

    def page_title(self, title: str) -> str:
        return f"Bộ Nội vụ - {title}"

    def frame(
        self,
        *,
        title: str,
        main: str,
        meta_charset: str,
        form_action: str = "/Default.aspx",
        hidden: str = "",
        head_extra: str = "",
    ) -> str:
        menu = "".join(
            f'<tr><td class="MenuItem"><a class="MenuLink" href="{esc(u)}">{esc(t)}</a></td></tr>'
            for u, t in self.menu_items()
        )
        pages = "".join(
            f'<tr><td class="MenuItem"><a class="MenuLink" href="{esc(u)}">{esc(t)}</a></td></tr>'
            for u, t in self.page_links()
        )
        featured = "".join(
            f'<tr><td class="NoiBat">&raquo; <a href="{esc(u)}">{esc(t)}</a></td></tr>'
            for u, t in self.featured()
        )
        ext_links = "".join(
            f'<tr><td><a href="{esc(u)}" target="_blank">{esc(t)}</a></td></tr>' for u, t in EXTERNAL_LINKS
        )
        return (
            self.head(title, meta_charset, head_extra)
            + '<body leftmargin="0" topmargin="0"><a name="top"></a>\n'
            + f'<form name="Form" method="post" action="{esc(form_action)}" id="Form">\n'
            + f"{hidden or DEFAULT_HIDDEN}\n"
            + '<table id="tblMain" width="980" align="center" border="0" cellpadding="0" cellspacing="0">\n'
            + '<tr><td colspan="3" class="Banner"><a href="/Default.aspx"><img src="/images/banner.gif" border="0" alt="Bộ Nội vụ" /></a></td></tr>\n'
            + '<tr><td colspan="3" class="TopNav"><a href="/default.aspx">Trang chủ</a> :: <a href="/gioi-thieu.aspx">Giới thiệu</a> :: '
            + '<a href="/LichCongTac.aspx">Lịch công tác</a> :: <a href="mailto:banbientap@moha.gov.vn">Liên hệ</a></td></tr>\n<tr>'
            + f'<td id="tdLeft" width="200" valign="top">{self.calendar_widget()}'
            + f'<table class="BoxNoiBat" width="100%"><tr><td class="BoxHeader">TIN NỔI BẬT</td></tr>{featured}</table>'
            + f'<table class="BoxLienKet" width="100%"><tr><td class="BoxHeader">LIÊN KẾT</td></tr>{ext_links}</table>'
            + f'<div class="Counter">{VISITORS}</div></td>\n'
            + f'<td id="tdCenter" valign="top">{main}</td>\n'
            + f'<td id="tdRight" width="200" valign="top"><table class="Menu" width="100%">{menu}</table>'
            + f'<table class="Menu" width="100%">{pages}</table></td>\n</tr>\n'
            + f'<tr><td colspan="3" class="Footer">{esc(FOOTER)}<br /><a href="http://moha.gov.vn/">moha.gov.vn</a> - <a href="http://www.moha.gov.vn/gioi-thieu/lien-he.html">Liên hệ</a> - '
            + '<a href="/Admin/Login.aspx">Đăng nhập</a> - <a href="#top">Lên trên</a></td></tr>\n'
            + "</table>\n</form>\n</body>\n</html>\n"
        )

    def article_main(self, spec: ArticleSpec, style: TextStyle) -> str:
        older, related = self.related_lists(spec)
        rows = [
            f'<tr><td class="NewsCat"><a href="/Default.aspx?tabid={spec.category.tabid}">{esc(spec.category.name.upper())}</a></td></tr>',
            f'<tr><td class="NewsTitle"><span id="dnn_ctr_lblTitle">{self.heading_html(spec, style)}</span></td></tr>',
            f'<tr><td class="NewsDate">{self.toolbar(spec, " | ")}</td></tr>',
        ]
        if spec.lead:
            rows.append(
                f'<tr><td class="NewsSummary"><strong>{style.font_open}{style.run(spec.lead)}{style.font_close}</strong></td></tr>'
            )
        rows.append(f'<tr><td class="NewsContent">{render_body(spec, style)}</td></tr>')
        if spec.credit:
            rows.append(
                f'<tr><td class="NewsSource" align="right"><strong>{style.font_open}{style.run(spec.credit)}{style.font_close}</strong></td></tr>'
            )
        out = [
            f'<table class="NewsDetail" width="100%" cellpadding="4">{"".join(rows)}</table>',
            self.attachments_html(spec.attachments),
            self.tags(spec),
        ]
        if related:
            # The table template shows TIN LIÊN QUAN first; truth order stays older-then-related.
            items = "".join(
                f'&raquo; <a href="{esc(h)}">{esc(t)}</a> <i>({d})</i><br />' for h, t, d in related
            )
            out.append(
                f'<table class="RelatedNews"><tr><td class="RelatedHeader">TIN LIÊN QUAN</td></tr><tr><td>{items}</td></tr></table>'
            )
        if older:
            items = "".join(
                f'&raquo; <a href="{esc(h)}">{esc(t)}</a> <i>({d})</i><br />' for h, t, d in older
            )
            out.append(
                f'<table class="OtherNews"><tr><td class="OtherNewsHeader">CÁC TIN ĐÃ ĐƯA</td></tr><tr><td>{items}</td></tr></table>'
            )
        return "\n".join(x for x in out if x)

    def listing_main(self, c: int, page: int, pager: str) -> str:
        cat = self.catalog.categories[c]
        rows = []
        for a in self.listing_rows(c, page):
            rows.append(
                f'<tr><td valign="top" width="130"><img src="{esc(self.thumb(a))}" width="120" border="0" alt="" /></td>'
                f'<td valign="top"><a class="NewsTitleLink" href="{esc(a.canonical_path)}">{esc(a.title)}</a> '
                f'<span class="NewsDateSmall">[{vn_date(a.published_at)}]</span><div class="NewsSummarySmall">{esc(a.lead)}</div></td></tr>'
            )
        return (
            f'<table class="CatHeader" width="100%"><tr><td>{esc(cat.name.upper())}</td></tr></table>'
            f'<table class="NewsList" width="100%">{"".join(rows)}</table>{pager}'
        )

    def home_main(self) -> str:
        cat = self.catalog
        blocks = []
        for c, category in enumerate(cat.categories):
            rows = []
            for r in range(3):
                n = cat.at_rank(c, r)
                if n is None:
                    break
                a = cat.headline(n)
                rows.append(f'<tr><td>&raquo; <a href="{esc(a.default_path)}">{esc(a.title)}</a></td></tr>')
            blocks.append(
                f'<table class="HomeCat" width="100%"><tr><td class="HomeCatHeader"><a href="{esc(self.category_url(c))}">{esc(category.name)}</a></td></tr>{"".join(rows)}</table>'
            )
        latest = "".join(
            f'<tr><td><a href="{esc(cat.headline(n).reordered_path)}">{esc(cat.headline(n).title)}</a></td></tr>'
            for n in cat.latest
        )
        focus = "".join(
            f'<tr><td><a href="{esc(cat.headline(n).legacy_path)}">{esc(cat.headline(n).title)}</a></td></tr>'
            for n in cat.chain_items
        )
        return (
            "".join(blocks)
            + f'<table class="HotNews" width="100%"><tr><td class="HomeCatHeader">TIN MỚI</td></tr>{latest}</table>'
            + f'<table class="Focus" width="100%"><tr><td class="HomeCatHeader">TIÊU ĐIỂM</td></tr>{focus}</table>'
            + f'<p><a href="/(S({quirks.SESSION_ID}))/default.aspx">Phiên bản cũ</a> - <a href="/Portal.aspx">Cổng thử nghiệm</a></p>'
            + '<p><a href="http://chinhphu.vn/portal/page/portal/chinhphu/trangchu"><img src="/images/banner-chinhphu.gif" border="0" alt="Chính phủ" /></a></p>'
            + f'<div class="Counter">{VISITORS}</div>'
        )

    def document_listing_main(
        self, docs: Sequence[DocumentSpec], filters: str, pager: str, heading: str
    ) -> str:
        rows = "".join(
            f'<tr><td class="VBSo"><a href="Default.aspx?tabid={self.catalog.documents_tabid}&amp;DocID={d.doc_id}">'
            f"{esc(d.title)}</a></td><td class=\"VBNgay\">{vn_date(d.issued_on)}</td>"
            f'<td class="VBTrichYeu">{esc(d.abstract)}</td></tr>'
            for d in docs
        )
        return (
            f'<table class="CatHeader" width="100%"><tr><td>{esc(heading.upper())}</td></tr></table>{filters}'
            '<table class="VBList" width="100%" border="1" cellpadding="3"><tr class="VBHeader"><td>Văn bản</td>'
            f"<td>Ngày ban hành</td><td>Trích yếu</td></tr>{rows}</table>{pager}"
        )

    def static_main(self, page: PageSpec) -> str:
        body = "".join(f'<p class="Normal">{_parts(p, text_style("utf-8"))}</p>' for p in page.blocks)
        anchor = '<a name="ban-bien-tap"></a>' if page.slug == "lien-he" else ""
        return (
            f'{anchor}<table class="StaticPage" width="100%"><tr><td class="StaticTitle">'
            f'<span id="dnn_ctr_lblTitle">{esc(page.title)}</span></td></tr>'
            f'<tr><td class="StaticContent">{body}</td></tr></table>'
        )

    def attribute_table(self, doc: DocumentSpec, rows: list[tuple[str, str]]) -> str:
        body = "".join(
            f'<tr><td class="VBLabel" bgcolor="#EEEEEE"><b>{esc(k)}:</b></td><td class="VBValue">{v}</td></tr>'
            for k, v in rows
        )
        return f'<table class="VBDetail" width="100%" border="1" cellpadding="3"><tr><td colspan="2" class="VBHeader">{esc(doc.title)}</td></tr>{body}</table>'


SKINS: dict[str, type[Skin]] = {"classic": ClassicSkin, "tables": TablesSkin}
