"""The intake workflow: submit, return for correction, resubmit, withdraw (SPEC §5, N-4.1)."""

from datetime import UTC, datetime

import pytest
import time_machine

from evalorg.applications import workflow
from evalorg.applications.models import Route, State
from evalorg.core import audit
from evalorg.core.models import AuditEvent
from evalorg.notify.models import Message, OutboundEmail
from tests.factories import CityStaffFactory, InstitutionFactory, city_agency, make_uscc

from .conftest import SH, applicant_of, build_application

pytestmark = pytest.mark.django_db


def _submit(application, when):
    with time_machine.travel(when, tick=False):
        return workflow.perform(application, "submit", applicant_of(application))


def test_submit_on_deadline_day_last_second_is_accepted(application):
    done = _submit(application, datetime(2023, 5, 19, 23, 59, 59, tzinfo=SH))
    assert done.state == State.SUBMITTED
    assert done.receiving_agency == city_agency("440100")
    assert done.acknowledgement_no == "2023-4401-0001"
    event = AuditEvent.objects.for_object(done).get(action="submit")
    assert (event.from_state, event.to_state) == ("draft", "submitted")
    assert audit.verify_chain().ok


def test_submit_after_deadline_is_refused_citing_n_4_1_1_and_changes_nothing(application):
    with pytest.raises(workflow.TransitionRefused) as refused:
        _submit(application, datetime(2023, 5, 20, 0, 0, 0, tzinfo=SH))
    assert [r.clause for r in refused.value.refusals] == ["N-4.1.1"]
    application.refresh_from_db()
    assert application.state == State.DRAFT and application.acknowledgement_no is None
    assert not AuditEvent.objects.filter(action="submit").exists()


def test_deadline_in_utc_is_the_same_instant(application):
    with pytest.raises(workflow.TransitionRefused):
        _submit(application, datetime(2023, 5, 19, 16, 0, 0, tzinfo=UTC))


def test_submission_queues_email_and_tells_the_agency(application):
    CityStaffFactory()  # a Guangzhou staff member to be told
    done = _submit(application, datetime(2023, 5, 10, 9, 0, tzinfo=SH))
    email = OutboundEmail.objects.get()
    assert done.acknowledgement_no in email.subject
    assert application.institution.contact_email in email.to
    assert Message.objects.filter(recipient__agency=done.receiving_agency).exists()


def test_acknowledgement_numbers_count_per_agency(in_period):
    first = _submit(build_application(), datetime(2023, 5, 10, tzinfo=SH))
    second = _submit(build_application(), datetime(2023, 5, 10, tzinfo=SH))
    assert (first.acknowledgement_no, second.acknowledgement_no) == (
        "2023-4401-0001",
        "2023-4401-0002",
    )


def test_failing_rule_blocks_submission_with_its_clause():
    application = build_application(occupations=(("4-07-05-01", [5]),))  # 保安员, access-type
    with pytest.raises(workflow.TransitionRefused) as refused:
        _submit(application, datetime(2023, 5, 10, tzinfo=SH))
    assert "N-3.1" in [r.clause for r in refused.value.refusals]


def test_missing_material_blocks_submission():
    application = build_application(with_materials=False)
    with pytest.raises(workflow.TransitionRefused) as refused:
        _submit(application, datetime(2023, 5, 10, tzinfo=SH))
    assert any("附件1" in r.message for r in refused.value.refusals)


def test_needs_review_lets_submission_through_flagged():
    # Registered in Shenzhen (440300) but declares Guangzhou: city mismatch → needs_review.
    institution = InstitutionFactory(uscc=make_uscc(division="440300", serial=777))
    done = _submit(build_application(institution), datetime(2023, 5, 10, tzinfo=SH))
    assert done.state == State.SUBMITTED and done.needs_review
    assert any(r["outcome"] == "needs_review" for r in done.eligibility)


def test_unconfirmed_commitment_blocks_submission():
    application = build_application(confirmed=False)
    with pytest.raises(workflow.TransitionRefused):
        _submit(application, datetime(2023, 5, 10, tzinfo=SH))


