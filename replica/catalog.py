"""What the replica site holds: every article, document, static page and media file, as metadata.

A `Catalog` is built from (seed, scale, revision) in milliseconds, whatever the scale: it only
keeps the category of each article (a fixed pattern) and computes an item's full description
(`ArticleSpec`, `DocumentSpec`, `PageSpec`) on demand from a `random.Random` seeded with the item's
own key, so item N never depends on generating items 0..N-1. Listings and related lists read only
an article's `headline` (its own, cheaper random stream); media come from a third stream, and a
media URL is resolved from the ItemID in its file name (or the year of a document's folder), so
no registry is built to serve a file. The full registry (`media_files`) exists for the truth.

Rendering (skins.py), routing (site.py) and the ground truth (truth.py) all read this one model,
which is why a page and its truth record cannot disagree.

Numbering: article n (0 = oldest) has ItemID 20000 + 2n; the odd ItemIDs between them are items
that were deleted from the CMS, some of which are still linked (they answer 404 or a soft 404).
The newest article is the real launch-day article of 15/08/2015 (content.SEED_ARTICLE).
"""

from __future__ import annotations

import bisect
import functools
import random
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from moha_migrate.profile import Category, load_profile
from moha_migrate.records import VN_TZ
from moha_migrate.slugs import slugify
from replica import content

ARTICLE_ID_BASE = 20000
DOC_ID_BASE = 1500
SITE_START = datetime(2008, 12, 1, 8, 0, tzinfo=VN_TZ)
SITE_END = datetime(2015, 8, 14, 17, 0, tzinfo=VN_TZ)
SEED_PUBLISHED = datetime(2015, 8, 15, 7, 25, tzinfo=VN_TZ)
LISTING_PAGE_SIZE = 20
# Category index of article n by n % 20: the older, busier sections get more items, so that at
# test scale both a query-paged (hoat-dong-cua-bo) and a postback-paged (cai-cach-hanh-chinh)
# listing reach a second page.
CATEGORY_PATTERN = (0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 3, 3, 4, 5, 6, 6, 7)
SCALES: dict[str, tuple[int, int]] = {"test": (120, 30), "demo": (1500, 300), "full": (16000, 3000)}
LARGE_ATTACHMENT_BYTES = 3 * 1024 * 1024
DOCUMENTS_TABID = 300  # [documents] tabid of the site profile

# How an article's body reaches the browser (legacy-site.md, "Legacy Vietnamese encodings").
Encoding = Literal["utf-8", "nfd", "tcvn3", "vni", "cp1258", "header-latin1", "meta-cp1252"]
ENCODING_BY_N20: dict[int, Encoding] = {
    3: "tcvn3",
    7: "vni",
    11: "cp1258",
    13: "nfd",
    16: "header-latin1",
    18: "meta-cp1252",
}
DATE_FORMS = ("toolbar", "weekday", "updated")

MIME_BY_EXT = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "zip": "application/zip",
}


def ascii_int(text: str, max_digits: int = 9) -> int | None:
    """The number an ASCII digit string spells, or None (`"²".isdigit()` is True, int() of it fails)."""
    if text.isascii() and text.isdigit() and len(text) <= max_digits:
        return int(text)
    return None


def parse_scale(scale: str | int) -> tuple[int, int]:
    """(articles, documents) for a scale name or an article count; ValueError for anything else."""
    number = scale if isinstance(scale, int) else ascii_int(scale)
    if number is not None:
        articles = number
        if articles < 10:
            raise ValueError(f"scale {scale!r}: at least 10 articles")
        return articles, max(8, round(articles * 3 / 16))
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r} (expected test, demo, full or a number of articles)")
    return SCALES[scale]


# ------------------------------------------------------------------ item descriptions


@dataclass(frozen=True, slots=True)
class Link:
    """A link inside body text: `target` names what it points at, for the truth's link rewriting."""

    href: str
    text: str
    target: tuple[str, int] | None = None  # ("article", n) / ("document", d) / ("page", i) or None


Inline = str | Link


