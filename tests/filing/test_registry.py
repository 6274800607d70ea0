"""The public registry (N-5.2): search, pagination with a constant number of queries, CSV
(UTF-8 with BOM) and JSON open data with ETag/Last-Modified/304, the field description page,
and no personal data anywhere."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evalorg.filing.models import FilingLetter
from evalorg.institutions.models import Category
from tests.applications.conftest import SH
from tests.factories import InstitutionFactory
from tests.publicity.conftest import pii_institution

from .conftest import registry_row

pytestmark = pytest.mark.django_db
TODAY = datetime(2024, 1, 10, 10, 0, tzinfo=SH)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


def _body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8")


def _csv_rows(client, query: str = "") -> list[list[str]]:
    text = _body(client.get(reverse("registry:csv") + query))
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def _json(client, query: str = "") -> dict:
    return json.loads(_body(client.get(reverse("registry:json") + query)))


def _two_organizations():
    welder = registry_row(
        InstitutionFactory(name="广州焊接技术学院", category=Category.COLLEGE), number=1
    )
    shenzhen = InstitutionFactory(name="深圳电工培训中心", city_id="440300", county_id="440304")
    electrician = registry_row(shenzhen, number=2, occupations=(("4-07-05-02", [3]),))
    return welder, electrician


def test_the_page_lists_each_filed_organization_with_its_letter(client):
    welder, _ = _two_organizations()
    response = client.get(reverse("registry:list"))
    assert response.status_code == 200
    html = response.content.decode()
    institution = welder.application.institution
    for expected in (
        institution.name,
        institution.uscc,
        "广州市",
        "院校",
        "焊工（五级/初级工）",
        "焊工（四级/中级工）",
        "粤职评备〔2023〕001号",
        "2023-12-01",
        "2028-11-30",
        "有效",
    ):
        assert expected in html, expected
    assert "深圳电工培训中心" in html


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("?q=焊接", {"广州焊接技术学院"}),
        ("?city=440300", {"深圳电工培训中心"}),
        ("?occupation=焊工", {"广州焊接技术学院"}),
        ("?occupation=4-07-05-02", {"深圳电工培训中心"}),
        ("?level=3", {"深圳电工培训中心"}),
        ("?level=4&occupation=焊工", {"广州焊接技术学院"}),
        ("?level=3&occupation=焊工", set()),
        ("?level=9", set()),
        ("?level=abc", set()),
        ("", {"广州焊接技术学院", "深圳电工培训中心"}),
    ],
)
def test_search_by_name_city_occupation_and_level(client, query, found):
    _two_organizations()
    rows = _json(client, query)["items"]
    assert {row["organization"] for row in rows} == found
    assert {row[0] for row in _csv_rows(client, query)[1:]} == found
    html = client.get(reverse("registry:list") + query).content.decode()
    for name in {"广州焊接技术学院", "深圳电工培训中心"}:
        assert (name in html) == (name in found), (query, name)


def test_search_by_uscc(client):
    welder, _ = _two_organizations()
    uscc = welder.application.institution.uscc
    assert [r["uscc"] for r in _json(client, f"?q={uscc}")["items"]] == [uscc]


def test_csv_and_json_carry_the_same_fields(client):
    _two_organizations()
    header, *rows = _csv_rows(client)
    assert header == [
        "机构名称",
        "统一社会信用代码",
        "所在地级市",
        "机构类别",
        "备案职业（工种）及等级",
        "备案函编号",
        "备案日期",
        "有效期至",
        "状态",
        "曾用名",
        "状态变化",
        "机构状态",
    ]
    data = _json(client)
    assert [f["label"] for f in data["fields"]] == header
    by_name = {row[0]: row for row in rows}
    assert by_name["广州焊接技术学院"][4] == "6-18-02-04 焊工（五级/初级工、四级/中级工）"
    item = next(i for i in data["items"] if i["organization"] == "广州焊接技术学院")
    assert [f["key"] for f in data["fields"]] == list(item)
    assert [(o["code"], o["level"]) for o in item["occupations"]] == [
        ("6-18-02-04", 5),
        ("6-18-02-04", 4),
    ]
    assert by_name["广州焊接技术学院"][5:] == [
        item["letter_number"],
        item["filed_on"],
        item["valid_until"],
        item["status"],
        "",
        f"{item['filed_on']} 正常 备案（{item['letter_number']}）",
        "正常",
    ]
    assert item["former_names"] == []


def test_exports_are_streamed_with_utf8_content_types(client):
    registry_row(number=1)
    csv_response = client.get(reverse("registry:csv"))
    json_response = client.get(reverse("registry:json"))
    assert csv_response.streaming and json_response.streaming
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in csv_response["Content-Disposition"]
    assert json_response["Content-Type"] == "application/json; charset=utf-8"


def test_an_expired_letter_shows_as_expired(client):
    letter = registry_row(number=1)
    FilingLetter.objects.filter(pk=letter.pk).update(valid_until=date(2024, 1, 9))
    assert _json(client)["items"][0]["status"] == "已过期"


@pytest.mark.parametrize("name", ["registry:csv", "registry:json"])
def test_etag_and_last_modified_answer_304_until_the_registry_changes(client, name):
    registry_row(number=1)
    url = reverse(name)
    first = client.get(url)
    etag = first["ETag"]
    assert first.status_code == 200 and first["Last-Modified"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(url + "?city=440300", HTTP_IF_NONE_MATCH=etag).status_code == 200
    registry_row(number=2)  # a new letter changes the tag
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_filed_line_leaving_the_registry_changes_the_etag(client):
    letter = registry_row(number=1)
    etag = client.get(reverse("registry:json"))["ETag"]
    letter.application.occupations.filter(level=4).update(status="eliminated")
    response = client.get(reverse("registry:json"), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert [o["level"] for o in json.loads(_body(response))["items"][0]["occupations"]] == [5]


def test_the_field_description_page_names_every_field(client):
    response = client.get(reverse("registry:fields"))
    assert response.status_code == 200
    html = response.content.decode()
    for key in ("organization", "uscc", "occupations", "letter_number", "valid_until", "status"):
        assert f"<code>{key}</code>" in html


def test_no_personal_data_in_the_page_the_csv_or_the_json(client):
    letters = [registry_row(pii_institution(n), number=n) for n in (1, 2)]
    outputs = [
        client.get(reverse("registry:list")).content.decode(),
        _body(client.get(reverse("registry:csv"))),
        _body(client.get(reverse("registry:json"))),
    ]
    for letter in letters:
        institution = letter.application.institution
        users = [m.user for m in institution.memberships.select_related("user")]
        secrets = [
            institution.contact_name,
            institution.contact_phone,
            institution.contact_email,
            institution.legal_rep_name,
            institution.legal_rep_id_number,
            *[u.email for u in users],
            *[u.full_name for u in users],
            letter.issued_by.full_name,
        ]
        for output in outputs:
            assert institution.name in output
            for secret in secrets:
                assert secret and secret not in output, secret


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", ["registry:list", "registry:csv", "registry:json"])
def test_a_constant_number_of_queries_for_1_or_many_rows(client, name):
    registry_row(number=1)
    one = _queries(client, reverse(name))
    for n in range(2, 7):
        registry_row(number=n, occupations=(("6-18-02-04", [5, 4]), ("4-07-05-02", [3])))
    assert _queries(client, reverse(name)) == one


def test_the_page_is_paginated(client):
    for n in range(1, 23):
        registry_row(number=n)
    first = client.get(reverse("registry:list")).content.decode()
    second = client.get(reverse("registry:list") + "?page=2").content.decode()
    assert first.count("粤职评备〔2023〕") == 20 and second.count("粤职评备〔2023〕") == 2
    assert "共 22 条" in first


@pytest.mark.parametrize(
    ("q", "hinted"),
    [("91440101", True), ("9144010", True), ("广州", False), ("91440101MA5XXXXXX0", False)],
)
def test_a_partial_uscc_is_told_why_it_finds_nothing(client, q, hinted):
    html = client.get(reverse("registry:list"), {"q": q}).content.decode()
    assert ('data-testid="uscc-hint"' in html) is hinted
    if hinted:
        assert f"您输入了 {len(q)} 位" in html


@pytest.mark.parametrize("name", ["registry:csv", "registry:json"])
def test_the_exports_read_a_constant_number_of_queries_for_10_or_60_letters(client, name):
    """Issue 24: rows come from value tuples in batches, never a query per letter."""
    for n in range(1, 11):
        registry_row(number=n)
    ten = _queries(client, reverse(name))
    for n in range(11, 61):
        registry_row(number=n, occupations=(("6-18-02-04", [5, 4]), ("4-07-05-02", [3])))
    assert _queries(client, reverse(name)) == ten


def test_the_export_rows_are_the_rows_the_page_shows(client):
    """The batched export gives each letter exactly what ``registry.row`` gives it (labels,
    lines written in the letter only, expired letters, status), batch edges included."""
    from evalorg.filing import registry

    welder, _electrician = _two_organizations()
    registry_row(number=3, issued_on=date(2018, 1, 5))
    FilingLetter.objects.filter(number__endswith="003号").update(valid_until=date(2023, 1, 1))
    FilingLetter.objects.filter(pk=welder.pk).update(occupations=welder.occupations[:1])
    today = date(2024, 1, 10)
    letters = registry.search({})
    expected = [registry.row(letter, today) for letter in letters]
    batches = list(registry.export_rows(letters, today, batch=2))
    assert [len(batch) for batch in batches] == [2, 1]
    exported = [row for batch in batches for row in batch]
    assert all(row.pop("status_history")[0]["status"] == "正常" for row in exported)  # filed
    assert exported == expected
    assert {row["status"] for row in expected} == {"有效", "已过期"}
    shown = {row["letter_number"]: row for row in expected}
    assert [o["level"] for o in shown[welder.number]["occupations"]] == [5]