def test_return_resubmit_cycle_until_city_deadline(application):
    submitted = _submit(application, datetime(2023, 5, 10, tzinfo=SH))
    staff = CityStaffFactory()
    with time_machine.travel(datetime(2023, 5, 21, tzinfo=SH), tick=False):
        returned = workflow.perform(
            submitted, "return_for_correction", staff, reason="营业执照扫描件不清晰"
        )
    assert returned.state == State.RETURNED_FOR_CORRECTION
    assert "营业执照扫描件不清晰" in OutboundEmail.objects.last().body
    # After the application deadline but before the city deadline: resubmission allowed.
    with time_machine.travel(datetime(2023, 5, 25, 23, 59, tzinfo=SH), tick=False):
        again = workflow.perform(returned, "resubmit", applicant_of(returned))
    assert again.state == State.SUBMITTED
    assert again.acknowledgement_no == submitted.acknowledgement_no  # number kept


def test_resubmit_after_city_deadline_is_refused(application):
    submitted = _submit(application, datetime(2023, 5, 10, tzinfo=SH))
    returned = workflow.perform(
        submitted, "return_for_correction", CityStaffFactory(), reason="补充材料"
    )
    with (
        time_machine.travel(datetime(2023, 5, 26, 0, 0, tzinfo=SH), tick=False),
        pytest.raises(workflow.TransitionRefused) as refused,
    ):
        workflow.perform(returned, "resubmit", applicant_of(returned))
    assert refused.value.refusals[0].clause == "N-4.1.2"


def test_return_needs_a_reason(application):
    submitted = _submit(application, datetime(2023, 5, 10, tzinfo=SH))
    with pytest.raises(workflow.TransitionRefused):
        workflow.perform(submitted, "return_for_correction", CityStaffFactory(), reason=" ")


def test_other_city_staff_cannot_return(application):
    submitted = _submit(application, datetime(2023, 5, 10, tzinfo=SH))
    shenzhen = CityStaffFactory(agency=city_agency("440300"))
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.perform(submitted, "return_for_correction", shenzhen, reason="x")
    assert refused.value.refusals[0].clause == "SPEC-1"


def test_applicant_cannot_return_own_application(application):
    submitted = _submit(application, datetime(2023, 5, 10, tzinfo=SH))
    with pytest.raises(workflow.TransitionRefused):
        workflow.perform(submitted, "return_for_correction", applicant_of(submitted), reason="x")


def test_withdraw_by_applicant_is_audited(application):
    submitted = _submit(application, datetime(2023, 5, 10, tzinfo=SH))
    done = workflow.perform(submitted, "withdraw", applicant_of(submitted), reason="暂不申请")
    assert done.state == State.WITHDRAWN
    event = AuditEvent.objects.for_object(done).get(action="withdraw")
    assert event.data == {"reason": "暂不申请"}


def test_wrong_state_is_refused_with_state_name(application):
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.perform(application, "resubmit", applicant_of(application))
    assert "草稿" in refused.value.refusals[0].message


def test_available_actions_follow_role_and_state(application):
    owner = applicant_of(application)
    assert {t.action for t in workflow.available_actions(application, owner)} == {
        "submit",
        "withdraw",
    }
    submitted = _submit(application, datetime(2023, 5, 10, tzinfo=SH))
    assert {t.action for t in workflow.available_actions(submitted, CityStaffFactory())} == {
        "return_for_correction",
        "verify",
    }


def test_provincial_institution_must_choose_route():
    institution = InstitutionFactory(level="provincial")
    application = build_application(institution)
    with pytest.raises(workflow.TransitionRefused) as refused:
        _submit(application, datetime(2023, 5, 10, tzinfo=SH))
    assert "N-4.1.2" in [r.clause for r in refused.value.refusals]
    application.route = Route.PROVINCE
    application.save()
    done = _submit(application, datetime(2023, 5, 10, tzinfo=SH))
    assert done.receiving_agency.kind == "province"
    assert done.acknowledgement_no.startswith("2023-4400-")


@pytest.mark.parametrize("field", ["legal_rep_id_number", "contact_phone"])
def test_submission_rechecks_the_profile_fields_the_form_needs(application, field):
    institution = application.institution
    setattr(institution, field, "")
    institution.save()
    with pytest.raises(workflow.TransitionRefused) as refused:
        _submit(application, datetime(2023, 5, 10, 9, 0, tzinfo=SH))
    label = str(institution._meta.get_field(field).verbose_name)
    assert any(label in r.message and r.clause == "N-4.1.1" for r in refused.value.refusals)
    application.refresh_from_db()
    assert application.state == State.DRAFT
