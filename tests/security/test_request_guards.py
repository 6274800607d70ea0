"""Request guards (issue 21 item 8): control characters in a query → 400 before any view,
anonymous bodies capped at 64 KiB except the objection form, Cache-Control: no-store for
signed-in users and file responses."""

from __future__ import annotations

import pytest
from django.urls import reverse

from evalorg.core.request_guards import has_control_characters
from tests.factories import ApplicantFactory

pytestmark = pytest.mark.django_db

# The probe's URLs that answered 500 or cut a stream short, public ones first.
URLS = [
    "registry:list",
    "registry:csv",
    "registry:json",
    "public:notices",
    "home",
    "accounts:login",
    "institutions:signup",
]


@pytest.mark.parametrize("name", URLS)
@pytest.mark.parametrize("query", ["q=%00", "q=a%00b", "city=%01", "%00=1", "page=%7F", "q=%ff"])
def test_control_characters_in_a_query_are_answered_400(client, name, query):
    response = client.get(f"{reverse(name)}?{query}")
    assert response.status_code == 400
    assert "控制字符" in response.content.decode()


@pytest.mark.parametrize("name", ["registry:list", "registry:csv", "public:notices"])
def test_ordinary_queries_pass(client, name):
    assert client.get(reverse(name) + "?q=焊工%20学院&city=440100&page=1").status_code == 200


def test_tab_and_newline_are_not_control_characters_here():
    assert not has_control_characters("q=a%09b%0Ac")
    assert has_control_characters("q=a%0Bb")


def test_an_anonymous_body_above_64_kib_is_refused_before_it_is_read(client):
    body = "x" * (64 * 1024 + 1)
    response = client.post(
        reverse("accounts:login"), data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413 and "64 KB" in response.content.decode()
    small = client.post(reverse("accounts:login"), {"username": "a", "password": "b"})
    assert small.status_code == 200


def test_the_objection_form_takes_its_evidence_and_signed_in_users_are_not_capped(client):
    body = "x" * (200 * 1024)
    url = reverse("public:objection_new", args=[999_999])
    kind = "application/x-www-form-urlencoded"
    assert client.post(url, data=body, content_type=kind).status_code != 413
    client.force_login(ApplicantFactory())
    response = client.post(reverse("institutions:profile_edit"), data=body, content_type=kind)
    assert response.status_code != 413


def test_signed_in_pages_and_files_are_not_stored_by_caches(client):
    public = client.get(reverse("registry:list"))
    assert "no-store" not in public.get("Cache-Control", "")
    client.force_login(ApplicantFactory())
    page = client.get(reverse("institutions:profile"))
    assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]


def test_file_responses_are_not_stored_even_for_anonymous_users(rf):
    import io

    from django.http import FileResponse

    from evalorg.core.request_guards import NoStoreMiddleware

    request = rf.get("/file")
    response = NoStoreMiddleware(lambda r: FileResponse(io.BytesIO(b"%PDF")))(request)
    assert "no-store" in response["Cache-Control"]
