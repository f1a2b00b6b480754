"""transform.dates: the site's three Vietnamese date forms, dateparser for others, never a guess."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moha_migrate.errors import TransformError
from moha_migrate.records import VN_TZ
from transform.dates import find_vn_datetime, parse_vn_date, parse_vn_datetime

WEEKDAYS = ("Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật")
MOMENTS = st.datetimes(min_value=datetime(2008, 12, 1), max_value=datetime(2015, 8, 31))


def test_seed_article_toolbar_line() -> None:
    moment = find_vn_datetime("15/08/2015 07:25 GMT+7 Email Print Like 0")
    assert moment == datetime(2015, 8, 15, 7, 25, tzinfo=VN_TZ)
    assert moment.isoformat() == "2015-08-15T07:25:00+07:00"


@given(MOMENTS)
def test_toolbar_form_round_trips(moment: datetime) -> None:
    shown = moment.strftime("%d/%m/%Y %H:%M") + " GMT+7"
    assert parse_vn_datetime(shown) == moment.replace(second=0, microsecond=0, tzinfo=VN_TZ)


@given(MOMENTS)
def test_weekday_form_round_trips(moment: datetime) -> None:
    shown = f"{WEEKDAYS[moment.weekday()]}, {moment:%d/%m/%Y}, {moment:%H:%M}"
    assert parse_vn_datetime(shown) == moment.replace(second=0, microsecond=0, tzinfo=VN_TZ)


@given(MOMENTS)
def test_updated_form_round_trips_without_leading_zeros(moment: datetime) -> None:
    shown = f"Cập nhật lúc {moment.hour}:{moment.minute:02d} ngày {moment.day}/{moment.month}/{moment.year}"
    assert parse_vn_datetime(shown) == moment.replace(second=0, microsecond=0, tzinfo=VN_TZ)


def test_other_forms_go_through_dateparser_in_vietnamese() -> None:
    assert parse_vn_date("ngày 15 tháng 8 năm 2015") == date(2015, 8, 15)
    assert parse_vn_datetime("15 tháng 8, 2015 07:25").isoformat() == "2015-08-15T07:25:00+07:00"


@pytest.mark.parametrize("text", ["hôm qua", "tuần trước", "abc", "32/13/2015 07:25", "tháng 8 năm 2015", ""])
def test_unparseable_dates_are_errors_not_guesses(text: str) -> None:
    with pytest.raises(TransformError) as info:
        parse_vn_datetime(text)
    assert repr(text) in str(info.value) or "calendar" in str(info.value)


def test_document_dates() -> None:
    assert parse_vn_date("05/08/2011") == date(2011, 8, 5)
    assert parse_vn_date("5/8/2011") == date(2011, 8, 5)
    assert parse_vn_date("2011-08-05") == date(2011, 8, 5)
    with pytest.raises(TransformError):
        parse_vn_date("31/02/2011")


@settings(max_examples=50)
@given(st.text(max_size=40))
def test_never_crashes_on_noise(text: str) -> None:
    try:
        result = parse_vn_datetime(text)
    except TransformError:
        return
    assert result.tzinfo is not None and result.utcoffset().total_seconds() == 7 * 3600
