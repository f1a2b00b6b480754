"""transform.classify: the profile's URL patterns give the kind and the item key of a capture."""

from __future__ import annotations

from dataclasses import replace

import pytest

from moha_migrate.errors import ConfigError
from moha_migrate.profile import load_profile
from transform.classify import UrlRules, classify_url

RULES = UrlRules.from_profile(load_profile())


@pytest.mark.parametrize(
    ("url", "verdict", "key", "rank"),
    [
        ("http://moha.gov.vn/tin-tuc-su-kien/ton-giao/hoi-nghi-tong-ket-20044.html", "article", 20044, 0),
        ("http://www.moha.gov.vn/Default.aspx?tabid=222&ItemID=20044", "article", 20044, 1),
        ("http://moha.gov.vn/Default.aspx?ItemID=20044&tabid=222", "article", 20044, 1),
        ("http://www.moha.gov.vn/tabid/222/catid/16/item/20044/hoi-nghi.aspx", "article", 20044, 2),
        ("http://moha.gov.vn/Print.aspx?ItemID=20044", "article", 20044, 3),
        ("http://moha.gov.vn/van-ban/Default.aspx?tabid=300&DocID=1503", "document", 1503, 0),
        ("http://moha.gov.vn/van-ban/Default.aspx?DocID=1503&tabid=300", "document", 1503, 0),
        ("http://moha.gov.vn/gioi-thieu/lien-he.html", "page", "lien-he", 0),
        ("http://moha.gov.vn/Uploads/Images/2015/08/Hội nghị 1.jpg", "media", None, 0),
        ("http://moha.gov.vn/", "skip", None, 0),
        ("http://moha.gov.vn/Default.aspx?tabid=217&page=2", "skip", None, 0),
        ("http://moha.gov.vn/tin-tuc-su-kien/ton-giao-222.html", "skip", None, 0),
        ("http://moha.gov.vn/van-ban/Default.aspx?tabid=300&year=2011", "skip", None, 0),
        ("http://moha.gov.vn/LichCongTac.aspx?date=2015-08-01", "skip", None, 0),
        ("http://moha.gov.vn/(S(lit3py55t21z5v55vlm25s55))/tin-tuc-su-kien/ton-giao/x-20044.html", "session", None, 0),
        ("http://chinhphu.vn/portal/page/portal/chinhphu/trangchu", "offsite", None, 0),
        ("http://moha.gov.vn/SoDoWebsite.aspx", "unknown", None, 0),
    ],
)
def test_classification(url: str, verdict: str, key: object, rank: int) -> None:
    cls = classify_url(url, RULES)
    assert cls.verdict == verdict
    assert key in (cls.item, cls.doc, cls.slug)
    if verdict in ("article", "document", "page"):
        assert cls.pattern_index == rank  # 0 = the canonical form, preferred when merging


def test_alias_forms_carry_the_tabid() -> None:
    assert classify_url("http://moha.gov.vn/Default.aspx?ItemID=5&tabid=219", RULES).tabid == 219


def test_bad_pattern_names_the_profile_key() -> None:
    profile = load_profile()
    broken = replace(profile, raw={**profile.raw, "transform": {"patterns": {"article": ["(unclosed"]}}})
    with pytest.raises(ConfigError, match=r"\[transform.patterns\] article: bad regex"):
        UrlRules.from_profile(broken)
