"""A small, deterministic set of records shaped like the replica's truth, for loader tests that must
not wait for a crawl: articles in every category, documents, pages and media, with Vietnamese
text, both hosts in old_urls, file names with spaces, raw Vietnamese letters and case-only twins."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

from moha_migrate.profile import load_profile
from moha_migrate.records import VN_TZ, Article, Attachment, Document, Image, Media, Page, Provenance, Record
from moha_migrate.urls import normalize_url

BASE = "http://moha.gov.vn/"
WWW = "http://www.moha.gov.vn/"
WORDS = ["Bộ Nội vụ", "cải cách", "hành chính", "công chức", "viên chức", "thi đua", "khen thưởng", "tôn giáo",
         "lưu trữ", "địa phương", "Thứ trưởng", "hội nghị", "triển khai", "năm 2015", "Đảng ủy", "đoàn công tác"]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _prov(i: int) -> Provenance:
    return Provenance(
        warc_file=f"moha-20261125-{i // 100:05d}.warc.gz",
        offset=1000 + i * 7919,
        record_id=f"<urn:uuid:00000000-0000-4000-8000-{i:012d}>",
        payload_digest=f"sha1:{_sha(str(i))[:32].upper()}",
        captured_at=datetime(2026, 11, 25, 10, 0, i % 60, tzinfo=VN_TZ),
    )


def _phrase(i: int, n: int) -> str:
    return " ".join(WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(n))


def media_records(count: int = 12) -> list[Media]:
    """Images and attachments, including names with spaces, raw Vietnamese and case-only twins."""
    out = []
    names = ["anh 1.jpg", "Ảnh hội nghị.jpg", "Anh.JPG", "anh.jpg", "Quyết định số 1.pdf", "bao-cao.doc",
             "Hinh (1).JPG", "hinh (1).jpg", "Báo cáo $1+2.doc"]
    for i in range(count):
        name = names[i] if i < len(names) else f"hinh-{i}.png"
        folder = "VanBan" if name.endswith((".pdf", ".doc")) else "Images"
        month = 1 if i < len(names) else i % 12 + 1  # the named files share a folder: Anh.JPG next to anh.jpg
        url = normalize_url(f"{BASE}Uploads/{folder}/2014/{month:02d}/{name}")
        urls = {url}
        if i % 3 == 0:
            urls.add(url.replace(BASE, WWW))
        out.append(
            Media(
                source_url=url, old_urls=tuple(sorted(urls)), title=name, url=url, sha256=_sha(f"media-{i}"),
                mime="application/pdf" if name.endswith(".pdf") else "application/msword" if name.endswith(".doc") else "image/jpeg",
                size=1000 + i, referenced_by=(), provenance=_prov(10_000 + i),
            )
        )
    return out


def make_corpus(articles: int = 40, documents: int = 8, pages: int = 4, media: int = 12) -> list[Record]:
    """Deterministic records: `articles` news items spread over the profile's categories, etc."""
    cats = load_profile().categories
    files = media_records(media)
    images = [m for m in files if m.mime == "image/jpeg"]
    docs_files = [m for m in files if m.mime != "image/jpeg"]
    records: list[Record] = []
    article_urls = []
    for i in range(articles):
        cat = cats[i % len(cats)]
        item_id = 20000 + i
        url = f"{BASE}tin-tuc-su-kien/{cat.slug}/bai-viet-so-{i}-{item_id}.html"
        article_urls.append(url)
        old = {url, f"{BASE}Default.aspx?tabid={cat.tabid}&ItemID={item_id}", f"{BASE}Print.aspx?ItemID={item_id}"}
        if i % 4 == 0:
            old.add(url.replace(BASE, WWW))
        image = images[i % len(images)]
        records.append(
            Article(
                source_url=url, old_urls=tuple(sorted(old)), title=f"{_phrase(i, 5).capitalize()} số {i}",
                item_id=item_id, category=cat.slug,
                published_at=datetime(2010, 1, 1, 8, 0, tzinfo=VN_TZ) + timedelta(days=i * 13, minutes=i),
                lead=f"(Moha) - {_phrase(i + 1, 8)}.", body_text=f"{_phrase(i + 2, 12)}.\n\n{_phrase(i + 3, 9)}.",
                body_html=f"<p>{_phrase(i + 2, 12)}.</p><p>{_phrase(i + 3, 9)}.</p>",
                author=["Minh Sơn", None, "Thu Hà"][i % 3], source=["TTXVN", "Vietnam+", None][i % 3],
                images=(Image(url=image.url, caption=f"(Ảnh: {_phrase(i, 2)})", sha256=image.sha256),) if i % 2 == 0 else (),
                attachments=(
                    Attachment(url=docs_files[0].url, filename="Quyết định số 1.pdf", sha256=docs_files[0].sha256, mime="application/pdf", size=docs_files[0].size),
                ) if i % 10 == 5 else (),
                related=tuple(article_urls[max(0, i - 3):i][::-1]),
                provenance=_prov(i),
            )
        )
    for i in range(documents):
        doc_id = 4000 + i
        url = f"{BASE}van-ban/Default.aspx?tabid=300&DocID={doc_id}"
        number = f"{10 + i}/201{i % 6}/NĐ-CP" if i % 2 else f"{1200 + i}/QĐ-BNV"
        att = docs_files[i % len(docs_files)]
        records.append(
            Document(
                source_url=url, old_urls=(url,), title=f"{'Nghị định' if i % 2 else 'Quyết định'} {number}",
                doc_id=doc_id, number=number, doc_type="Nghị định" if i % 2 else "Quyết định", issuer="Bộ Nội vụ",
                signer="Nguyễn Thái Bình" if i % 3 else None, issued_on=date(2011, 1 + i % 12, 1 + i),
                effective_on=date(2011, 2 + i % 10, 1) if i % 2 else None, expired_on=None,
                status=["Còn hiệu lực", "Hết hiệu lực một phần", None][i % 3], field="Tổ chức bộ máy" if i % 2 else None,
                abstract=f"Quy định {_phrase(i, 6)}.",
                attachments=(Attachment(url=att.url, filename=att.title, sha256=att.sha256 if i % 4 else None, mime=att.mime, size=att.size if i % 4 else None),),
                provenance=_prov(5000 + i),
            )
        )
    for i, slug in enumerate(["gioi-thieu-chung", "so-do-to-chuc", "lanh-dao-bo", "lien-he"][:pages]):
        url = f"{BASE}gioi-thieu/{slug}.html"
        records.append(
            Page(source_url=url, old_urls=tuple(sorted({url, url.replace(BASE, WWW)})), title=_phrase(i, 3).capitalize(),
                 slug=slug, body_text=f"{_phrase(i, 10)}.", body_html=f"<p>{_phrase(i, 10)}.</p>", provenance=_prov(7000 + i))
        )
    users: dict[str, list[str]] = {}
    for r in records:
        for u in [im.url for im in getattr(r, "images", ())] + [a.url for a in getattr(r, "attachments", ())]:
            users.setdefault(u, []).append(r.source_url)
    for m in files:
        records.append(Media(**{**{f: getattr(m, f) for f in m.__dataclass_fields__ if f != "kind"},
                                "referenced_by": tuple(sorted(set(users.get(m.url, []))))}))
    return records
