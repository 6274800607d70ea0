"""The inbox's paging and filter choices read indexes, not every case (issue 12), and show
exactly what the plain queries showed: same pages, same order, same choices."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

from evalorg.accounts.models import Agency, Role
from evalorg.applications.models import Application, State
from evalorg.catalog.models import Division
from evalorg.review.inbox import PAGE_SIZE, SORT_CHOICES
from evalorg.review.models import ReviewStage, Stage
from evalorg.review.views_inbox import filtered_inbox
from tests.applications.conftest import SH
from tests.factories import CityStaffFactory, UserFactory, city_agency

from .test_inbox import listed, make_row

pytestmark = pytest.mark.django_db
START = datetime(2023, 5, 10, 9, 0, tzinfo=SH)
STATES = (State.SUBMITTED, State.VERIFIED, State.RETURNED_FOR_CORRECTION, State.CITY_ASSESSED)
COUNTIES = ("440104", "440106", "440111")


@pytest.fixture
def center() -> Agency:
    return Agency.objects.get(kind=Agency.Kind.PROVINCE)


@pytest.fixture
def many_rows(center) -> None:
    """A Guangzhou inbox over three pages with equal submission times (the pk breaks ties),
    a fifth of it sent to the province, and cases the center received directly."""
    for n in range(2 * PAGE_SIZE + 7):
        case = make_row(
            name=f"机构{(n * 37) % 60:02d}",
            county_id=COUNTIES[n % 3],
            state=STATES[n % 4],
            submitted_at=START + timedelta(hours=n // 3),
        )
        if n % 5 == 0:
            ReviewStage.objects.create(
                application=case, stage=Stage.PROVINCE_SELECTION, agency=center, opened_at=START
            )
    for _n in range(4):
        make_row(agency=center, county_id="440305", city_id="440300", submitted_at=START)
    make_row(state=State.DRAFT, county_id="440112")  # never listed, its county never offered


def users(center) -> dict[str, object]:
    return {
        "city": CityStaffFactory(),
        "province": UserFactory(role=Role.PROVINCE_STAFF, agency=center),
    }


@pytest.mark.parametrize("role", ["city", "province"])
@pytest.mark.parametrize("sort", [value for value, _label in SORT_CHOICES])
def test_pages_are_those_of_the_plain_paginator(client, many_rows, center, role, sort):
    user = users(center)[role]
    client.force_login(user)
    request = RequestFactory().get("/", {"sort": sort})
    request.user = user
    _form, applications = filtered_inbox(request)
    plain = Paginator(applications, PAGE_SIZE)
    for number in plain.page_range:
        response = client.get(reverse("review_inbox:inbox"), {"sort": sort, "page": number})
        assert response.context["page"].paginator.count == plain.count
        assert listed(response) == [a.pk for a in plain.page(number).object_list]


def test_province_rows_keep_the_city_results_and_the_filters(client, many_rows, center):
    sent = Application.objects.filter(review_stages__stage=Stage.PROVINCE_SELECTION).first()
    ReviewStage.objects.create(
        application=sent,
        stage=Stage.CITY_ASSESSMENT,
        agency=city_agency(),
        opened_at=START - timedelta(days=1),
        recommended=True,
        rank=1,
        total=91,
    )
    client.force_login(users(center)["province"])
    response = client.get(reverse("review_inbox:inbox"), {"max_city_rank": 1})
    assert listed(response) == [sent.pk]
    row = response.context["page"].object_list[0]
    assert (row.city_rank, row.city_total, row.city_recommended) == (1, 91, True)


@pytest.mark.parametrize("role", ["city", "province"])
def test_county_and_agency_choices_are_those_of_the_cases(client, many_rows, center, role):
    user = users(center)[role]
    client.force_login(user)
    form = client.get(reverse("review_inbox:inbox")).context["form"]
    scoped = Application.objects.for_user(user)
    counties = Division.objects.filter(pk__in=scoped.values("institution__county_id"))
    expected = [("", "全部区县")] + [(d.code, d.name) for d in counties.order_by("code")]
    assert [(code, str(name)) for code, name in form.fields["county"].choices] == expected
    assert "440112" not in dict(form.fields["county"].choices)  # a draft's county
    if role == "province":
        agencies = Agency.objects.filter(pk__in=scoped.values("receiving_agency_id"))
        assert [pk for pk, _name in form.fields["agency"].choices] == [""] + [
            a.pk for a in agencies
        ]
        assert len(agencies) == 2


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's EXPLAIN QUERY PLAN")
def test_the_first_page_is_read_from_the_agency_index(many_rows):
    request = RequestFactory().get("/")
    request.user = CityStaffFactory()
    _form, applications = filtered_inbox(request)
    sql, params = applications.values("pk")[:PAGE_SIZE].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = " / ".join(row[3] for row in cursor.fetchall())
    assert "app_agency_submitted_idx" in plan and "TEMP B-TREE" not in plan, plan
