"""The complaint's workflow (N-5.2): the local agency investigates and closes it upheld or
dismissed with a reasoned outcome; the complainant is told the outcome by e-mail, the
organization only of an upheld one and never who complained; every event is staff-only."""

from __future__ import annotations

import pytest
import time_machine

from evalorg.complaints.models import Complaint
from evalorg.core.models import AuditEvent
from evalorg.core.workflow import TransitionRefused, available_actions, perform
from evalorg.notify.models import Message, OutboundEmail
from tests.notify.test_transition_audience import check_told

from .conftest import EMAIL, NAME, OUTCOME, PHONE, TODAY, S, complain, investigating

pytestmark = pytest.mark.django_db


def _identity_in(text: str) -> bool:
    return NAME in text or PHONE in text or EMAIL in text


def test_upheld_the_complainant_and_the_organization_are_told_without_the_identity(
    complaint, city, owner, organization, told
):
    assert Message.objects.filter(recipient=city, subject__contains="新投诉").exists()
    investigating(complaint, city)
    with time_machine.travel(TODAY, tick=False):
        done = perform(complaint, "uphold_complaint", city, reason=OUTCOME)
    assert done.status == S.UPHELD and done.outcome == OUTCOME and done.resolved_at
    to_complainant = OutboundEmail.objects.get(to=[EMAIL])
    assert "投诉成立" in to_complainant.body and OUTCOME in to_complainant.body
    to_organization = Message.objects.get(recipient=owner)
    assert OUTCOME in to_organization.body and complaint.number in to_organization.body
    mails = OutboundEmail.objects.exclude(to=[EMAIL])
    assert mails.exists() and organization.contact_email in {a for m in mails for a in m.to}
    for text in [to_organization.subject, to_organization.body, *(m.body for m in mails)]:
        assert not _identity_in(text)
    check_told(told, [])


def test_dismissed_only_the_complainant_is_told(complaint, city, owner, told):
    investigating(complaint, city)
    with time_machine.travel(TODAY, tick=False):
        perform(complaint, "dismiss_complaint", city, reason="经核查，考评人员与考生无亲属关系。")
    assert OutboundEmail.objects.filter(to=[EMAIL], body__contains="投诉不成立").exists()
    assert not Message.objects.filter(recipient=owner).exists()
    check_told(told, [])


def test_every_event_is_staff_only_and_names_nobody(complaint, city):
    investigating(complaint, city)
    with time_machine.travel(TODAY, tick=False):
        perform(complaint, "uphold_complaint", city, reason=OUTCOME)
    events = AuditEvent.objects.filter(object_id=str(complaint.pk), action__contains="complaint")
    assert [e.action for e in events.order_by("pk")] == [
        "complaint_filed",
        "investigate_complaint",
        "uphold_complaint",
    ]
    assert {e.audience for e in events} == {"staff"}
    assert not any(_identity_in(str(e.data)) for e in events)


def test_an_outcome_without_reasons_is_refused_and_changes_nothing(complaint, city):
    investigating(complaint, city)
    with pytest.raises(TransitionRefused, match="请填写处理意见"):
        perform(complaint, "dismiss_complaint", city, reason="不成立")
    assert Complaint.objects.get(pk=complaint.pk).status == S.INVESTIGATING


def test_only_the_local_agency_acts(complaint, other_city, center, department, owner, city):
    for user in (other_city, center, department, owner):
        assert available_actions(complaint, user) == []
        with pytest.raises(TransitionRefused):
            perform(complaint, "investigate_complaint", user)
    assert [a.action for a in available_actions(complaint, city)] == ["investigate_complaint"]
    assert Complaint.objects.get(pk=complaint.pk).status == S.RECEIVED


def test_a_closed_complaint_cannot_be_reopened(complaint, city):
    investigating(complaint, city)
    with time_machine.travel(TODAY, tick=False):
        perform(complaint, "dismiss_complaint", city, reason="经核查，投诉事实不存在。")
    with pytest.raises(TransitionRefused):
        perform(complaint, "uphold_complaint", city, reason=OUTCOME)


def test_a_provincial_organizations_complaints_go_to_the_center(center):
    from tests.factories import InstitutionFactory
    from tests.filing.conftest import registry_row

    letter = registry_row(InstitutionFactory(), number=7)
    letter.application.receiving_agency = center.agency
    letter.application.save(update_fields=["receiving_agency"])
    complaint = complain(letter.application.institution)
    assert complaint.agency_id == center.agency_id
    assert [a.action for a in available_actions(complaint, center)] == ["investigate_complaint"]