@dataclass(frozen=True, slots=True)
class MediaRef:
    """A file under /Uploads/ as one item uses it. `path` is the raw path as linked (may hold
    spaces and Vietnamese letters); `gen_key` picks the bytes (two URLs of one file share it)."""

    path: str
    gen_key: str
    size_hint: int | None
    modified: datetime
    caption: str = ""  # images: the caption shown under it (`... (Ảnh: ...)`)
    filename: str = ""  # attachments: the human name of the link

    @property
    def ext(self) -> str:
        return self.path.rsplit(".", 1)[-1].lower()

    @property
    def mime(self) -> str:
        return MIME_BY_EXT.get(self.ext, "application/octet-stream")


@dataclass(frozen=True, slots=True)
class Block:
    """One body block: a paragraph, a sub-heading, a bullet list, an image or raw markup.

    kind "p"/"h2": `parts` (text and links); "ul": `items` (each a tuple of parts); "img": `image`;
    "raw": `html` that carries no text (scripts, iframes: the dangerous-markup quirk).
    """

    kind: Literal["p", "h2", "ul", "img", "raw"]
    parts: tuple[Inline, ...] = ()
    items: tuple[tuple[Inline, ...], ...] = ()
    image: MediaRef | None = None
    html: str = ""


class ArticlePaths:
    """The URL forms of an article (legacy-site.md's table), from its ItemID, category and slug."""

    __slots__ = ()
    item_id: int
    category: Category
    slug: str

    @property
    def canonical_path(self) -> str:
        return f"/tin-tuc-su-kien/{self.category.slug}/{self.slug}-{self.item_id}.html"

    @property
    def default_path(self) -> str:
        return f"/Default.aspx?tabid={self.category.tabid}&ItemID={self.item_id}"

    @property
    def reordered_path(self) -> str:
        return f"/Default.aspx?ItemID={self.item_id}&tabid={self.category.tabid}"

    @property
    def dnn_path(self) -> str:
        c = self.category
        return f"/tabid/{c.tabid}/catid/{c.catid}/item/{self.item_id}/{self.slug}.aspx"

    @property
    def print_path(self) -> str:
        return f"/Print.aspx?ItemID={self.item_id}"

    @property
    def email_path(self) -> str:
        return f"/EmailArticle.aspx?ItemID={self.item_id}"

    @property
    def legacy_path(self) -> str:
        """Start of the 301 -> 302 -> 200 chain (the pre-2008 site's URL form)."""
        return f"/TinTuc.aspx?ID={self.item_id}"


@dataclass(frozen=True, slots=True)
class ArticleHead(ArticlePaths):
    """What listings and related-news lists show of an article: cheap to compute for any n."""

    n: int
    item_id: int
    category: Category
    title: str
    slug: str
    lead: str
    published_at: datetime
    thumb: str | None  # path of its first image
    slots: content.Slots | None


@dataclass(frozen=True, slots=True)
class ArticleSpec(ArticlePaths):
    """Everything about one article that a page or its truth record shows."""

    n: int
    item_id: int
    category: Category
    title: str
    slug: str
    published_at: datetime
    date_form: str
    lead: str
    blocks: tuple[Block, ...]
    credit: str | None
    images: tuple[MediaRef, ...]
    attachments: tuple[MediaRef, ...]
    encoding: Encoding
    word_html: bool
    dangerous: bool
    gzip: bool
    chunked: bool


@dataclass(frozen=True, slots=True)
class DocumentSpec:
    """One legal document (văn bản) and its attribute table."""

    d: int
    doc_id: int
    doc_type: str
    number: str
    issuer: str
    signer: str | None
    issued_on: date
    effective_on: date | None
    expired_on: date | None
    status: str | None
    field: str | None
    abstract: str
    attachments: tuple[MediaRef, ...]

    @property
    def title(self) -> str:
        return f"{self.doc_type} {self.number}"


