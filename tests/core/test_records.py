"""records.py and jsonl.py: the contract validates field by field and round-trips exactly."""

from __future__ import annotations

import json
import unicodedata
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moha_migrate.errors import RecordError
from moha_migrate.jsonl import dumps_record, iter_lines, iter_records, write_records
from moha_migrate.records import (
    MOJIBAKE_MARKERS,
    VN_TZ,
    Article,
    Attachment,
    Document,
    Image,
    Media,
    Page,
    Provenance,
    has_mojibake,
    record_from_dict,
    record_to_dict,
)

BASE = "http://moha.gov.vn/"
SHA = "a" * 64


def make_article(**overrides) -> Article:
    url = BASE + "tin-tuc-su-kien/ton-giao/chinh-thuc-khai-truong-20871.html"
    values = dict(
        source_url=url,
        old_urls=tuple(sorted({url, BASE + "Print.aspx?ItemID=20871"})),
        title="Chính thức khai trương Cổng thông tin điện tử Bộ Nội vụ",
        item_id=20871,
        category="ton-giao",
        published_at=datetime(2015, 8, 15, 7, 25, tzinfo=VN_TZ),
        lead="(Moha) - Thứ trưởng Bộ Nội vụ Nguyễn Duy Thăng đã bấm nút khai trương.",
        body_text="Đoạn một.\n\nĐoạn hai.",
        body_html="<p>Đoạn một.</p><p>Đoạn hai.</p>",
        author="Minh Sơn",
        source="TTXVN",
        images=(Image(url=BASE + "Uploads/Images/2015/08/a.jpg", caption="(Ảnh: Minh Sơn/Vietnam+)", sha256=SHA),),
        attachments=(),
        related=(BASE + "tin-tuc-su-kien/ton-giao/khac-20870.html",),
        provenance=Provenance(
            warc_file="moha-20261125-00000.warc.gz",
            offset=1234,
            record_id="<urn:uuid:0b3f4a4e-0000-4000-8000-000000000000>",
            payload_digest="sha1:ABC",
            captured_at=datetime(2026, 11, 25, 4, 0, tzinfo=VN_TZ),
        ),
    )
    values.update(overrides)
    return Article(**values)


def make_others() -> list:
    doc_url = BASE + "van-ban/Default.aspx?tabid=300&DocID=43"
    att = Attachment(url=BASE + "Uploads/VanBan/2011/05/ND%2043.doc", filename="NĐ 43.doc", sha256=None, mime="application/msword", size=None)
    return [
        Document(
            source_url=doc_url, old_urls=(doc_url,), title="Nghị định 43/2011/NĐ-CP", doc_id=43,
            number="43/2011/NĐ-CP", doc_type="Nghị định", issuer="Chính phủ", signer="Nguyễn Tấn Dũng",
            issued_on=date(2011, 6, 13), effective_on=date(2011, 8, 1), expired_on=None,
            status="Còn hiệu lực", field="Công nghệ thông tin", abstract="Quy định về cung cấp thông tin.",
            attachments=(att,),
        ),
        Page(source_url=BASE + "gioi-thieu/lien-he.html", old_urls=(BASE + "gioi-thieu/lien-he.html",),
             title="Liên hệ", slug="lien-he", body_text="Số 8 Tôn Thất Thuyết.", body_html="<p>Số 8 Tôn Thất Thuyết.</p>"),
        Media(source_url=BASE + "Uploads/Images/2015/08/a.jpg", old_urls=(BASE + "Uploads/Images/2015/08/a.jpg",),
              title="a.jpg", url=BASE + "Uploads/Images/2015/08/a.jpg", sha256=SHA, mime="image/jpeg", size=1024,
              referenced_by=(BASE + "tin-tuc-su-kien/ton-giao/chinh-thuc-khai-truong-20871.html",)),
    ]


def test_every_kind_round_trips_through_dict_and_json() -> None:
    for record in [make_article(), *make_others()]:
        data = json.loads(dumps_record(record))
        assert data["kind"] == record.kind
        assert record_from_dict(data) == record
        assert record_to_dict(record_from_dict(data)) == data


