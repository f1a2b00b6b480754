"""urls.py: one stored form per URL, one frontier key per resource."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from moha_migrate.urls import comparable, frontier_key, is_site_url, normalize_url, same_url, strip_session


def test_normalize_keeps_host_form_and_query_order_but_encodes() -> None:
    assert normalize_url("HTTP://WWW.Moha.gov.vn:80/Default.aspx?tabid=217&ItemID=5#top") == (
        "http://www.moha.gov.vn/Default.aspx?tabid=217&ItemID=5"
    )
    assert normalize_url("http://moha.gov.vn/Uploads/VanBan/2011/Quyết định 12.doc") == (
        "http://moha.gov.vn/Uploads/VanBan/2011/Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh%2012.doc"
    )
    # already-encoded URLs are not encoded twice
    encoded = "http://moha.gov.vn/Uploads/a%20b.jpg"
    assert normalize_url(encoded) == encoded


def test_frontier_key_folds_variants_of_one_resource() -> None:
    variants = [
        "http://moha.gov.vn/Default.aspx?tabid=217&ItemID=5",
        "http://www.moha.gov.vn/Default.aspx?ItemID=5&tabid=217",
        "http://moha.gov.vn/(S(lit3py55t21z5v55vlm25s55))/Default.aspx?tabid=217&ItemID=5#x",
    ]
    assert len({frontier_key(u) for u in variants}) == 1
    # case of the path is significant (files that differ only in case are different files)
    assert frontier_key("http://moha.gov.vn/Uploads/A.jpg") != frontier_key("http://moha.gov.vn/Uploads/a.jpg")


def test_strip_session_and_site_scope() -> None:
    assert strip_session("/(S(lit3py55t21z5v55vlm25s55))/default.aspx") == "/default.aspx"
    assert strip_session("/(S(abc))") == "/"
    assert is_site_url("http://www.moha.gov.vn/x")
    assert not is_site_url("http://chinhphu.vn/")
    assert not is_site_url("mailto:a@moha.gov.vn")


def test_same_url_ignores_percent_encoding_and_normal_form() -> None:
    assert same_url("http://moha.gov.vn/Uploads/Quy%E1%BA%BFt.doc", "http://moha.gov.vn/Uploads/Quyết.doc")
    assert comparable("http://moha.gov.vn/a%20b#frag") == "http://moha.gov.vn/a b"


@given(st.text(alphabet="abcĐộữ /?=&%.()S", max_size=30))
def test_canonical_forms_are_idempotent(tail: str) -> None:
    url = "http://www.moha.gov.vn/" + tail
    assert normalize_url(normalize_url(url)) == normalize_url(url)
    assert frontier_key(frontier_key(url)) == frontier_key(url)
