"""The replica's ground truth: the records a perfect pipeline outputs, and the crawl inventory.

Conventions where records.md leaves a choice (transform and verify are scored against these):

- `old_urls` lists every URL form the site answers with the item, on both hosts (`moha.gov.vn`
  and `www.moha.gov.vn`), percent-encoded as `moha_migrate.urls.normalize_url` writes them:
  article = canonical, `/Default.aspx?tabid=T&ItemID=I`, the reordered `?ItemID=I&tabid=T`,
  the DotNetNuke `/tabid/T/catid/C/item/I/<slug>.aspx`, `/Print.aspx?ItemID=I` and the first URL
  of its redirect chain `/TinTuc.aspx?ID=I` (301 -> 302 -> canonical); document = both parameter
  orders of `/van-ban/Default.aspx`; page = its `.html` (plus `/gioi-thieu.aspx`, which 301s to
  the first page); media = every path serving the same bytes. Session-path forms are never
  listed (records.md: no session token). `source_url` is the bare-host canonical form; for media,
  the smallest of its URLs, and `url` equals `source_url`.
- `body_text`: paragraphs, sub-headings and each list item as its own paragraph, joined by one
  blank line; link text included; the text of `javascript:` links kept (only the link goes).
- `body_html`: `<p>`, `<h3>` (sub-headings), `<ul><li>`, `<a href>` (links to migrated items
  rewritten with moha_migrate.newurls, other http/mailto links kept absolute, javascript: links
  reduced to their text) and `<figure><img src="NEW MEDIA PATH" alt=""><figcaption>caption
  </figcaption></figure>` for images; no script, iframe or attribute other than href/src/alt.
- Image `caption`: the text under the photo with its line break as one space, e.g.
  `Quang cảnh buổi làm việc. (Ảnh: Thanh Hà)`. Attachment `filename`: the link text, which is
  the file name as uploaded.
- Items that are deleted (404 or soft 404) have no record.

The inventory describes a complete, polite crawl from `http://moha.gov.vn/` that obeys robots.txt
and avoids the traps: `must_capture` (URLs as linked, `normalize_url` form; compare with
`frontier_key`, which folds the www/bare host and parameter order), postback listing pages as
`POST <listing URL> Page$N`, `may_capture_patterns` (calendar pages of the widget's month and the months either side),
`must_not_capture` (linked URLs robots.txt forbids, other hosts), `must_not_capture_patterns`
(regexes for trap families), `special` (URL -> expected status and behaviour) and `counts`.
"""

from __future__ import annotations

import hashlib
import html
import posixpath
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urljoin, urlsplit

from moha_migrate import newurls
from moha_migrate.records import Article, Attachment, Document, Image, Media, Page, Record
from moha_migrate.slugs import slugify
from moha_migrate.urls import normalize_url
from replica import content, quirks, requisites
from replica.catalog import ArticleSpec, Block, Inline, Link, MediaRef
from replica.skins import EXTERNAL_LINKS

if TYPE_CHECKING:
    from replica.site import Site

BARE = "http://moha.gov.vn"
WWW = "http://www.moha.gov.vn"
HOSTS = (BARE, WWW)


def url(path: str, host: str = BARE) -> str:
    """An absolute, normalised URL for a site path (raw spaces and letters percent-encoded)."""
    return normalize_url(host + path)


def both_hosts(paths: list[str]) -> tuple[str, ...]:
    return tuple(sorted({url(p, h) for p in paths for h in HOSTS}))


# ------------------------------------------------------------------ records


