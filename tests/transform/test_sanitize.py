"""transform.sanitize: nh3 allow-list; nothing unsafe survives; links rewritten by the caller."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from transform.sanitize import has_unsafe_markup, sanitize_html

WORD = (
    "<p class=MsoNormal style='text-align:justify;mso-pagination:widow-orphan' onclick=\"x()\">"
    "<span style='font-size:13.0pt;mso-bidi-font-size:12.0pt'><font face=\"Times New Roman\">Bộ Nội vụ"
    "<o:p></o:p></font></span>"
    "<p class=MsoNormal>&nbsp;<o:p></o:p></p>"
    "<script type=\"text/javascript\">document.write('<b>x</b>')</script>"
    "<iframe src=\"http://www.youtube.com/embed/x\">video</iframe>"
    "<p>Mời <a href=\"javascript:window.open('/v.flv')\">xem video</a>.</p>"
    "<ul type=disc><li class=MsoNormal>một<li>hai</ul>"
)


def test_word_and_dangerous_markup_is_cleaned() -> None:
    out = sanitize_html(WORD)
    assert out == "<p>Bộ Nội vụ</p><p>Mời xem video.</p><ul><li>một</li><li>hai</li></ul>"
    assert not has_unsafe_markup(out) and has_unsafe_markup(WORD)


def test_links_are_rewritten_by_the_callback() -> None:
    seen = []

    def rewrite(tag: str, url: str) -> str | None:
        seen.append((tag, url))
        return "/tin-tuc/x/y-1" if url.endswith("-1.html") else None

    out = sanitize_html('<p><a href="../a/b-1.html">bài</a> <a href="http://chinhphu.vn/">CP</a>'
                        '<img src="/Uploads/a.jpg" onerror="x()"></p>', rewrite)
    assert out == '<p><a href="/tin-tuc/x/y-1">bài</a> <a href="http://chinhphu.vn/">CP</a><img src="/Uploads/a.jpg"></p>'
    assert ("a", "../a/b-1.html") in seen and ("img", "/Uploads/a.jpg") in seen


def test_mailto_kept_and_empty_inline_wrappers_dropped() -> None:
    assert sanitize_html('<p><b>&nbsp;</b></p><p><a href="mailto:bbt@moha.gov.vn">thư</a></p>') == (
        '<p><a href="mailto:bbt@moha.gov.vn">thư</a></p>'
    )


@settings(max_examples=200)
@given(st.lists(st.sampled_from([
    "<script>alert(1)</script>", "<iframe src=x>", "<a href='javascript:alert(1)'>", "<a href=\"JaVaScRiPt:x\">",
    "<p onclick=x>", "<img src=x onerror=y>", "<font color=red>", "<span style='mso-x:1'>", "<style>p{}</style>",
    "<o:p>", "</p>", "<p>", "text", "&nbsp;", "<svg onload=x>", "<object data=x>", "<a href='vbscript:x'>",
    "<scr<script>ipt>", "<math><mi xlink:href='javascript:x'>",
]), max_size=12))
def test_no_unsafe_construct_ever_survives(pieces: list[str]) -> None:
    assert not has_unsafe_markup(sanitize_html("".join(pieces)))
