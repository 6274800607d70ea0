"""The sanction pages (N-5.2): drafting, the center's review, the department's record of the
leadership group's decision with its minutes; the staff list with filters at a constant number
of queries; the to-do list of each side."""

from __future__ import annotations

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evalorg.core.todo import todo_items
from evalorg.core.workflow import perform
from evalorg.sanctions.models import Sanction
from tests.applications.conftest import PDF_BYTES
from tests.factories import CityStaffFactory, InstitutionFactory, city_agency

from .conftest import TODAY, K, S, draft

pytestmark = pytest.mark.django_db


def pdf(name: str = "纪要.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def todo(user) -> dict[int, str]:
    return {i.pk: i.kind for i in todo_items(user) if i.workflow == "sanction"}


def test_draft_review_approve_through_the_pages(client, city, center, department, organization):
    with time_machine.travel(TODAY, tick=False):
        client.force_login(city)
        response = client.post(
            "/sanctions/new/",
            {
                "institution": organization.pk,
                "kind": K.SUSPENSION,
                "starts_on": "2024-03-01",
                "ends_on": "2024-05-31",
                "facts": "未按规定组织认定",
                "clause": "N-5.2",
                "evidence": "检查记录",
                "evidence_file": pdf("证据.pdf"),
            },
        )
        sanction = Sanction.objects.get()
        assert response.status_code == 302 and sanction.evidence_file_id
        page = client.get(f"/sanctions/{sanction.pk}/").content.decode()
        assert 'data-action="submit_sanction"' in page and "issue_warning" not in page
        assert todo(city) == {sanction.pk: "报省中心审核"}
        client.post(f"/sanctions/{sanction.pk}/submit_sanction/", {"confirm": "yes"})
        assert todo(center) == {sanction.pk: "审核同意，报领导小组审定／退回修改"}
        client.force_login(center)
        client.post(f"/sanctions/{sanction.pk}/review_sanction/", {"confirm": "yes"})
        assert todo(department) == {sanction.pk: "记录领导小组审定／退回修改"}
        client.force_login(department)
        page = client.get(f"/sanctions/{sanction.pk}/").content.decode()
        assert 'data-testid="approve-form"' in page
        refused = client.post(f"/sanctions/{sanction.pk}/approve/", {"confirm": "yes"})
        assert refused.status_code == 400
        assert Sanction.objects.get().status == S.AWAITING_APPROVAL
        client.post(
            f"/sanctions/{sanction.pk}/approve/",
            {
                "decided_on": "2024-02-28",
                "meeting_ref": "领导小组2024年第2次会议",
                "minutes": pdf(),
                "confirm": "yes",
            },
        )
        assert client.get(f"/sanctions/{sanction.pk}/files/minutes/").status_code == 200
    sanction.refresh_from_db()
    assert sanction.status == S.EFFECTIVE and sanction.minutes_id
    assert todo(department) == {}


def test_a_bad_draft_shows_the_reason_and_stores_nothing(client, city, organization):
    client.force_login(city)
    with time_machine.travel(TODAY, tick=False):
        response = client.post(
            "/sanctions/new/",
            {
                "institution": organization.pk,
                "kind": K.SUSPENSION,
                "facts": "事实",
                "clause": "N-5.2",
                "evidence": "证据",
            },
        )
    assert (
        response.status_code == 400 and "暂停须填写开始日期和结束日期" in response.content.decode()
    )
    assert not Sanction.objects.exists()


def test_the_organization_reads_effective_sanctions_only(client, city, organization, owner):
    warning = draft(city, organization, K.WARNING)
    client.force_login(owner)
    assert client.get(f"/sanctions/{warning.pk}/").status_code == 404
    with time_machine.travel(TODAY, tick=False):
        perform(warning, "issue_warning", city)
    page = client.get(f"/sanctions/{warning.pk}/").content.decode()
    assert "警告" in page and "检查记录" not in page  # the evidence is the staff's


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_list_costs_the_same_for_1_and_20_sanctions_and_filters(
    client, city, center, organization
):
    draft(city, organization, K.WARNING)
    client.force_login(center)
    one = _queries(client, "/sanctions/")
    for n in range(19):
        draft(city, organization, K.REVOCATION if n % 2 else K.SUSPENSION)
    assert _queries(client, "/sanctions/") == one
    page = client.get("/sanctions/?kind=warning").content.decode()
    assert page.count("/sanctions/") - page.count('href="/sanctions/new/"') >= 1
    rows = lambda q: client.get("/sanctions/" + q).context["page"].paginator.count  # noqa: E731
    assert rows("") == 20 and rows("?kind=warning") == 1 and rows("?status=effective") == 0
    assert rows("?city=440300") == 0 and rows(f"?city={organization.city_id}") == 20
    assert rows("?q=不存在的机构") == 0


def test_the_public_notice_costs_the_same_for_1_and_10(
    client, city, center, department, organization
):
    from .conftest import take_effect

    take_effect(city, center, department, organization)
    one = _queries(client, "/public/sanctions/")
    for _n in range(9):
        other = InstitutionFactory()
        Sanction.objects.create(
            institution=other,
            kind=K.REVOCATION,
            agency=city.agency,
            status=S.EFFECTIVE,
            facts="f",
            clause="N-5.2",
            evidence="e",
            effective_on=TODAY.date(),
            created_by=city,
            created_at=TODAY,
        )
    assert _queries(client, "/public/sanctions/") == one


def test_another_citys_staff_sees_none_of_them(client, city, organization):
    made = draft(city, organization)
    shenzhen = CityStaffFactory(agency=city_agency("440300"))
    client.force_login(shenzhen)
    assert client.get(f"/sanctions/{made.pk}/").status_code == 404
    assert client.get("/sanctions/").context["page"].paginator.count == 0
    assert todo(shenzhen) == {}
    with time_machine.travel(TODAY, tick=False):
        response = client.post(
            "/sanctions/new/",
            {"institution": organization.pk, "kind": K.WARNING, "facts": "f", "clause": "N-5.2"},
        )
    assert response.status_code == 400  # not a choice: not its organization


def test_a_draft_is_work_for_its_city_only_not_for_the_center(city, center, organization):
    made = draft(city, organization)
    assert todo(city) == {made.pk: "报省中心审核"}
    assert todo(center) == {}
