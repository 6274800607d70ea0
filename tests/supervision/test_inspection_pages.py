"""One random inspection's pages (issue 25 item 2, N-5.2): the inspector records findings with
evidence and orders rectification, the organization answers with bounded uploads, its city
closes or escalates (an escalation drafts a sanction through the sanctions app), the public
page shows the result without the inspector; suspended organizations are not drawn."""
# ruff: noqa: F811  (the fixtures imported from test_inspections are used by name)

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evalorg.core.files import store_upload
from evalorg.core.models import AuditEvent
from evalorg.core.workflow import perform
from evalorg.sanctions.models import Sanction
from evalorg.supervision.inspections import create_draw
from evalorg.supervision.models import Inspection, InspectionFinding, RectificationEvidence
from tests.applications.conftest import PDF_BYTES, SH, applicant_of
from tests.factories import CityStaffFactory, city_agency

from .conftest import TODAY
from .test_inspection_records import inspection  # noqa: F401
from .test_inspections import (  # noqa: F401
    GUANGZHOU,
    SHENZHEN,
    center,
    draw,
    inspectors,
    organizations,
)

pytestmark = pytest.mark.django_db
S = Inspection.Status
DEADLINE = "2024-04-30"


def pdf(name="证据.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def url(inspection, name="supervision:inspection", *more):
    return reverse(name, args=[inspection.pk, *more])


def owner_of(inspection):
    return applicant_of(inspection.institution.applications.order_by("pk").first())


def post(client, user, path, data):
    client.force_login(user)
    with time_machine.travel(TODAY, tick=False):
        return client.post(path, data)


def ordered(client, inspection):
    finding = {"category": "examiners", "description": "考评人员未持证上岗", "evidence": pdf()}
    post(client, inspection.inspector, url(inspection, "supervision:inspection_finding"), finding)
    action = url(inspection, "supervision:inspection_action", "order_rectification")
    post(client, inspection.inspector, action, {"rectify_by": DEADLINE})
    return Inspection.objects.get(pk=inspection.pk)


def answered(client, inspection):
    done = ordered(client, inspection)
    action = url(inspection, "supervision:inspection_action", "answer_rectification")
    post(client, owner_of(inspection), action, {"answer": "已更换持证考评人员", "files": [pdf()]})
    return Inspection.objects.get(pk=done.pk)


def test_findings_with_evidence_then_a_rectification_order(client, inspection):
    done = ordered(client, inspection)
    assert (done.status, done.rectify_by) == (S.RECTIFYING, date(2024, 4, 30))
    finding = InspectionFinding.objects.get(inspection=done)
    assert finding.category == "examiners" and finding.evidence.kind == "pdf"
    assert "考评人员配备与资格" in done.findings and "考评人员未持证上岗" in done.findings
    assert AuditEvent.objects.filter(action="inspection_finding_recorded").exists()


def test_a_recorded_finding_forbids_no_findings(client, inspection):
    finding = {"category": "other", "description": "问题"}
    post(client, inspection.inspector, url(inspection, "supervision:inspection_finding"), finding)
    action = url(inspection, "supervision:inspection_action", "record_no_findings")
    post(client, inspection.inspector, action, {"confirm": "yes"})
    assert Inspection.objects.get(pk=inspection.pk).status == S.ASSIGNED


def test_a_bad_evidence_file_is_refused_and_nothing_kept(client, inspection):
    fake = SimpleUploadedFile("证据.pdf", b"MZ not a pdf at all", content_type="application/pdf")
    finding = {"category": "other", "description": "问题", "evidence": fake}
    post(client, inspection.inspector, url(inspection, "supervision:inspection_finding"), finding)
    assert not InspectionFinding.objects.exists()


def test_the_organization_answers_with_files_only_its_own(client, inspection, organizations):
    other = next(o for o in organizations if o.pk != inspection.institution_id)
    stranger = applicant_of(other.applications.order_by("pk").first())
    done = ordered(client, inspection)
    action = url(done, "supervision:inspection_action", "answer_rectification")
    client.force_login(stranger)
    assert client.get(url(done)).status_code == 404
    response = post(client, stranger, action, {"answer": "冒名", "files": [pdf()]})
    assert response.status_code == 404
    bad = SimpleUploadedFile("整改.exe", b"MZ\x90\x00", content_type="application/pdf")
    post(client, owner_of(done), action, {"answer": "已整改", "files": [bad]})
    assert Inspection.objects.get(pk=done.pk).status == S.RECTIFYING
    assert not RectificationEvidence.objects.exists()
    client.force_login(owner_of(done))
    page = client.get(url(done)).content.decode()
    assert 'data-testid="answer-form"' in page and done.inspector.full_name not in page
    post(client, owner_of(done), action, {"answer": "已整改", "files": [pdf("整改.pdf")]})
    assert Inspection.objects.get(pk=done.pk).status == S.ANSWERED
    stored = RectificationEvidence.objects.get(inspection=done).file
    client.force_login(stranger)
    assert client.get(url(done, "supervision:inspection_file", stored.pk)).status_code == 404
    client.force_login(owner_of(done))
    assert client.get(url(done, "supervision:inspection_file", stored.pk)).status_code == 200
    elsewhere = store_upload(pdf("别处.pdf"), allowed_kinds=["pdf"], max_bytes=10**7, user=None)
    assert client.get(url(done, "supervision:inspection_file", elsewhere.pk)).status_code == 404


def test_the_city_closes_and_the_public_page_shows_the_result(client, inspection):
    done = answered(client, inspection)
    city = CityStaffFactory(agency=city_agency(GUANGZHOU))
    action = url(done, "supervision:inspection_action", "close_inspection")
    post(client, city, action, {"confirm": "yes"})
    closed = Inspection.objects.get(pk=done.pk)
    assert (closed.status, closed.concluded_on) == (S.CLOSED, date(2024, 3, 1))
    client.logout()
    page = client.get(reverse("inspections_public:list")).content.decode()
    assert "发现问题，已按期整改（2024-03-01）" in page
    assert closed.inspector.full_name not in page


def test_an_escalation_drafts_a_sanction_through_the_sanctions_app(client, inspection):
    done = answered(client, inspection)
    city = CityStaffFactory(agency=city_agency(GUANGZHOU))
    action = url(done, "supervision:inspection_action", "escalate_inspection")
    data = {"reason": "整改材料不实", "kind": "suspension", "confirm": "yes"}
    post(client, city, action, data)  # a suspension without its period: refused
    assert Inspection.objects.get(pk=done.pk).status == S.ANSWERED
    assert not Sanction.objects.exists()
    data |= {"starts_on": "2024-03-05", "ends_on": "2024-06-05"}
    post(client, city, action, data)
    escalated = Inspection.objects.get(pk=done.pk)
    sanction = Sanction.objects.get()
    assert escalated.status == S.ESCALATED
    assert (sanction.status, sanction.kind, sanction.inspection_id) == (
        "draft",
        "suspension",
        done.pk,
    )
    assert "整改材料不实" in sanction.facts and "考评人员未持证上岗" in sanction.evidence
    event = AuditEvent.objects.filter(action="escalate_inspection").get()
    assert event.data["sanction"] == sanction.pk
    client.force_login(city)
    assert reverse("sanctions:detail", args=[sanction.pk]) in client.get(url(done)).content.decode()
    sanction_page = client.get(reverse("sanctions:detail", args=[sanction.pk])).content.decode()
    assert url(done) in sanction_page


def test_another_city_and_an_unassigned_expert_are_refused(client, inspection, inspectors):
    other_city = CityStaffFactory(agency=city_agency(SHENZHEN))
    other_expert = next(e for e in inspectors if e.pk != inspection.inspector_id)
    for user in (other_city, other_expert):
        client.force_login(user)
        assert client.get(url(inspection)).status_code == 404
    finding = {"category": "other", "description": "越权"}
    response = post(
        client, other_expert, url(inspection, "supervision:inspection_finding"), finding
    )
    assert response.status_code == 404 and not InspectionFinding.objects.exists()


def test_suspended_and_revoked_organizations_are_not_drawn(center, organizations, inspectors):
    suspended, revoked = organizations[0], organizations[2]
    for institution, kind in ((suspended, "suspension"), (revoked, "revocation")):
        Sanction.objects.create(
            institution=institution,
            kind=kind,
            agency=city_agency(institution.city_id),
            status="effective",
            facts="事实",
            clause="N-5.2",
            evidence="证据",
            starts_on=date(2024, 1, 1),
            ends_on=date(2024, 12, 31),
            effective_on=date(2024, 1, 1),
            created_by=center,
            created_at=TODAY,
        )
    with time_machine.travel(TODAY, tick=False):
        d = create_draw(center, 2024, 100, seed=3)
    assert d.candidates == sorted(o.pk for o in organizations if o not in (suspended, revoked))


def _public_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("inspections_public:list")).status_code == 200
    return len(queries)


