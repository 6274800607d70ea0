"""Nobody but its applicant sees a draft (SPEC §1 "Every list and detail view shows only what
the role may see"; §5 Application: a draft is saved, then submitted; the case scopes of
``applications.access``: staff and the department see submitted cases only).

One draft is built as close to visible as a draft can be: received by the provincial center
already (so only the draft exclusion, not the agency filter, keeps it from province staff),
in 韶关, a city no other case is in (so a report counting it would name the city). Beside it one
submitted case of 广州 received by the center is the positive control: each page or answer
that must not show the draft is shown to show that case. Every list, the API, the reports and
the case pages are asked, for the department and for province staff.
"""

from __future__ import annotations

import io
from datetime import datetime

import pytest
import time_machine
from django.urls import NoReverseMatch, reverse
from openpyxl import load_workbook

from evalorg.accounts.models import Agency, Role
from evalorg.applications import workflow
from evalorg.applications.models import Application, State
from tests.access.matrix import named_routes
from tests.api.conftest import bearer, token_for
from tests.applications.conftest import SH, applicant_of, build_application
from tests.factories import InstitutionFactory, UserFactory

pytestmark = pytest.mark.django_db

DRAFT_NAME = "韶关草稿评价机构有限公司"
DRAFT_CITY = "韶关"
SUBMITTED_NAME = "广州已提交评价机构有限公司"


@pytest.fixture
def center() -> Agency:
    return Agency.objects.get(kind=Agency.Kind.PROVINCE)


@pytest.fixture
def draft(center) -> Application:
    institution = InstitutionFactory(
        name=DRAFT_NAME, level="provincial", city_id="440200", county_id="440203"
    )
    application = build_application(institution)
    Application.objects.filter(pk=application.pk).update(receiving_agency=center)
    application.refresh_from_db()
    assert application.state == State.DRAFT and application.receiving_agency == center
    return application


@pytest.fixture
def submitted(center) -> Application:
    application = build_application(InstitutionFactory(name=SUBMITTED_NAME, level="provincial"))
    application.route = "province"
    application.save()
    with time_machine.travel(datetime(2023, 5, 10, tzinfo=SH), tick=False):
        application = workflow.perform(application, "submit", applicant_of(application))
    assert application.state == State.SUBMITTED and application.receiving_agency == center
    return application


@pytest.fixture(params=[Role.DEPARTMENT, Role.PROVINCE_STAFF])
def viewer(request, center):
    """The department (省人社厅) or a member of the provincial center's staff."""
    if request.param == Role.DEPARTMENT:
        return UserFactory(role=Role.DEPARTMENT, agency=Agency.objects.get(kind="department"))
    return UserFactory(role=Role.PROVINCE_STAFF, agency=center)


def text_of(response) -> str:
    """The page's HTML, or every cell of an exported workbook."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        book = load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    return body.decode()


def get_pages(client) -> dict[str, tuple[int, str]]:
    """Every named page that takes no argument (the lists, dashboards, exports, reports),
    fetched: {name: (status, text)}."""
    pages = {}
    for name in sorted(named_routes()):
        if name in SKIPPED:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue  # a page of one object: asked below
        response = client.get(url, follow=True)
        pages[name] = (
            response.status_code,
            text_of(response) if response.status_code == 200 else "",
        )
    return pages


SKIPPED = {"logout", "accounts:logout"}


def test_no_list_export_or_dashboard_shows_a_draft(client, viewer, draft, submitted):
    client.force_login(viewer)
    pages = get_pages(client)
    showing = {name for name, (_status, text) in pages.items() if DRAFT_NAME in text}
    assert showing == set()
    # positive control: the submitted case is on the lists this role works from
    control = {name for name, (_status, text) in pages.items() if SUBMITTED_NAME in text}
    expected = {"applications:list"}
    if viewer.role == Role.PROVINCE_STAFF:
        expected |= {"home", "review_inbox:inbox", "review_inbox:export"}
    assert expected <= control


def test_reports_do_not_count_a_draft(client, viewer, draft, submitted):
    """The figures name each city with a case: 广州 (the submitted one), never 韶关 (the
    draft's city, where no submitted case is)."""
    client.force_login(viewer)
    for name in ("reports:index", "reports:xlsx"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        text = text_of(response)
        assert "广州" in text and DRAFT_CITY not in text, name


def test_case_pages_refuse_a_draft(client, viewer, draft, submitted):
    client.force_login(viewer)
    for name in ["applications:detail", "applications:pdf"]:
        assert client.get(reverse(name, args=[submitted.pk])).status_code == 200, name
        assert client.get(reverse(name, args=[draft.pk])).status_code == 404, name
    # The former staff case URL redirects to the case page, and reveals no draft either.
    old = "review_inbox:case"
    assert client.get(reverse(old, args=[submitted.pk])).status_code == 301
    assert client.get(reverse(old, args=[draft.pk])).status_code == 404


def test_the_api_neither_lists_nor_returns_a_draft(client, viewer, draft, submitted):
    headers = bearer(token_for(viewer, scope="read"))
    listed = client.get("/api/cases", **headers).json()
    assert [case["id"] for case in listed["items"]] == [submitted.pk]
    assert client.get("/api/cases?state=draft", **headers).json()["count"] == 0
    assert client.get(f"/api/cases/{submitted.pk}", **headers).status_code == 200
    assert client.get(f"/api/cases/{draft.pk}", **headers).status_code == 404