class MediaDigests:
    """sha256 and size of media files, computed once per gen_key."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.cache: dict[str, tuple[str, int]] = {}

    def digest(self, ref_key: str, size_hint: int | None) -> tuple[str, int]:
        if ref_key not in self.cache:
            data = self.site.media_bytes(ref_key, size_hint)
            self.cache[ref_key] = (hashlib.sha256(data).hexdigest(), len(data))
        return self.cache[ref_key]


def article_paths(spec: ArticleSpec) -> list[str]:
    return [
        spec.canonical_path,
        spec.default_path,
        spec.reordered_path,
        spec.dnn_path,
        spec.print_path,
        spec.legacy_path,
    ]


def iter_truth_records(site: Site) -> Iterator[Record]:
    """Articles (by ItemID), documents (by DocID), pages, then media (by source_url)."""
    cat = site.catalog
    media = MediaDigests(site)
    for n in range(cat.articles_count):
        yield article_record(site, cat.article(n), media)
    for d in range(cat.documents_count):
        doc = cat.document(d)
        paths = [
            f"/van-ban/Default.aspx?tabid={cat.documents_tabid}&DocID={doc.doc_id}",
            f"/van-ban/Default.aspx?DocID={doc.doc_id}&tabid={cat.documents_tabid}",
        ]
        yield Document(
            source_url=url(paths[0]),
            old_urls=both_hosts(paths),
            title=doc.title,
            doc_id=doc.doc_id,
            number=doc.number,
            doc_type=doc.doc_type,
            issuer=doc.issuer,
            signer=doc.signer,
            issued_on=doc.issued_on,
            effective_on=doc.effective_on,
            expired_on=doc.expired_on,
            status=doc.status,
            field=doc.field,
            abstract=doc.abstract,
            attachments=tuple(attachment(ref, media) for ref in doc.attachments),
        )
    for page in cat.pages:
        paths = [page.path] + (["/gioi-thieu.aspx"] if page.index == 0 else [])
        paragraphs = [list(p) for p in page.blocks]
        yield Page(
            source_url=url(page.path),
            old_urls=both_hosts(paths),
            title=page.title,
            slug=page.slug,
            body_text="\n\n".join(_text(p) for p in paragraphs),
            body_html="".join(f"<p>{_html_parts(site, p)}</p>" for p in paragraphs),
        )
    files = cat.media_files()
    records = []
    for f in files.values():
        urls = sorted({url(p) for p in f.paths})
        sha, size = media.digest(f.gen_key, f.size_hint)
        users = sorted({_user_url(site, kind, i) for kind, i in f.users})
        name = posixpath.basename(unquote(urlsplit(urls[0]).path))
        records.append(
            Media(
                source_url=urls[0],
                old_urls=both_hosts(f.paths),
                title=name,
                url=urls[0],
                sha256=sha,
                mime=f.mime,
                size=size,
                referenced_by=tuple(users),
            )
        )
    yield from sorted(records, key=lambda r: r.source_url)


def _user_url(site: Site, kind: str, i: int) -> str:
    cat = site.catalog
    if kind == "article":
        return url(cat.headline(i).canonical_path)
    return url(f"/van-ban/Default.aspx?tabid={cat.documents_tabid}&DocID={cat.document(i).doc_id}")


def attachment(ref: MediaRef, media: MediaDigests) -> Attachment:
    sha, size = media.digest(ref.gen_key, ref.size_hint)
    return Attachment(url=url(ref.path), filename=ref.filename, sha256=sha, mime=ref.mime, size=size)


def article_record(site: Site, spec: ArticleSpec, media: MediaDigests) -> Article:
    author, source = content.parse_credit(spec.credit)
    images = []
    for block in spec.blocks:
        if block.kind == "img" and block.image is not None:
            sha, _ = media.digest(block.image.gen_key, block.image.size_hint)
            images.append(Image(url=url(block.image.path), caption=block.image.caption, sha256=sha))
    cat = site.catalog
    related = [
        url(cat.headline(m).canonical_path) for m in (*cat.older_news(spec.n), *cat.related_news(spec.n))
    ]
    return Article(
        source_url=url(spec.canonical_path),
        old_urls=both_hosts(article_paths(spec)),
        title=spec.title,
        item_id=spec.item_id,
        category=spec.category.slug,
        published_at=spec.published_at,
        lead=spec.lead,
        body_text=body_text(spec.blocks),
        body_html=body_html(site, spec, media),
        author=author,
        source=source,
        images=tuple(images),
        attachments=tuple(attachment(ref, media) for ref in spec.attachments),
        related=tuple(related),
    )


def _text(parts: list[Inline] | tuple[Inline, ...]) -> str:
    return "".join(p.text if isinstance(p, Link) else p for p in parts).strip()


def body_text(blocks: tuple[Block, ...]) -> str:
    """Paragraphs, sub-headings and list items, one blank line apart (records.md)."""
    out: list[str] = []
    for block in blocks:
        if block.kind in ("p", "h2"):
            out.append(_text(block.parts))
        elif block.kind == "ul":
            out.extend(_text(item) for item in block.items)
    return "\n\n".join(t for t in out if t)


def _html_parts(site: Site, parts: list[Inline] | tuple[Inline, ...], base: str = BARE + "/") -> str:
    out = []
    for p in parts:
        if not isinstance(p, Link):
            out.append(html.escape(p, quote=False))
            continue
        text = html.escape(p.text, quote=False)
        if p.href.startswith("javascript:"):
            out.append(text)
            continue
        out.append(f'<a href="{html.escape(_new_href(site, p, base))}">{text}</a>')
    return "".join(out)


def _new_href(site: Site, link: Link, base: str) -> str:
    cat = site.catalog
    if link.target is not None:
        kind, i = link.target
        if kind == "article":
            a = cat.headline(i)
            return newurls.article_path(a.category.slug, a.title, a.item_id)
        if kind == "document":
            doc = cat.document(i)
            return newurls.document_path(doc.number, doc.doc_id)
        if kind == "page":
            return newurls.page_path(cat.pages[i].slug)
    if link.href.startswith("mailto:"):
        return link.href
    return normalize_url(urljoin(base, link.href))


def body_html(site: Site, spec: ArticleSpec, media: MediaDigests) -> str:
    base = BARE + spec.canonical_path
    out = []
    for block in spec.blocks:
        if block.kind == "p":
            out.append(f"<p>{_html_parts(site, block.parts, base)}</p>")
        elif block.kind == "h2":
            out.append(f"<h3>{_html_parts(site, block.parts, base)}</h3>")
        elif block.kind == "ul":
            out.append(
                "<ul>" + "".join(f"<li>{_html_parts(site, it, base)}</li>" for it in block.items) + "</ul>"
            )
        elif block.kind == "img" and block.image is not None:
            sha, _ = media.digest(block.image.gen_key, block.image.size_hint)
            src = newurls.media_path(sha, url(block.image.path))
            out.append(
                f'<figure><img src="{html.escape(src)}" alt=""><figcaption>'
                f"{html.escape(block.image.caption, quote=False)}</figcaption></figure>"
            )
    return "".join(out)


# ------------------------------------------------------------------ inventory

# Calendar pages a crawl may take: the widget's month (August 2015) and the months either side.
CALENDAR_WINDOW_RE = r"2015-0[789]-(0[1-9]|[12][0-9]|3[01])"


def build_inventory(site: Site) -> dict[str, Any]:
    """What a complete polite crawl must and must not capture; see the module docstring."""
    cat = site.catalog
    must: set[str] = set()
    must_not: set[str] = set()
    special = special_urls(site)

    def add(path: str, host: str = BARE) -> None:
        must.add(url(path, host))

    add("/robots.txt")
    for p in ("/", "/default.aspx", "/Default.aspx"):
        add(p)
    for path in requisites.TEXT_FILES:
        add(path)
    for path in requisites.GIF_FILES:
        add(path)
    # listings
    postback: list[str] = []
    for c, category in enumerate(cat.categories):
        listing = f"/tin-tuc-su-kien/{category.slug}-{category.tabid}.html"
        add(listing)
        add(f"/Default.aspx?tabid={category.tabid}")
        for page in range(2, cat.listing_pages(c) + 1):
            if category.paging == "query":
                add(f"/Default.aspx?tabid={category.tabid}&page={page}")
            else:
                # Both listing URLs carry the pager form, each posting back to itself.
                postback.append(f"POST {url(listing)} Page${page}")
                postback.append(f"POST {url(f'/Default.aspx?tabid={category.tabid}')} Page${page}")
    # articles
    linked_dnn: set[int] = set()
    for n in range(cat.articles_count):
        linked_dnn.update(cat.related_news(n))
    for n in range(cat.articles_count):
        spec = cat.article(n)
        add(spec.canonical_path)
        add(spec.default_path)
        add(spec.print_path)
        must_not.add(url(spec.email_path))
        if n in linked_dnn:
            add(spec.dnn_path, WWW)
        for block in spec.blocks:
            if block.kind == "img" and block.image is not None:
                add(block.image.path)
            for part in (*block.parts, *(p for item in block.items for p in item)):
                if isinstance(part, Link):
                    _classify_link(site, spec, part, must, must_not, special)
        for ref in spec.attachments:
            add(ref.path)
        must_not.add(url(f"/TimKiem.aspx?q={spec.category.slug.replace('-', '+')}"))
    for n in cat.latest:
        add(cat.headline(n).reordered_path)
    for n in cat.featured:
        add(cat.headline(n).canonical_path, WWW)
    for n in cat.chain_items:
        spec = cat.headline(n)
        add(spec.legacy_path)
        add(f"/Redirect.aspx?ItemID={spec.item_id}")
    # documents
    tabid = cat.documents_tabid
    add(f"/van-ban/Default.aspx?tabid={tabid}")
    index = cat.doc_index()
    _add_doc_pages(add, f"/van-ban/Default.aspx?tabid={tabid}", cat.documents_count)
    for t, (type_name, *_rest) in enumerate(content.DOC_TYPES):
        _add_doc_pages(
            add,
            f"/van-ban/Default.aspx?tabid={tabid}&type={slugify(type_name)}",
            sum(1 for i in index if i[0] == t),
        )
    for issuer in sorted({i[1] for i in index} | {_issuer_slug(t) for t in content.DOC_TYPES}):
        _add_doc_pages(
            add,
            f"/van-ban/Default.aspx?tabid={tabid}&issuer={issuer}",
            sum(1 for i in index if i[1] == issuer),
        )
    for year in sorted({i[2] for i in index}):
        _add_doc_pages(
            add, f"/van-ban/Default.aspx?tabid={tabid}&year={year}", sum(1 for i in index if i[2] == year)
        )
    for d in range(cat.documents_count):
        doc = cat.document(d)
        add(f"/van-ban/Default.aspx?tabid={tabid}&DocID={doc.doc_id}")
        for ref in doc.attachments:
            add(ref.path)
    # static pages, top menu, footer
    for page in cat.pages:
        add(page.path)
    add("/gioi-thieu/lien-he.html", WWW)
    add("/gioi-thieu.aspx")
    add("/LichCongTac.aspx")
    must_not.add(url("/Admin/Login.aspx"))
    must_not.update(normalize_url(u) for u, _ in EXTERNAL_LINKS)
    must_not.add(url(f"/(S({quirks.SESSION_ID}))/default.aspx"))
    # server behaviour
    add("/Portal.aspx")
    add("/Portal.aspx?ReturnUrl=%2fPortal.aspx")
    # The work calendar is content near the widget's month and an endless trap beyond it.
    may_patterns = [rf"^https?://(www\.)?moha\.gov\.vn/LichCongTac\.aspx\?date={CALENDAR_WINDOW_RE}$"]
    must -= must_not
    must_list = sorted(must) + postback
    media_files = cat.media_files()
    counts = {
        "articles": cat.articles_count,
        "documents": cat.documents_count,
        "pages": len(cat.pages),
        "media": len(media_files),
        "images": sum(1 for f in media_files.values() if f.mime.startswith("image/")),
        "attachments": sum(1 for f in media_files.values() if not f.mime.startswith("image/")),
        "records": cat.articles_count + cat.documents_count + len(cat.pages) + len(media_files),
        "listing_pages": sum(cat.listing_pages(c) for c in range(len(cat.categories))),
        "postback_pages": len(postback),
        "must_capture": len(must_list),
        "must_not_capture": len(must_not),
        "special": len(special),
    }
    return {
        "seed": site.seed,
        "scale": site.scale,
        "skin": site.skin_name,
        "revision": site.revision,
        "must_capture": must_list,
        "may_capture_patterns": may_patterns,
        "must_not_capture": sorted(must_not),
        "must_not_capture_patterns": [
            r"^https?://[^/]+/\(S\([a-z0-9]+\)\)/",
            r"^https?://[^/]+/TimKiem\.aspx",
            r"^https?://[^/]+/EmailArticle\.aspx",
            r"^https?://[^/]+/Admin/",
            rf"^https?://[^/]+/LichCongTac\.aspx\?date=(?!{CALENDAR_WINDOW_RE}$)",
            r"^(?!https?://(www\.)?moha\.gov\.vn(:\d+)?/)",
        ],
        "special": dict(sorted(special.items())),
        "counts": counts,
    }


def _issuer_slug(doc_type: tuple[str, str, str, str]) -> str:
    return slugify(doc_type[2])


def _add_doc_pages(add, base: str, count: int) -> None:
    add(base)
    for page in range(2, max(1, -(-count // 20)) + 1):
        add(f"{base}&page={page}")


def _classify_link(
    site: Site,
    spec: ArticleSpec,
    link: Link,
    must: set[str],
    must_not: set[str],
    special: dict[str, dict[str, Any]],
) -> None:
    href = link.href
    if href.startswith(("javascript:", "mailto:")):
        return
    absolute = normalize_url(urljoin(BARE + spec.canonical_path, href))
    if not absolute.startswith((BARE + "/", WWW + "/")):
        must_not.add(absolute)
        return
    if absolute not in special:  # dead links are special URLs, not captures
        must.add(absolute)


def special_urls(site: Site) -> dict[str, dict[str, Any]]:
    """URL -> expected status and behaviour of every URL that does not simply answer 200, by rule
    (cheap at any scale): dead links, chains, the loop, 500-once, the slow page, the large file."""
    cat = site.catalog
    special: dict[str, dict[str, Any]] = {}
    for n in range(9, cat.articles_count, 10):
        dead = cat.dead_link(n)
        if dead is not None:
            href, soft = dead
            special[url(href)] = (
                {"status": 200, "kind": "soft-404", "contains": "Bài viết không tồn tại"}
                if soft
                else {"status": 404, "kind": "deleted-404"}
            )
    for n in cat.chain_items:
        head = cat.headline(n)
        special[url(head.legacy_path)] = {
            "status": 301,
            "kind": "redirect-chain",
            "chain": [301, 302, 200],
            "final": url(head.canonical_path),
        }
    special[url("/gioi-thieu.aspx")] = {
        "status": 301,
        "kind": "redirect",
        "chain": [301, 200],
        "final": url(cat.pages[0].path),
    }
    special[url("/Portal.aspx")] = {"status": 302, "kind": "redirect-loop"}
    for key in site.fail_once_paths:
        special[url(key)] = {"status": 500, "kind": "error-500-once", "then": 200}
    for key in site.slow_paths:
        special[url(key)] = {"status": 200, "kind": "slow", "delay_s": quirks.SLOW_DELAY_S}
    for ref in cat.document(1 % cat.documents_count).attachments:
        if ref.size_hint:
            special[url(ref.path)] = {"status": 200, "kind": "large-attachment", "min_size": ref.size_hint}
    return dict(sorted(special.items()))


# ------------------------------------------------------------------ quirk examples


def quirk_urls(site: Site) -> dict[str, list[str]]:
    """Quirk name -> example URLs (absolute) that show it; every quirks.QUIRKS name is present."""
    cat = site.catalog
    by_encoding: dict[str, list[str]] = {}
    word: list[str] = []
    dangerous: list[str] = []
    for n in range(min(cat.articles_count, 200)):
        spec = cat.article(n)
        by_encoding.setdefault(spec.encoding, []).append(url(spec.canonical_path))
        if spec.word_html:
            word.append(url(spec.canonical_path))
        if spec.dangerous:
            dangerous.append(url(spec.canonical_path))
    a = cat.headline(cat.featured[0])
    files = cat.media_files().values()
    dup = [url(p) for f in files if len(f.paths) > 1 for p in f.paths]
    spaces = [url(p) for f in files for p in f.paths if " " in p]
    vietnamese = [url(p) for f in files for p in f.paths if not p.isascii()]
    groups: dict[str, set[str]] = {}
    for f in files:
        for p in f.paths:
            groups.setdefault(p.lower(), set()).add(p)
    case = [url(p) for g in groups.values() if len(g) > 1 for p in sorted(g)]
    specials = special_urls(site)

    def kind(k: str) -> list[str]:
        return [u for u, v in specials.items() if v["kind"] == k]

    postback_c = next(
        c for c, cc in enumerate(cat.categories) if cc.paging == "postback" and cat.listing_pages(c) > 1
    )
    query_c = next(
        c for c, cc in enumerate(cat.categories) if cc.paging == "query" and cat.listing_pages(c) > 1
    )
    pb = cat.categories[postback_c]
    qc = cat.categories[query_c]
    large = [u for u, v in specials.items() if v["kind"] == "large-attachment"]
    out = {
        "tcvn3": by_encoding.get("tcvn3", []),
        "tcvn3-heading": by_encoding.get("tcvn3", []),
        "vni": by_encoding.get("vni", []),
        "windows-1258": by_encoding.get("cp1258", []),
        "nfd": by_encoding.get("nfd", []),
        "charset-header-conflict": by_encoding.get("header-latin1", []),
        "charset-meta-conflict": by_encoding.get("meta-cp1252", []),
        "word-html": word,
        "dangerous-markup": dangerous,
        "alias-default": [url(a.default_path)],
        "alias-reordered-query": [url(a.reordered_path)],
        "alias-dnn": [url(a.dnn_path, WWW)],
        "alias-www": [url(a.canonical_path, WWW)],
        "print-view": [url(a.print_path)],
        "duplicate-image": dup,
        "media-name-spaces": spaces,
        "media-name-vietnamese": vietnamese,
        "media-name-case": case,
        "session-path": [url(f"/(S({quirks.SESSION_ID}))/default.aspx")],
        "calendar-trap": [url("/LichCongTac.aspx?date=2015-08-14"), url("/LichCongTac.aspx?date=2099-01-01")],
        "search-echo": [url("/TimKiem.aspx?q=cai+cach")],
        "robots": [url("/robots.txt")],
        "deleted-404": kind("deleted-404"),
        "soft-404": kind("soft-404"),
        "error-500-once": kind("error-500-once"),
        "slow": kind("slow"),
        "redirect-chain": kind("redirect-chain"),
        "redirect-loop": kind("redirect-loop"),
        "large-attachment": large,
        "media-validators": [url(next(iter(files)).paths[0])],
        "gzip": [url("/"), url(cat.headline(0).canonical_path)],
        "chunked": [url(cat.headline(1).canonical_path)],
        "postback-pager": [url(f"/tin-tuc-su-kien/{pb.slug}-{pb.tabid}.html")],
        "query-pager": [url(f"/Default.aspx?tabid={qc.tabid}&page=2")],
        "document-filters": [
            url(f"/van-ban/Default.aspx?tabid={cat.documents_tabid}&type=nghi-dinh"),
            url(f"/van-ban/Default.aspx?tabid={cat.documents_tabid}&year=2012"),
        ],
        "links-every-form": [url(a.canonical_path)],
    }
    return out