def test_the_public_page_keeps_its_queries_as_draws_and_results_grow(
    client, center, organizations, inspectors
):
    first = draw(center, share=50, seed=1)
    with time_machine.travel(TODAY, tick=False):
        perform(first, "publish_draw", center)
    before = _public_queries(client)
    for seed in (2, 3):
        more = draw(center, share=100, seed=seed)
        with time_machine.travel(TODAY, tick=False):
            perform(more, "publish_draw", center)
            for i in more.inspections.all():
                perform(i, "record_no_findings", i.inspector)
    assert _public_queries(client) == before


def test_the_city_is_asked_to_act_once_answered_or_overdue(client, inspection):
    from evalorg.core.todo import todo_items

    city = CityStaffFactory(agency=city_agency(GUANGZHOU))

    def city_items(when):
        with time_machine.travel(when, tick=False):
            return [i.actions for i in todo_items(city) if i.workflow == "inspection"]

    done = ordered(client, inspection)
    assert city_items(TODAY) == []  # the deadline has not come
    assert city_items(datetime(2024, 5, 2, 10, tzinfo=SH)) == [("escalate_inspection",)]
    owner = owner_of(done)
    assert [i.deadline for i in todo_items(owner) if i.workflow == "inspection"] == [
        date(2024, 4, 30)
    ]
    answered_now = answered_again(client, done)
    assert answered_now.status == S.ANSWERED
    assert city_items(TODAY) == [("close_inspection", "escalate_inspection")]