@dataclass(frozen=True, slots=True)
class PageSpec:
    """A static page under /gioi-thieu/."""

    index: int
    slug: str
    title: str
    paragraphs: tuple[str, ...]

    @property
    def path(self) -> str:
        return f"/gioi-thieu/{self.slug}.html"

    @property
    def blocks(self) -> tuple[tuple[Inline, ...], ...]:
        """The body paragraphs as parts; the contact page ends with the editors' mailto: link."""
        out: list[tuple[Inline, ...]] = [(p,) for p in self.paragraphs]
        if self.slug == "chuc-nang-nhiem-vu":
            # A ../-relative link (legacy-site.md, "Links in every form"); static pages have one path.
            out.append(
                (
                    "Các văn bản quy định chức năng, nhiệm vụ của Bộ xem tại mục ",
                    Link(f"../van-ban/Default.aspx?tabid={DOCUMENTS_TABID}", "Văn bản", None),
                    ".",
                )
            )
        if self.slug == "lien-he":
            out.append(
                (
                    "Liên hệ Ban Biên tập: ",
                    Link("mailto:banbientap@moha.gov.vn", "banbientap@moha.gov.vn", None),
                )
            )
        return tuple(out)


@dataclass(slots=True)
class MediaFile:
    """One distinct file under /Uploads/: every URL path serving it and every item using it."""

    gen_key: str
    size_hint: int | None
    modified: datetime
    paths: list[str] = field(default_factory=list)
    users: list[tuple[str, int]] = field(default_factory=list)

    @property
    def mime(self) -> str:
        return MIME_BY_EXT.get(self.gen_key.rsplit(".", 1)[-1].lower(), "application/octet-stream")


# ------------------------------------------------------------------ the catalog


