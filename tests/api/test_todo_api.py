"""``/api/todo`` (issue 19): the home page's to-do list as JSON, for a staff token or a
logged-in session; nobody else."""

from __future__ import annotations

import pytest
from django.urls import reverse

from evalorg.applications.models import State
from evalorg.core.todo import todo_items
from tests.applications.conftest import applicant_of, build_application

from .conftest import bearer, submitted_case, token_for

pytestmark = pytest.mark.django_db


def test_anonymous_and_bad_tokens_get_401(client):
    submitted_case()
    for headers in ({}, bearer("eo_wrong"), {"HTTP_AUTHORIZATION": "Basic x"}):
        response = client.get("/api/todo", **headers)
        assert response.status_code == 401
        assert "submitted" not in response.content.decode()


def test_staff_token_gets_its_list(client, case, gz_staff, sz_staff):
    response = client.get("/api/todo", **bearer(token_for(gz_staff, scope="read")))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and [g["stage"] for g in body["groups"]] == ["city_review"]
    group = body["groups"][0]
    assert group["label"] == "初审评估" and group["count"] == 1
    assert group["kinds"] == [{"kind": "退回补正／初审通过", "count": 1}]
    item = group["items"][0]
    assert item["url"] == reverse("applications:detail", args=[case.pk])
    assert item["actions"] == ["return_for_correction", "verify"]
    assert (item["workflow"], item["id"]) == ("case", case.pk)
    assert item["deadline"] == case.round.city_assessment_deadline.isoformat()
    assert case.institution.name in item["title"]

    other = client.get("/api/todo", **bearer(token_for(sz_staff, scope="read"))).json()
    assert other == {"count": 0, "groups": []}  # another city's case


def test_the_applicant_gets_the_same_list_as_its_home_page(client):
    draft = build_application()
    applicant = applicant_of(draft)
    client.force_login(applicant)
    body = client.get("/api/todo").json()
    listed = [i for g in body["groups"] for i in g["items"]]
    assert (
        [(i["id"], i["url"]) for i in listed]
        == [(i.pk, i.url) for i in todo_items(applicant)]
        == [(draft.pk, reverse("applications:detail", args=[draft.pk]))]
    )
    assert draft.state == State.DRAFT
    home = client.get("/").content.decode()
    assert reverse("applications:detail", args=[draft.pk]) in home.split('"todo-list"')[1]