def answered_again(client, inspection):
    action = url(inspection, "supervision:inspection_action", "answer_rectification")
    post(client, owner_of(inspection), action, {"answer": "已整改"})
    return Inspection.objects.get(pk=inspection.pk)


def test_a_provincial_organizations_inspection_is_escalated_by_the_center_not_its_city(
    client, inspection, center
):
    """The agency that closes or escalates is the one that drafts the sanction: for an
    organization filed with the center, the center (before, its city was offered the button
    and then refused by the sanctions app)."""
    from evalorg.accounts.models import Agency
    from evalorg.applications.models import Application

    Application.objects.filter(institution=inspection.institution).update(
        receiving_agency=Agency.objects.get(kind=Agency.Kind.PROVINCE)
    )
    done = answered(client, inspection)
    city = CityStaffFactory(agency=city_agency(GUANGZHOU))
    action = url(done, "supervision:inspection_action", "escalate_inspection")
    data = {"reason": "整改材料不实", "kind": "warning", "confirm": "yes"}
    post(client, city, action, data)
    assert Inspection.objects.get(pk=done.pk).status == S.ANSWERED
    client.force_login(city)
    assert "escalate_inspection" not in client.get(url(done)).content.decode()
    post(client, center, action, data)
    sanction = Sanction.objects.get()
    assert Inspection.objects.get(pk=done.pk).status == S.ESCALATED
    assert (sanction.agency.kind, sanction.inspection_id) == ("province", done.pk)
