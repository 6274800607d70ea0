"""The process engine (issue 7; SPEC §5): registries, any model, the system actor, batches,
audiences."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from evalorg.accounts.models import Role
from evalorg.accounts.system import system_actor
from evalorg.applications import access, workflow
from evalorg.applications.models import Application, ApplicationOccupation, State
from evalorg.core import audit, clock
from evalorg.core.audit import Audience
from evalorg.core.models import AuditEvent
from evalorg.core.workflow import Transition, define
from tests.applications.conftest import applicant_of, build_application, in_period
from tests.factories import CityStaffFactory

pytestmark = pytest.mark.django_db
Line = ApplicationOccupation.Status
__all__ = ["in_period"]  # the fixture, imported for use here


def test_registering_an_action_twice_raises():
    again = Transition(
        action="submit",
        label="重复",
        sources=frozenset({State.DRAFT}),
        target=State.SUBMITTED,
        roles=frozenset({Role.APPLICANT}),
    )
    with pytest.raises(ImproperlyConfigured, match="submit"):
        workflow.register(again)
    assert workflow.TABLE["submit"].label != "重复"


def test_defining_a_second_workflow_for_one_model_raises():
    with pytest.raises(ImproperlyConfigured):
        define(Application, "state", "again")


def test_registering_a_scope_twice_raises_and_scopes_of_a_role_compose(in_period):
    first, second = build_application(), build_application()

    def only_first(qs, user):
        return qs.filter(pk=first.pk)

    def only_second(qs, user):
        return qs.filter(pk=second.pk)

    try:
        access.register_scope("expert", only_first)
        with pytest.raises(ImproperlyConfigured):
            access.register_scope("expert", only_first)
        access.register_scope("expert", only_second)
        expert = CityStaffFactory(role=Role.EXPERT, agency=None)
        seen = set(Application.objects.for_user(expert).values_list("pk", flat=True))
        assert {first.pk, second.pk} <= seen
    finally:
        access._extra_scopes["expert"].remove(only_first)
        access._extra_scopes["expert"].remove(only_second)


def _cultivating_line(application) -> ApplicationOccupation:
    """A line whose case is cultivating (set directly: the earlier stages are not the point)."""
    Application.objects.filter(pk=application.pk).update(state=State.CULTIVATING)
    return application.occupations.first()


def _sign_commitment(application) -> None:
    from evalorg.cultivation.models import CommitmentLetter

    CommitmentLetter.objects.create(
        application=application,
        text="承诺",
        signed_name="张三",
        signed_by=applicant_of(application),
        signed_at=clock.now(),
    )


def _period_and_deliverables(line) -> None:
    from evalorg.cultivation.models import CultivationPeriod
    from tests.cultivation.conftest import ready_deliverables

    today = clock.today()
    CultivationPeriod.objects.get_or_create(
        application=line.application, defaults={"starts_on": today, "last_day": today}
    )
    ready_deliverables(line)


def test_an_occupation_line_moves_through_its_table_with_audit_events(in_period):
    application = build_application()
    line = _cultivating_line(application)
    system = system_actor()
    line = workflow.perform(line, "start_cultivation", system)
    _sign_commitment(application)  # cultivation's guards on submit_bank (N-4.2)
    _period_and_deliverables(line)
    line = workflow.perform(line, "submit_bank", applicant_of(application))
    assert line.status == Line.BANK_SUBMITTED
    audit.seal_pending()  # as on_commit would: chained in the order they were written
    events = AuditEvent.objects.for_object(line).order_by("seq")
    assert [(e.action, e.from_state, e.to_state) for e in events] == [
        ("start_cultivation", "requested", "cultivating"),
        ("submit_bank", "cultivating", "bank_submitted"),
    ]
    assert all(e.audience == Audience.APPLICANT for e in events)
    assert audit.verify_chain().ok


def test_a_line_refuses_an_action_from_the_wrong_state_and_changes_nothing(in_period):
    application = build_application()
    line = application.occupations.first()
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.perform(line, "submit_bank", applicant_of(application))
    assert refused.value.refusals[0].clause == "SPEC-5"
    line.refresh_from_db()
    assert line.status == Line.REQUESTED
    assert not AuditEvent.objects.for_object(line).exists()


def test_a_line_cannot_start_cultivation_before_its_case_does(in_period):
    line = build_application().occupations.first()
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.perform(line, "start_cultivation", system_actor())
    assert [r.clause for r in refused.value.refusals] == ["N-4.2"]


def test_system_actor_transition_is_audited_as_system(in_period):
    line = _cultivating_line(build_application())
    workflow.perform(line, "start_cultivation", system_actor())
    line = workflow.perform(line, "eliminate", system_actor())
    assert line.status == Line.ELIMINATED
    event = AuditEvent.objects.for_object(line).get(action="eliminate")
    assert event.actor_label == "系统" and event.role == Role.SYSTEM


def test_only_the_system_actor_may_eliminate(in_period):
    application = build_application()
    line = _cultivating_line(application)
    workflow.perform(line, "start_cultivation", system_actor())
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.perform(line, "eliminate", applicant_of(application))
    assert refused.value.refusals[0].clause == "SPEC-1"


def test_the_system_actor_cannot_log_in():
    system = system_actor()
    assert not system.is_active and not system.has_usable_password()
    # Even with a password set by mistake, the inactive account is refused.
    system.set_password("Demo-Pass-2026")
    system.save()
    client = Client()
    client.post("/accounts/login/", {"username": system.username, "password": "Demo-Pass-2026"})
    assert "_auth_user_id" not in client.session


def test_perform_many_with_one_refused_item_changes_nothing(in_period):
    ready = build_application()
    # Another kind: an institution has at most one open application per round and kind.
    incomplete = build_application(ready.institution, with_materials=False, kind="expansion")
    with pytest.raises(workflow.BatchRefused) as refused:
        workflow.perform_many([ready, incomplete], "submit", applicant_of(ready))
    assert [f.obj.pk for f in refused.value.failures] == [incomplete.pk]
    for application in (ready, incomplete):
        application.refresh_from_db()
        assert application.state == State.DRAFT
    assert not AuditEvent.objects.filter(action="submit").exists()


def test_perform_many_stamps_one_batch_id_on_every_event(in_period):
    line_case = build_application(occupations=(("6-18-02-04", [5, 4]),))
    lines = list(_cultivating_line(line_case).application.occupations.all())
    batch = workflow.perform_many(lines, "start_cultivation", system_actor())
    events = AuditEvent.objects.filter(action="start_cultivation")
    assert events.count() == len(lines) == len(batch.done)
    assert {e.data["batch"] for e in events} == {batch.id}


def test_after_effects_see_the_saved_state_and_roll_back_with_the_transition(in_period):
    from evalorg.core import workflow as engine

    application = build_application()
    seen = []

    def after(obj, actor, data):
        seen.append(Application.objects.get(pk=obj.pk).state)
        raise RuntimeError("boom")

    submit = workflow.TABLE["submit"]
    try:
        workflow.TABLE["submit"] = engine.Transition(**{**submit.__dict__, "after": (after,)})
        with pytest.raises(RuntimeError):
            workflow.perform(application, "submit", applicant_of(application))
    finally:
        workflow.TABLE["submit"] = submit
    assert seen == [State.SUBMITTED]
    application.refresh_from_db()
    assert application.state == State.DRAFT
    assert not AuditEvent.objects.filter(action="submit").exists()


def test_lock_returns_the_stored_row_or_says_it_changed_meanwhile(in_period):
    from django.db import transaction

    application = build_application()
    stale = Application.objects.get(pk=application.pk)
    with transaction.atomic():
        assert workflow.lock(application, "submit").pk == application.pk
    workflow.perform(application, "submit", applicant_of(application))
    with pytest.raises(workflow.TransitionRefused) as refused, transaction.atomic():
        workflow.lock(stale, "submit")
    (refusal,) = refused.value.refusals
    assert refusal.clause == "SPEC-5" and "已被他人处理" in refusal.message
    assert "已提交" in refusal.message and "提交申请" in refusal.message