def test_truth_records_may_omit_provenance() -> None:
    data = record_to_dict(make_article(provenance=None))
    assert "provenance" not in data
    assert record_from_dict(data).provenance is None


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("item_id", "20871", "expected an integer"),
        ("published_at", "15/08/2015 07:25", "not an ISO 8601 timestamp"),
        ("published_at", "2015-08-15T07:25:00", "without a UTC offset"),
        ("title", unicodedata.normalize("NFD", "Bộ Nội vụ"), "not Unicode NFC"),
        ("title", "Boä Noäi vuï", "mojibake"),
        ("title", "Bộ  Nội vụ", "runs of whitespace"),
        ("lead", "Bộ&nbsp;Nội vụ", "HTML entity"),
        ("category", "Tôn giáo", "not a slug"),
        ("source_url", "https://example.com/x", "absolute http://moha.gov.vn/ URL"),
        ("old_urls", [BASE + "b", BASE + "a"], "not sorted"),
        ("images", [{"url": BASE + "x.jpg"}], "expected {url, caption, sha256}"),
    ],
)
def test_bad_field_is_named(field: str, value: object, reason: str) -> None:
    data = record_to_dict(make_article())
    data[field] = value
    with pytest.raises(RecordError) as info:
        record_from_dict(data, line=7)
    assert info.value.line == 7
    assert info.value.field.startswith(field)
    assert reason in str(info.value)
    assert str(info.value).startswith("line 7, field")


def test_missing_and_unknown_fields_are_named() -> None:
    data = record_to_dict(make_article())
    del data["lead"]
    with pytest.raises(RecordError, match="field 'lead': missing"):
        record_from_dict(data)
    data = record_to_dict(make_article())
    data["colour"] = "red"
    with pytest.raises(RecordError, match="field 'colour': unknown field"):
        record_from_dict(data)
    with pytest.raises(RecordError, match="field 'kind': unknown kind 'video'"):
        record_from_dict({"kind": "video"})


def test_jsonl_streams_good_lines_past_bad_ones(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    records = [make_article(), *make_others()]
    write_records(records, path)
    lines = path.read_text("utf-8").splitlines()
    lines.insert(1, "{not json")
    lines.insert(3, json.dumps({**record_to_dict(make_article()), "item_id": -1}))
    path.write_text("\n".join(lines) + "\n", "utf-8")

    parsed = list(iter_lines(path))
    assert [p.line for p in parsed if p.error] == [2, 4]
    assert "bad JSON" in str(parsed[1].error)
    assert "field 'item_id': negative" in str(parsed[3].error)
    assert [p.record for p in parsed if p.record] == records
    with pytest.raises(RecordError, match="line 2"):
        list(iter_records(path))


def test_writer_normalises_to_nfc(tmp_path: Path) -> None:
    nfd_lead = unicodedata.normalize("NFD", "Thứ trưởng Bộ Nội vụ")
    record = make_article()
    object.__setattr__(record, "lead", nfd_lead)  # as a careless producer might hand it over
    path = tmp_path / "r.jsonl"
    write_records([record], path)
    (back,) = iter_records(path)
    assert back.lead == unicodedata.normalize("NFC", nfd_lead)


VIETNAMESE = st.text(
    alphabet=st.sampled_from(list("aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯ àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")),
    min_size=1,
    max_size=40,
).map(lambda s: " ".join(s.split())).filter(bool)


@settings(max_examples=60, deadline=None)
@given(title=VIETNAMESE, body=VIETNAMESE)
def test_any_vietnamese_text_round_trips_and_is_never_mojibake(title: str, body: str) -> None:
    assert not has_mojibake(title)
    record = make_article(title=title, body_text=body)
    assert record_from_dict(json.loads(dumps_record(record))) == record


LATIN_AND_VIETNAMESE = st.text(
    alphabet=st.one_of(st.characters(min_codepoint=0x20, max_codepoint=0x24F), st.sampled_from(list("ạảấầẩẫậắằẳẵặ\ufffd"))),
    max_size=30,
)


@settings(max_examples=400, deadline=None)
@given(text=LATIN_AND_VIETNAMESE)
def test_fast_mojibake_check_agrees_with_the_marker_pattern(text: str) -> None:
    assert has_mojibake(text) == bool(MOJIBAKE_MARKERS.search(text))


@pytest.mark.parametrize("shown", ["C¸c tØnh", "Boä Noäi vuï", "Bá»™ Ná»™i vá»¥", "Ã\u00a0", "Æ°", "\u0081", "x\ufffdy"])
def test_known_mojibake_is_caught(shown: str) -> None:
    assert has_mojibake(shown) and MOJIBAKE_MARKERS.search(shown)
