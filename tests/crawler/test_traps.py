"""crawler.traps: link cleaning, frontier keys and the trap rules of the moha.gov.vn profile."""

from hypothesis import given
from hypothesis import strategies as st

from crawler.rules import load_rules
from crawler.traps import MAX_EMBED_HOPS, clean_link, frontier_key, judge_link
from moha_migrate.profile import load_profile

RULES = load_rules(load_profile())


def test_session_segment_and_fragment_are_removed_from_links() -> None:
    assert clean_link("http://moha.gov.vn/(S(lit3py55t21z5v55vlm25s55))/default.aspx#x", RULES) == \
        "http://moha.gov.vn/default.aspx"


def test_frontier_key_folds_host_query_order_session_and_fragment() -> None:
    variants = [
        "http://moha.gov.vn/Default.aspx?tabid=219&ItemID=20018",
        "http://www.moha.gov.vn/Default.aspx?ItemID=20018&tabid=219",
        "http://moha.gov.vn/(S(lit3py55t21z5v55vlm25s55))/Default.aspx?tabid=219&ItemID=20018#top",
    ]
    assert len({frontier_key(u, RULES) for u in variants}) == 1
    assert frontier_key("http://moha.gov.vn/default.aspx", RULES) != frontier_key("http://moha.gov.vn/Default.aspx", RULES)


@given(st.sampled_from(["moha.gov.vn", "www.moha.gov.vn"]),
       st.lists(st.tuples(st.sampled_from(["a", "tabid", "ItemID", "page"]), st.text("0123456789", max_size=3)),
                max_size=4),
       st.text("abcđộ -/", max_size=20))
def test_frontier_key_is_idempotent(host: str, params: list[tuple[str, str]], path: str) -> None:
    query = "&".join(f"{k}={v}" for k, v in params)
    url = f"http://{host}/{path}" + (f"?{query}" if query else "")
    key = frontier_key(url, RULES)
    assert frontier_key(key, RULES) == key


def test_judge_link_reasons() -> None:
    assert judge_link("http://moha.gov.vn/gioi-thieu/lich-su.html", "LL", RULES) is None
    assert judge_link("http://chinhphu.vn/portal", "L", RULES) == "out-of-scope"
    assert judge_link("https://moha.gov.vn/x", "L", RULES) == "scheme"
    assert judge_link("ftp://moha.gov.vn/x", "L", RULES) == "scheme"
    assert judge_link("http://moha.gov.vn/TimKiem.aspx?q=bo+noi+vu", "L", RULES) == "excluded"
    assert judge_link("http://moha.gov.vn/timkiem.aspx?q=x", "L", RULES) == "excluded"
    assert judge_link("http://moha.gov.vn/Admin/Login.aspx", "L", RULES) == "excluded"
    assert judge_link("http://moha.gov.vn/EmailArticle.aspx?ItemID=1", "L", RULES) == "excluded"
    assert judge_link("http://moha.gov.vn/x.aspx?q=" + "a" * 300, "L", RULES) == "trap:query-length"
    assert judge_link("http://moha.gov.vn/" + "a/" * 12 + "x.html", "L", RULES) == "trap:path-depth"
    assert judge_link("http://moha.gov.vn/x.html", "L" * 26, RULES) == "trap:max-hops"
    assert judge_link("http://moha.gov.vn/x.html", "X" * 13 + "R" * 13, RULES) == "trap:max-hops"


def test_embeds_of_a_fetched_page_are_within_the_hop_limit() -> None:
    """A page at the last allowed hop still gets its images (and a stylesheet's images)."""
    page = "L" * RULES.max_hops
    assert judge_link("http://moha.gov.vn/Uploads/Images/2009/01/a.jpg", page + "E", RULES) is None
    assert judge_link("http://moha.gov.vn/images/bg.gif", page + "E" * MAX_EMBED_HOPS, RULES) is None
    assert judge_link("http://moha.gov.vn/images/bg.gif", page + "E" * (MAX_EMBED_HOPS + 1), RULES) == "trap:max-hops"
    assert judge_link("http://moha.gov.vn/x.html", page + "EL", RULES) == "trap:max-hops"


def test_calendar_is_followed_only_inside_its_date_window() -> None:
    assert judge_link("http://moha.gov.vn/LichCongTac.aspx?date=2015-08-14", "L", RULES) is None
    assert judge_link("http://moha.gov.vn/LichCongTac.aspx", "L", RULES) is None
    assert judge_link("http://moha.gov.vn/LichCongTac.aspx?date=2015-10-01", "L", RULES) == "trap:calendar-date"
    assert judge_link("http://moha.gov.vn/lichcongtac.aspx?date=1999-01-01", "L", RULES) == "trap:calendar-date"
    assert judge_link("http://moha.gov.vn/LichCongTac.aspx?date=not-a-date", "L", RULES) == "trap:calendar-date"
