"""Public endpoints (issue 13): the registry, notices and rounds, no key; paginated,
filterable, with ETag (304); no personal data; constant queries as rows grow."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evalorg.rounds.models import Round
from tests.filing.conftest import registry_row
from tests.publicity.conftest import approved as approved_case
from tests.publicity.conftest import pii_institution, province_staff, published

pytestmark = pytest.mark.django_db


def test_registry_fields_filters_and_pages(client):
    registry_row(number=1)
    registry_row(number=2, occupations=(("4-04-05-01", [4]),))
    everything = client.get("/api/public/registry").json()
    assert everything["count"] == 2
    first = everything["items"][0]
    assert set(first) == {
        "organization",
        "uscc",
        "city",
        "category",
        "occupations",
        "letter_number",
        "filed_on",
        "valid_until",
        "status",
        "former_names",
        "org_status",
    }
    welders = client.get("/api/public/registry", {"occupation": "6-18-02-04"}).json()
    assert [i["letter_number"] for i in welders["items"]] == ["粤职评备〔2023〕001号"]
    assert client.get("/api/public/registry", {"level": "3"}).json()["count"] == 0
    page2 = client.get("/api/public/registry", {"page_size": 1, "page": 2}).json()
    assert page2["count"] == 2 and len(page2["items"]) == 1
    assert (
        page2["items"][0]["letter_number"]
        != client.get("/api/public/registry", {"page_size": 1}).json()["items"][0]["letter_number"]
    )


def test_registry_has_no_personal_data(client):
    registry_row(pii_institution(7), number=1)
    body = client.get("/api/public/registry").content.decode()
    for secret in ("联系人甲", "13800130007", "secret-contact", "法定代表人乙", "19900101007"):
        assert secret not in body


def test_etag_gives_304_until_something_changes(client):
    registry_row(number=1)
    first = client.get("/api/public/registry")
    etag = first["ETag"]
    assert etag
    again = client.get("/api/public/registry", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    registry_row(number=2)
    changed = client.get("/api/public/registry", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_notices_only_published_with_entries(client):
    staff = province_staff()
    notice = published([approved_case(pii_institution(1))], staff)
    body = client.get("/api/public/notices").json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["id"] == notice.pk and item["round"] == "gd-2023"
    assert item["entries"][0]["name"] == notice.entries.get().name
    assert "联系人甲" not in client.get("/api/public/notices").content.decode()
    assert client.get(f"/api/public/notices/{notice.pk}").json()["title"] == notice.title
    assert client.get("/api/public/notices", {"round": "nope"}).json()["count"] == 0
    etag = client.get(f"/api/public/notices/{notice.pk}")["ETag"]
    assert (
        client.get(f"/api/public/notices/{notice.pk}", HTTP_IF_NONE_MATCH=etag).status_code == 304
    )


def test_draft_notice_is_not_public(client):
    from tests.publicity.conftest import draft_notice

    notice = draft_notice([approved_case()], province_staff())
    assert client.get("/api/public/notices").json()["count"] == 0
    assert client.get(f"/api/public/notices/{notice.pk}").status_code == 404


def test_rounds_with_dates(client):
    body = client.get("/api/public/rounds").json()
    reference = Round.objects.get(code="gd-2023")
    item = next(i for i in body["items"] if i["code"] == "gd-2023")
    assert item["application_deadline"] == reference.application_deadline.isoformat()
    assert client.get("/api/public/rounds", {"year": 1999}).status_code == 422
    assert client.get("/api/public/rounds", {"year": 2023}).json()["count"] == body["count"]


def test_bad_paging_is_422_with_a_chinese_message(client):
    response = client.get("/api/public/registry", {"page": 0})
    assert response.status_code == 422
    assert "请求参数不符合接口说明" in response.json()["detail"]
    # A control character is refused before any view runs (issue 21 item 8).
    assert client.get("/api/public/registry", {"q": "a\x00b"}).status_code == 400


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_registry_and_notices_constant_queries(client):
    staff = province_staff()
    registry_row(number=1)
    published([approved_case()], staff)
    small = (_queries(client, "/api/public/registry"), _queries(client, "/api/public/notices"))
    for n in range(2, 5):
        registry_row(number=n)
    published([approved_case(), approved_case()], staff)
    large = (_queries(client, "/api/public/registry"), _queries(client, "/api/public/notices"))
    assert large == small


def test_docs_load_from_our_static_files(client):
    docs = client.get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in docs
    assert "cdn" not in docs.lower() and "https://" not in docs
    schema = client.get("/api/openapi.json").json()
    assert "/api/public/registry" in schema["paths"] and "/api/cases" in schema["paths"]
    assert schema["info"]["title"] == "EvalOrg 开放接口"


def test_docs_have_a_viewport_for_phones(client):
    docs = client.get("/api/docs").content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in docs


@pytest.mark.parametrize(
    ("query", "message"),
    [({"page": 0}, "应不小于 1。"), ({"page": "x"}, "应为整数。")],
)
def test_422_errors_say_what_is_wrong_in_chinese(client, query, message):
    errors = client.get("/api/public/registry", query).json()["errors"]
    assert [e["msg"] for e in errors] == [message]
    assert errors[0]["loc"][-1] == "page"  # the machine-readable parts stay