class Catalog:
    """The items of one replica (seed, scale, revision); cheap to build, lazy to describe."""

    def __init__(self, seed: int = 1, scale: str | int = "test", revision: int = 0) -> None:
        self.seed = seed
        self.revision = revision
        self.articles_count, self.documents_count = parse_scale(scale)
        self.profile = load_profile()
        self.categories: tuple[Category, ...] = self.profile.categories
        self.documents_tabid = self.profile.documents_tabid or 300
        self.seed_n = self.articles_count - 1
        by_cat: list[list[int]] = [[] for _ in self.categories]
        for n in range(self.articles_count):
            by_cat[self._category_index(n)].append(n)
        self.category_items = by_cat  # oldest first
        self.pages = tuple(
            PageSpec(i, slug, title, paras) for i, (slug, title, paras) in enumerate(content.STATIC_PAGES)
        )
        # Quirk carriers chosen by rule so they exist at every scale (see quirks.py).
        last = self.articles_count
        self.featured = tuple(sorted({last // 4, last // 2, (3 * last) // 4, last - 2}))
        self.chain_items = (5, last // 2 + 1)
        self.latest = tuple(range(last - 1, max(-1, last - 6), -1))
        self._media: dict[str, MediaFile] | None = None
        self._doc_index: list[tuple[int, str, int]] | None = None

    # ---- articles: identity and placement

    def _category_index(self, n: int) -> int:
        if n == self.articles_count - 1:
            return 0  # the launch-day article is in "Hoạt động của Bộ"
        return CATEGORY_PATTERN[n % len(CATEGORY_PATTERN)]

    def category_of(self, n: int) -> Category:
        return self.categories[self._category_index(n)]

    def item_id(self, n: int) -> int:
        return ARTICLE_ID_BASE + 2 * n

    def n_of_item(self, item_id: int) -> int | None:
        """The article number of an ItemID, or None (odd ids are deleted items)."""
        offset = item_id - ARTICLE_ID_BASE
        if offset < 0 or offset % 2 or offset // 2 >= self.articles_count:
            return None
        return offset // 2

    def rank(self, n: int) -> tuple[int, int]:
        """(category index, position in its listing, 0 = newest)."""
        c = self._category_index(n)
        items = self.category_items[c]
        return c, len(items) - 1 - bisect.bisect_left(items, n)

    def at_rank(self, c: int, rank: int) -> int | None:
        items = self.category_items[c]
        if 0 <= rank < len(items):
            return items[len(items) - 1 - rank]
        return None

    def listing_pages(self, c: int) -> int:
        return max(1, -(-len(self.category_items[c]) // LISTING_PAGE_SIZE))

    def older_news(self, n: int) -> list[int]:
        """CÁC TIN ĐÃ ĐƯA: the five next-older articles of the same category."""
        c, r = self.rank(n)
        return [m for m in (self.at_rank(c, r + k) for k in range(1, 6)) if m is not None]

    def related_news(self, n: int) -> list[int]:
        """TIN LIÊN QUAN: on every third article, two somewhat older ones of the category."""
        c, r = self.rank(n)
        if r % 3:
            return []
        return [m for m in (self.at_rank(c, r + 6), self.at_rank(c, r + 7)) if m is not None]

    @functools.lru_cache(maxsize=65536)  # noqa: B019 - pure in (seed, n)
    def published_at(self, n: int) -> datetime:
        if n == self.seed_n:
            return SEED_PUBLISHED
        span = (SITE_END - SITE_START).total_seconds()
        base = SITE_START + timedelta(seconds=span * n / self.articles_count)
        jitter = random.Random(f"moha/{self.seed}/when/{n}")
        day = base.replace(hour=jitter.randrange(7, 18), minute=jitter.randrange(60), second=0)
        return day

    # ---- articles: full description

    def encoding_of(self, n: int) -> Encoding:
        return "utf-8" if n == self.seed_n else ENCODING_BY_N20.get(n % 20, "utf-8")

    @functools.lru_cache(maxsize=32768)  # noqa: B019 - bounded, pure in the site's knobs
    def headline(self, n: int) -> ArticleHead:
        """Title, slug, lead, date and thumbnail of article n, from a random stream of its own
        (listings and related lists show many articles: they must not generate whole bodies)."""
        if not 0 <= n < self.articles_count:
            raise IndexError(f"article {n} out of range 0..{self.articles_count - 1}")
        category = self.category_of(n)
        when = self.published_at(n)
        images, _ = self.article_media(n)
        thumb = images[0].path if images else None
        if n == self.seed_n:
            title = content.SEED_ARTICLE.title
            return ArticleHead(n, self.item_id(n), category, title, slugify(title), "", when, thumb, None)
        rng = random.Random(f"moha/{self.seed}/head/{n}")
        slots = content.pick_slots(rng, category.slug, when.year)
        title = content.make_title(rng, slots)
        lead = content.make_lead(rng, slots, when.day, when.month)
        encoding = self.encoding_of(n)
        if encoding in ("tcvn3", "vni"):
            # Word pastes in legacy fonts carry no typographic quotes or dashes (ABC/VNI keyboards).
            title, lead = fit_legacy(title), fit_legacy(lead)
        if encoding == "tcvn3":
            lead = fold_tcvn3(lead)
        return ArticleHead(n, self.item_id(n), category, title, slugify(title), lead, when, thumb, slots)

    @functools.lru_cache(maxsize=1024)  # noqa: B019 - bounded, pure in the site's knobs
    def article(self, n: int) -> ArticleSpec:
        """The full description of article n (0 <= n < articles_count)."""
        head = self.headline(n)
        rng = random.Random(f"moha/{self.seed}/article/{n}")
        images, attachments = self.article_media(n)
        encoding = self.encoding_of(n)
        if n == self.seed_n:
            credit: str | None = content.SEED_ARTICLE.credit
            blocks = [Block("img", image=images[0])]
            blocks += [Block("p", parts=(p,)) for p in content.SEED_ARTICLE.paragraphs]
        else:
            assert head.slots is not None
            credit = content.make_credit(rng)
            blocks = self._body_blocks(n, rng, head.slots, images)
        if self.revision and self.is_revised(n):
            blocks.append(
                Block("p", parts=(f"Bài viết được cập nhật, bổ sung thông tin lần thứ {self.revision}.",))
            )
        if encoding in ("tcvn3", "vni"):
            blocks = [fit_block(b) for b in blocks]
            credit = fit_legacy(credit) if credit else credit
        if encoding == "tcvn3":
            blocks = [fold_block_tcvn3(b) for b in blocks]
            credit = fold_tcvn3(credit) if credit else credit
        h = n % 20
        return ArticleSpec(
            n=n,
            item_id=head.item_id,
            category=head.category,
            title=head.title,
            slug=head.slug,
            published_at=head.published_at,
            date_form=DATE_FORMS[n % 3] if n != self.seed_n else "toolbar",
            lead=head.lead,
            blocks=tuple(blocks),
            credit=credit,
            images=images,
            attachments=attachments,
            encoding=encoding,
            word_html=(h in (3, 7) or n % 10 == 5),
            dangerous=(n % 12 == 2),
            gzip=(n % 3 == 0),
            chunked=(n % 5 == 1),
        )

    def is_revised(self, n: int) -> bool:
        """Articles changed by revision > 0 (incremental recrawl tests)."""
        return (n * 7 + self.revision) % 40 == 0

    def _body_blocks(
        self, n: int, rng: random.Random, slots: content.Slots, images: tuple[MediaRef, ...]
    ) -> list[Block]:
        paragraphs = content.make_paragraphs(rng, slots, rng.randrange(3, 7))
        blocks: list[Block] = [Block("p", parts=(p,)) for p in paragraphs]
        for i, image in enumerate(images):
            blocks.insert(min(len(blocks), 1 + 2 * i), Block("img", image=image))
        if rng.random() < 0.3:
            at = len(blocks) - 1
            blocks.insert(at, Block("h2", parts=(content.make_subheading(rng, slots),)))
            blocks.insert(at + 1, Block("ul", items=tuple((t,) for t in content.make_list_items(rng, slots))))
        links: list[Inline] = []
        if n > 0 and rng.random() < 0.3:
            m = rng.randrange(0, n)
            other = self.headline(m)
            # An absolute-path link: the body is also shown under /Default.aspx, /tabid/... and
            # /Print.aspx, where a ../-relative link would break (those live on static pages).
            links += ["Xem thêm: ", Link(other.canonical_path, other.title, ("article", m)), "."]
        if n % 4 == 1 and self.documents_count:
            d = n % self.documents_count
            doc = self.document(d)
            href = f"/van-ban/Default.aspx?DocID={doc.doc_id}&tabid={self.documents_tabid}"
            links += [" Văn bản liên quan: ", Link(href, doc.title, ("document", d)), "."]
        dead = self.dead_link(n)
        if dead is not None:
            links += [" Tin cũ: ", Link(dead[0], "Thông báo kết quả hội nghị", None), "."]
        if n % 8 == 3:
            links += [
                " Nguồn: ",
                Link(
                    "http://chinhphu.vn/portal/page/portal/chinhphu/trangchu",
                    "Cổng Thông tin điện tử Chính phủ",
                    None,
                ),
                ".",
            ]
        if n % 6 == 0:
            links += [
                " Góp ý xin gửi ",
                Link("/gioi-thieu/lien-he.html#ban-bien-tap", "Ban Biên tập", ("page", 5)),
                ".",
            ]
        if links:
            last = blocks[-1] if blocks[-1].kind == "p" else Block("p", parts=("",))
            parts = [p for p in (*last.parts, *links) if p != ""]
            parts = _trim_parts(parts)
            if blocks[-1].kind == "p":
                blocks[-1] = Block("p", parts=tuple(parts))
            else:
                blocks.append(Block("p", parts=tuple(parts)))
        if n % 12 == 2:
            # Dangerous markup: an inline script, an iframe embed, a javascript: link whose text
            # is content, and an onclick handler (legacy-site.md, "Dangerous markup in content").
            blocks.insert(
                1,
                Block(
                    "raw",
                    html='<script type="text/javascript">document.write("<b>Lượt xem: 1.203</b>");</script>',
                ),
            )
            blocks.insert(
                2,
                Block(
                    "raw",
                    html='<iframe src="http://www.youtube.com/embed/x7lsmHkaD2Q" width="480" height="270" frameborder="0"></iframe>',
                ),
            )
            blocks.append(
                Block(
                    "p",
                    parts=(
                        "Mời bạn đọc ",
                        Link(
                            "javascript:window.open('/Uploads/video/hoi-nghi.flv')",
                            "xem video toàn cảnh hội nghị",
                            None,
                        ),
                        ".",
                    ),
                )
            )
        return blocks

    def dead_link(self, n: int) -> tuple[str, bool] | None:
        """(href, soft) of the link article n's body keeps to a deleted item, if it has one: the
        canonical form answers 404, the Default.aspx form a soft 404 (`soft` True)."""
        if n % 10 != 9 or n + 1 >= self.articles_count:
            return None
        gone = self.item_id(n) + 1  # odd ItemIDs are items deleted from the CMS
        if n % 20 == 19:
            return f"/Default.aspx?tabid={self.category_of(n).tabid}&ItemID={gone}", True
        return f"/tin-tuc-su-kien/{self.category_of(n).slug}/tin-da-go-{gone}.html", False

    def article_media(self, n: int) -> tuple[tuple[MediaRef, ...], tuple[MediaRef, ...]]:
        """(images, attachments) of article n, from a random stream independent of its text."""
        rng = random.Random(f"moha/{self.seed}/media/{n}")
        when = self.published_at(n)
        item = self.item_id(n)
        folder = f"/Uploads/Images/{when.year}/{when.month:02d}"
        images: list[MediaRef] = []
        if n == self.seed_n:
            images.append(
                MediaRef(
                    f"{folder}/khai-truong-cong-ttdt.jpg",
                    f"{folder}/khai-truong-cong-ttdt.jpg",
                    None,
                    when,
                    caption=content.SEED_ARTICLE.caption,
                )
            )
            return tuple(images), ()
        count = rng.choices((0, 1, 2), weights=(50, 40, 10))[0]
        if n % 30 == 17:
            # Two files whose names differ only in case: different files (legacy-site.md).
            for name in (f"DSC_{item}.JPG", f"dsc_{item}.jpg"):
                images.append(self._image_ref(rng, f"{folder}/{name}", when))
            count = 0
        for j in range(count):
            images.append(self._image_ref(rng, f"{folder}/{self._image_name(rng, item, j)}", when))
        if n % 25 == 13 and n >= 1:
            # The same photo re-uploaded under another name for a later article.
            prev_images, _ = self.article_media(n - 1)
            if prev_images:
                src = prev_images[0]
                copy = f"{folder}/{src.path.rsplit('/', 1)[1].rsplit('.', 1)[0]}-copy.{src.ext}"
                images.append(MediaRef(copy, src.gen_key, src.size_hint, src.modified, caption=src.caption))
        attachments: list[MediaRef] = []
        if n % 15 == 7:
            ext = rng.choice(("pdf", "doc", "docx"))
            name = f"Bao cao tong ket {when.year}-{item}.{ext}"
            path = f"/Uploads/VanBan/{when.year}/{name}"
            attachments.append(MediaRef(path, path, None, when, filename=name))
        return tuple(images), tuple(attachments)

    def _image_ref(self, rng: random.Random, path: str, when: datetime) -> MediaRef:
        slots = content.pick_slots(rng, "hoat-dong-cua-bo", when.year)
        caption = content.make_caption(rng, slots)
        if self.revision and self._media_revised(path):
            # Re-uploaded after the launch: other bytes and a later Last-Modified, so a recrawl
            # with If-Modified-Since or If-None-Match sees the change.
            changed = SEED_PUBLISHED + timedelta(days=self.revision)
            return MediaRef(path, f"{path}#r{self.revision}", None, changed, caption=caption)
        return MediaRef(path, path, None, when, caption=caption)

    def _media_revised(self, path: str) -> bool:
        return sum(path.encode("utf-8")) % 23 == self.revision % 23

    @staticmethod
    def _image_name(rng: random.Random, item: int, j: int) -> str:
        style = rng.random()
        ext = rng.choices(("jpg", "png", "gif"), weights=(80, 12, 8))[0]
        if style < 0.6:
            prefix = rng.choice(
                ("hoi-nghi", "bo-truong", "lam-viec", "tap-huan", "khen-thuong", "quang-canh")
            )
            return f"{prefix}-{item}-{j + 1}.{ext}"
        if style < 0.75:
            return f"IMG_{item}{j}.{ext.upper()}"
        if style < 0.9:
            return f"Anh hoi nghi {item} {j + 1}.{ext}"  # spaces, not percent-encoded in links
        return f"Hội nghị {item}-{j + 1}.{ext}"  # raw Vietnamese letters in the link

    # ---- documents

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - bounded, pure in the site's knobs
    def document(self, d: int) -> DocumentSpec:
        if not 0 <= d < self.documents_count:
            raise IndexError(f"document {d} out of range 0..{self.documents_count - 1}")
        rng = random.Random(f"moha/{self.seed}/document/{d}")
        doc_type, symbol, issuer, signer = content.DOC_TYPES[d % len(content.DOC_TYPES)]
        issued = self._doc_issued(d)
        number_part = (
            rng.randrange(1, 2500) if doc_type in ("Quyết định", "Công văn") else rng.randrange(1, 120)
        )
        if doc_type in ("Luật", "Nghị định", "Thông tư"):
            number = f"{number_part:02d}/{issued.year}/{symbol}"
        else:
            number = f"{number_part}/{symbol}"
        status = rng.choice(content.DOC_STATUSES) if doc_type != "Công văn" else None
        effective = (
            issued + timedelta(days=rng.choice((0, 15, 45)))
            if doc_type not in ("Công văn", "Hướng dẫn")
            else None
        )
        expired = issued + timedelta(days=rng.randrange(400, 1500)) if status == "Hết hiệu lực" else None
        topic = rng.choice(content.CATEGORY_TOPICS[self.categories[d % len(self.categories)].slug])
        abstract = content.capitalize_first(rng.choice(content.DOC_ABSTRACTS).format(topic=topic))
        attachments = self._doc_attachments(d, rng, number, issued)
        return DocumentSpec(
            d=d,
            doc_id=DOC_ID_BASE + d,
            doc_type=doc_type,
            number=number,
            issuer=issuer,
            signer=None if doc_type == "Công văn" and d % 2 else signer,
            issued_on=issued,
            effective_on=effective,
            expired_on=expired,
            status=status,
            field=rng.choice(content.DOC_FIELDS) if d % 5 else None,
            abstract=abstract,
            attachments=attachments,
        )

    def _doc_issued(self, d: int) -> date:
        span = (SITE_END.date() - SITE_START.date()).days
        return SITE_START.date() + timedelta(days=span * d // max(1, self.documents_count) + (d * 7) % 5)

    def _doc_attachments(self, d: int, rng: random.Random, number: str, issued: date) -> tuple[MediaRef, ...]:
        stem = number.replace("/", "_")
        ext = rng.choice(("pdf", "pdf", "doc", "docx", "xls", "zip"))
        when = datetime(issued.year, issued.month, issued.day, 9, 0, tzinfo=VN_TZ)
        form = d % 4
        if form == 1:
            name = f"{stem.replace('_', ' ')}.{ext}"  # spaces
        elif form == 2:
            name = f"Văn bản {stem}.{ext}"  # raw Vietnamese letters
        else:
            name = f"{stem}.{ext}"
        folder = f"/Uploads/VanBan/{issued.year}"
        size = LARGE_ATTACHMENT_BYTES if d == 1 else None
        refs = [MediaRef(f"{folder}/{name}", f"{folder}/{name}", size, when, filename=name)]
        if d % 6 == 3:
            extra = f"Phu luc {stem}.xls"
            refs.append(MediaRef(f"{folder}/{extra}", f"{folder}/{extra}", None, when, filename=extra))
        return tuple(refs)

    def doc_index(self) -> list[tuple[int, str, int]]:
        """(type index, issuer slug, year) of every document, for the filtered listings."""
        if self._doc_index is None:
            self._doc_index = [
                (
                    d % len(content.DOC_TYPES),
                    slugify(content.DOC_TYPES[d % len(content.DOC_TYPES)][2]),
                    self._doc_issued(d).year,
                )
                for d in range(self.documents_count)
            ]
        return self._doc_index

    def d_of_doc(self, doc_id: int) -> int | None:
        d = doc_id - DOC_ID_BASE
        return d if 0 <= d < self.documents_count else None

    # ---- media registry

    def media_files(self) -> dict[str, MediaFile]:
        """gen_key -> MediaFile for every distinct file under /Uploads/ (built once)."""
        if self._media is None:
            files: dict[str, MediaFile] = {}

            def add(ref: MediaRef, user: tuple[str, int]) -> None:
                f = files.get(ref.gen_key)
                if f is None:
                    f = files[ref.gen_key] = MediaFile(ref.gen_key, ref.size_hint, ref.modified)
                if ref.path not in f.paths:
                    f.paths.append(ref.path)
                if user not in f.users:
                    f.users.append(user)

            for n in range(self.articles_count):
                images, attachments = self.article_media(n)
                for ref in (*images, *attachments):
                    add(ref, ("article", n))
            for d in range(self.documents_count):
                for ref in self.document(d).attachments:
                    add(ref, ("document", d))
            self._media = files
        return self._media

    def media_at(self, path: str) -> MediaRef | None:
        """The file served at a percent-decoded /Uploads/ path (case-sensitive), or None.

        Found without the full registry (which takes seconds at full scale): article files
        carry their ItemID in the name, document files are looked up among that year's documents.
        """
        key = media_key(path)
        folder, _, name = key.rpartition("/")
        candidates: list[tuple[str, int]] = []
        if key.startswith("/Uploads/Images/") and name == "khai-truong-cong-ttdt.jpg":
            candidates.append(("article", self.seed_n))
        for match in re.finditer(r"[0-9]{5}", name):
            n = self.n_of_item(int(match.group(0)))
            if n is not None:
                candidates += [("article", n), ("article", n + 1)]  # n + 1: a re-uploaded copy
        year = ascii_int(folder[len("/Uploads/VanBan/") :], 4) if key.startswith("/Uploads/VanBan/") else None
        if year is not None:
            candidates += [("document", d) for d in self._documents_of_year(year)]
        for kind, i in candidates:
            if kind == "article" and i < self.articles_count:
                images, attachments = self.article_media(i)
                refs: tuple[MediaRef, ...] = (*images, *attachments)
            elif kind == "document":
                refs = self.document(i).attachments
            else:
                continue
            for ref in refs:
                if media_key(ref.path) == key:
                    return ref
        return None

    @functools.lru_cache(maxsize=64)  # noqa: B019 - pure in the site's knobs; a scan of every document
    def _documents_of_year(self, year: int) -> range:
        """The documents issued in `year` (issue dates grow with d, so they are one range)."""
        ds = [d for d in range(self.documents_count) if self._doc_issued(d).year == year]
        return range(ds[0], ds[-1] + 1) if ds else range(0)


def media_key(path: str) -> str:
    """Lookup key of a media path: NFC text, case kept (names differing in case are different files)."""
    return unicodedata.normalize("NFC", path)


# ------------------------------------------------------------------ legacy-font text fitting

_TYPOGRAPHY = str.maketrans({"“": '"', "”": '"', "–": "-", "—": "-", "…": "..."})


def fit_legacy(text: str) -> str:
    """Text as typed on an ABC/VNI keyboard in Word: straight quotes and hyphens."""
    return text.translate(_TYPOGRAPHY)


def fold_tcvn3(text: str) -> str:
    """What a `.VnTime` body can show: TCVN3 has no capitals with tone marks, so a typist's
    `Ủy ban` came out as `ủy ban`. The truth holds what the page shows (vncodecs folds the same)."""
    from moha_migrate.vncodecs import decode_tcvn3, encode_tcvn3

    return decode_tcvn3(encode_tcvn3(text))


def _map_parts(parts: tuple[Inline, ...], fn) -> tuple[Inline, ...]:
    return tuple(Link(p.href, fn(p.text), p.target) if isinstance(p, Link) else fn(p) for p in parts)


def fit_block(block: Block) -> Block:
    return _map_block(block, fit_legacy)


def fold_block_tcvn3(block: Block) -> Block:
    return _map_block(block, fold_tcvn3)


def _map_block(block: Block, fn) -> Block:
    if block.kind in ("p", "h2"):
        return Block(block.kind, parts=_map_parts(block.parts, fn))
    if block.kind == "ul":
        return Block("ul", items=tuple(_map_parts(item, fn) for item in block.items))
    if block.kind == "img" and block.image is not None:
        ref = block.image
        return Block(
            "img",
            image=MediaRef(
                ref.path,
                ref.gen_key,
                ref.size_hint,
                ref.modified,
                caption=fn(ref.caption),
                filename=ref.filename,
            ),
        )
    return block


def _trim_parts(parts: list[Inline]) -> list[Inline]:
    """Join adjacent strings so text never holds double spaces."""
    out: list[Inline] = []
    if parts and isinstance(parts[0], str):
        parts = [parts[0].lstrip(), *parts[1:]]
    for p in parts:
        if isinstance(p, str) and out and isinstance(out[-1], str):
            out[-1] = (out[-1] + p).replace("  ", " ")
        else:
            out.append(p)
    return out
