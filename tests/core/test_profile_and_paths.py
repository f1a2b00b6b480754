"""profile.py, slugs.py and newurls.py: the site facts and the new portal's URL scheme."""

from __future__ import annotations

from pathlib import Path

import pytest

from moha_migrate.errors import ConfigError
from moha_migrate.newurls import document_path, media_path, new_path
from moha_migrate.profile import load_profile
from moha_migrate.slugs import slugify
from tests.core.test_records import make_article, make_others


def test_default_profile_lists_the_eight_categories_of_the_spec() -> None:
    profile = load_profile()
    slugs = {c.slug for c in profile.categories}
    assert {
        "hoat-dong-cua-bo", "tin-dia-phuong", "cai-cach-hanh-chinh", "cong-chuc-vien-chuc",
        "thi-dua-khen-thuong", "ton-giao", "van-thu-luu-tru", "to-chuc-phi-chinh-phu",
    } <= slugs
    assert profile.category_by_slug("ton-giao").name == "Tôn giáo"
    assert {c.paging for c in profile.categories} == {"query", "postback"}
    assert set(profile.hosts) == {"moha.gov.vn", "www.moha.gov.vn"}


def test_bad_profile_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[site\n", "utf-8")
    with pytest.raises(ConfigError, match="bad.toml"):
        load_profile(bad)
    with pytest.raises(ConfigError, match="cannot read profile"):
        load_profile(tmp_path / "missing.toml")
    bad.write_text("[site]\nname='x'\n", "utf-8")
    with pytest.raises(ConfigError, match="canonical_host"):
        load_profile(bad)


def test_slugify_vietnamese() -> None:
    assert slugify("Chính thức khai trương Cổng thông tin điện tử Bộ Nội vụ") == (
        "chinh-thuc-khai-truong-cong-thong-tin-dien-tu-bo-noi-vu"
    )
    assert slugify("Đồng chí Đỗ Văn Đức") == "dong-chi-do-van-duc"
    assert slugify("43/2011/NĐ-CP") == "43-2011-nd-cp"
    assert len(slugify("từ " * 100)) <= 80


def test_new_paths_are_stable_per_kind() -> None:
    article = make_article()
    doc, page, media = make_others()
    assert new_path(article) == "/tin-tuc/ton-giao/chinh-thuc-khai-truong-cong-thong-tin-dien-tu-bo-noi-vu-20871"
    assert new_path(doc) == document_path("43/2011/NĐ-CP", 43) == "/van-ban/43-2011-nd-cp-43"
    assert new_path(page) == "/gioi-thieu/lien-he"
    assert new_path(media) == "/media/aa/aaaaaaaaaaaaaaaa/a.jpg"
    assert media_path("b" * 64, "http://moha.gov.vn/Uploads/VanBan/Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh.DOC") == (
        "/media/bb/bbbbbbbbbbbbbbbb/quyet-dinh.doc"
    )
