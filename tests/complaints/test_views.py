"""The local agency's complaint pages (N-5.2): the list with filters at a constant number of
queries, one complaint page with the buttons ``available_actions`` gives, the evidence read
audited, the to-do list; another city, the organization and experts see none."""

from __future__ import annotations

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evalorg.core.models import AuditEvent
from evalorg.core.todo import todo_items
from tests.applications.conftest import PDF_BYTES
from tests.factories import UserFactory

from .conftest import NAME, OUTCOME, TODAY, S, complain

pytestmark = pytest.mark.django_db


def todo(user) -> dict[int, str]:
    return {i.pk: i.kind for i in todo_items(user) if i.workflow == "complaint"}


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_investigate_and_uphold_through_the_pages(client, complaint, city):
    client.force_login(city)
    assert todo(city) == {complaint.pk: "开始调查核实"}
    page = client.get(f"/complaints/{complaint.pk}/").content.decode()
    assert NAME in page and 'data-action="investigate_complaint"' in page
    with time_machine.travel(TODAY, tick=False):
        client.force_login(city)
        client.post(f"/complaints/{complaint.pk}/investigate_complaint/", {"confirm": "yes"})
        assert todo(city) == {complaint.pk: "投诉成立／投诉不成立"}
        short = client.post(
            f"/complaints/{complaint.pk}/uphold_complaint/", {"confirm": "yes", "reason": "成立"}
        )
        assert short.status_code == 302
        complaint.refresh_from_db()
        assert complaint.status == S.INVESTIGATING  # refused: no reasons given
        client.post(
            f"/complaints/{complaint.pk}/uphold_complaint/", {"confirm": "yes", "reason": OUTCOME}
        )
    complaint.refresh_from_db()
    assert complaint.status == S.UPHELD and todo(city) == {}
    client.force_login(city)  # the session signed in at TODAY has expired by now
    page = client.get(f"/complaints/{complaint.pk}/").content.decode()
    assert OUTCOME in page and "data-action=" not in page


def test_the_list_costs_the_same_for_1_and_20_complaints_and_filters(
    client, city, organization, complaint
):
    client.force_login(city)
    one = _queries(client, "/complaints/")
    for _ in range(19):
        complain(organization)
    assert _queries(client, "/complaints/") == one
    rows = lambda q: client.get("/complaints/" + q).context["page"].paginator.count  # noqa: E731
    assert rows("") == 20 and rows("?status=received") == 20 and rows("?status=upheld") == 0
    assert rows("?city=440300") == 0 and rows(f"?city={organization.city_id}") == 20
    assert rows("?q=不存在的机构") == 0 and rows(f"?q={organization.name[:4]}") == 20


def test_the_to_do_list_costs_the_same_for_1_and_20_complaints(city, organization, complaint):
    with CaptureQueriesContext(connection) as one:
        assert len(todo(city)) == 1
    for _ in range(19):
        complain(organization)
    with CaptureQueriesContext(connection) as twenty:
        assert len(todo(city)) == 20
    assert len(twenty) == len(one)


def test_another_city_the_center_and_the_organization_see_none(
    client, complaint, other_city, center, owner, department
):
    for user in (other_city, center):
        client.force_login(user)
        assert client.get("/complaints/").context["page"].paginator.count == 0
        assert client.get(f"/complaints/{complaint.pk}/").status_code == 404
        assert todo(user) == {}
    client.force_login(department)  # reads every complaint, acts on none
    assert client.get(f"/complaints/{complaint.pk}/").status_code == 200
    assert todo(department) == {}
    client.force_login(owner)
    assert client.get(f"/complaints/{complaint.pk}/").status_code == 403
    assert client.get("/complaints/").status_code == 403


def test_an_expert_and_anonymous_users_are_refused(client, complaint):
    client.force_login(UserFactory(role="expert"))
    assert client.get(f"/complaints/{complaint.pk}/").status_code == 403
    client.logout()
    assert client.get(f"/complaints/{complaint.pk}/").status_code == 302


def test_the_evidence_is_for_staff_and_every_read_is_audited(client, organization, city, owner):
    with_file = complain(organization, evidence=SimpleUploadedFile("证据.pdf", PDF_BYTES))
    client.force_login(city)
    response = client.get(f"/complaints/{with_file.pk}/evidence/")
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="complaint_evidence_viewed")
    assert event.audience == "staff"
    client.force_login(owner)
    assert client.get(f"/complaints/{with_file.pk}/evidence/").status_code == 403
