"""One leadership approval for both lists the leadership group approves (issue 18 item 2): the
provincial selection list (N-4.1.3) and an acceptance batch (N-4.3) are the same record, moved
by the same ``approve`` (department only; minutes, meeting and date, one approved case), whose
refusals cite the kind's clause and change nothing; deferred cases stay where they were, with
their note. The migration maps both old tables onto it."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from evalorg.accounts.models import Agency
from evalorg.applications.models import State
from evalorg.core.models import AuditEvent, StoredFile
from evalorg.core.workflow import TransitionRefused, available_actions, check
from evalorg.review.models import ReviewStage, Stage
from evalorg.selection.leadership import Tick, propose, record_decision
from evalorg.selection.models import LeadershipApproval, LeadershipApprovalEntry
from tests.publicity.conftest import pii_institution

from .conftest import ISSUE_DAY, department_staff, minutes_upload, passed, province_staff

pytestmark = pytest.mark.django_db

Kind = LeadershipApproval.Kind
# kind → (the cases' state when put to the group, their state once approved, the clause)
KINDS = {
    Kind.SELECTION: (State.SELECTED, State.LEADERSHIP_APPROVED, "N-4.1.3"),
    Kind.ACCEPTANCE: (State.CULTIVATING, State.ACCEPTED, "N-4.3"),
}


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(ISSUE_DAY, tick=False):
        yield


def _put(kind: str):
    """Two cases put to the group in one approval of ``kind``."""
    before = KINDS[kind][0]
    first = passed(pii_institution(1), state=before)
    second = passed(pii_institution(2), state=before)
    approval = propose(kind, first.round, [first, second], province_staff(), title="待审定")
    return approval, first, second


def _record(approval, ticks, user, minutes=True):
    return record_decision(
        approval,
        ticks,
        decided_on=date(2023, 11, 28),
        meeting_ref="广东省职业技能等级认定工作领导小组2023年第3次会议",
        minutes=minutes_upload() if minutes else None,
        user=user,
    )


def _unchanged(approval, files, *cases):
    approval.refresh_from_db()
    assert approval.status == LeadershipApproval.Status.PROPOSED
    assert approval.minutes is None and approval.recorded_by is None and not approval.meeting_ref
    assert not approval.entries.filter(approved=True).exists()
    for case in cases:
        assert type(case).objects.get(pk=case.pk).state == case.state
    assert StoredFile.objects.count() == files
    assert not AuditEvent.objects.filter(action__in=("approve", "accept")).exists()


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_approval_is_refused_without_minutes_and_nothing_changes(kind):
    approval, first, second = _put(kind)
    files = StoredFile.objects.count()
    with pytest.raises(TransitionRefused) as refused:
        _record(approval, [Tick(first.pk, True), Tick(second.pk, True)], department_staff(), False)
    assert [r.clause for r in refused.value.refusals] == [KINDS[kind][2]]
    assert "会议纪要" in refused.value.refusals[0].message
    _unchanged(approval, files, first, second)


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_approval_is_refused_with_no_approved_case_and_nothing_changes(kind):
    approval, first, second = _put(kind)
    files = StoredFile.objects.count()
    with pytest.raises(TransitionRefused) as refused:
        _record(approval, [Tick(first.pk, False), Tick(second.pk, False)], department_staff())
    assert [r.clause for r in refused.value.refusals] == [KINDS[kind][2]]
    assert "至少勾选一个" in refused.value.refusals[0].message
    _unchanged(approval, files, first, second)


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_partial_approval_moves_the_approved_case_and_leaves_the_deferred_one_with_its_note(
    kind,
):
    before, after, _clause = KINDS[kind]
    approval, first, second = _put(kind)
    department = department_staff()
    done, moved = _record(
        approval, [Tick(first.pk, True), Tick(second.pk, False, "场地证明待补充")], department
    )
    assert [a.pk for a in moved.done] == [first.pk]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (after, before)
    done.refresh_from_db()
    assert done.status == LeadershipApproval.Status.APPROVED and done.batch == moved.id
    assert done.recorded_by == department and done.recorded_at and done.minutes.sha256
    deferred = LeadershipApprovalEntry.objects.get(approval=done, application=second)
    assert (deferred.approved, deferred.note) == (False, "场地证明待补充")
    event = AuditEvent.objects.get(action="approve", object_type="selection.leadershipapproval")
    assert event.data["approved"] == [first.pk]
    assert event.data["deferred"] == {str(second.pk): "场地证明待补充"}
    case_events = AuditEvent.objects.filter(object_type="applications.application")
    assert set(case_events.values_list("object_id", flat=True)) == {str(first.pk)}


@pytest.mark.parametrize("kind", list(KINDS))
def test_approve_is_the_department_s_and_refused_for_province_staff(kind):
    approval, first, second = _put(kind)
    center = province_staff()
    files = StoredFile.objects.count()
    assert "approve" not in {t.action for t in available_actions(approval, center)}
    assert [r.clause for r in check(approval, "approve", center)] == ["SPEC-1"]
    with pytest.raises(TransitionRefused) as refused:
        _record(approval, [Tick(first.pk, True), Tick(second.pk, True)], center)
    assert [r.clause for r in refused.value.refusals] == ["SPEC-1"]
    _unchanged(approval, files, first, second)
    assert "approve" in {t.action for t in available_actions(approval, department_staff())}


# ---- the migration ----------------------------------------------------------------------------

BEFORE = [("filing", "0004_verbose_names"), ("review", "0013_leadership_approval")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_maps_both_old_tables_keeping_the_acceptance_ids():
    from tests.applications.conftest import stored_pdf

    accepted, deferred, chosen = (passed(pii_institution(i)) for i in (1, 2, 3))
    center, department = province_staff(), department_staff()
    minutes = stored_pdf("纪要.pdf")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        batch = old.get_model("filing", "AcceptanceBatch").objects.create(
            pk=41,
            round_id=accepted.round_id,
            title="2023年第一批验收",
            status="published",
            created_by_id=center.pk,
            created_at=ISSUE_DAY,
            decided_on=date(2023, 11, 28),
            meeting_ref="厅党组会议2023年第12次",
            minutes_id=minutes.pk,
            approved_by_id=department.pk,
            published_at=ISSUE_DAY,
        )
        entry = old.get_model("filing", "AcceptanceEntry").objects
        entry.create(batch=batch, application_id=accepted.pk, approved=True)
        entry.create(batch=batch, application_id=deferred.pk, approved=False, note="待补充")
        decision = old.get_model("review", "LeadershipDecision").objects.create(
            round_id=chosen.round_id,
            decided_on=date(2023, 6, 20),
            meeting_ref="遴选工作领导小组2023年第3次会议",
            minutes_id=minutes.pk,
            note="同意",
            recorded_by_id=department.pk,
            recorded_at=ISSUE_DAY,
            batch="b" * 32,
        )
        old.get_model("review", "LeadershipDecisionEntry").objects.create(
            decision=decision, application_id=chosen.pk, approved=True
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    acceptance = LeadershipApproval.objects.get(pk=41)
    assert (acceptance.kind, acceptance.status, acceptance.title) == (
        Kind.ACCEPTANCE,
        "published",
        "2023年第一批验收",
    )
    assert acceptance.letter_ref == "acceptance-41"
    assert (acceptance.recorded_by, acceptance.created_by) == (department, center)
    assert acceptance.minutes == minutes and acceptance.published_at == ISSUE_DAY
    assert list(acceptance.entries.values_list("application_id", "approved", "note")) == [
        (accepted.pk, True, ""),
        (deferred.pk, False, "待补充"),
    ]
    selection = LeadershipApproval.objects.get(kind=Kind.SELECTION)
    assert (selection.status, selection.meeting_ref, selection.note, selection.batch) == (
        "approved",
        "遴选工作领导小组2023年第3次会议",
        "同意",
        "b" * 32,
    )
    assert (selection.decided_on, selection.recorded_by) == (date(2023, 6, 20), department)
    assert list(selection.entries.values_list("application_id", "approved")) == [(chosen.pk, True)]
    # New approvals get fresh ids after the kept ones (the sequence moved past them).
    fresh = propose(Kind.ACCEPTANCE, accepted.round, [], center, title="第二批")
    assert fresh.pk > 41 and fresh.pk != selection.pk


# ---- the department's two pages: one form, one partial, refusals before anything is stored ---


def _page(kind: str, approval) -> str:
    if kind == Kind.SELECTION:
        return f"{reverse('selection:approval')}?round={approval.round_id}"
    return reverse("filing:batch", args=[approval.pk])


def _post_url(kind: str, approval) -> str:
    if kind == Kind.SELECTION:
        return reverse("selection:approval")
    return reverse("filing:batch_approve", args=[approval.pk])


@pytest.mark.parametrize("kind", list(KINDS))
def test_both_pages_refuse_an_approval_with_no_ticked_case_before_storing_anything(client, kind):
    approval, first, second = _put(kind)
    if kind == Kind.SELECTION:  # the selection page puts the round's selected cases itself
        approval.delete()
        province = Agency.objects.get(kind="province")
        for case in (first, second):  # the round is one the cities sent to the selection
            ReviewStage.objects.create(
                application=case,
                stage=Stage.PROVINCE_SELECTION,
                agency=province,
                opened_at=ISSUE_DAY,
            )
    department = department_staff()
    client.force_login(department)
    page = client.get(_page(kind, approval)).content.decode()
    assert 'data-testid="approve"' in page and f'name="note-{second.pk}"' in page
    files = StoredFile.objects.count()
    response = client.post(
        _post_url(kind, approval),
        {
            "round": first.round_id,
            "decided_on": "2023-11-28",
            "meeting_ref": "领导小组2023年第3次会议",
            "minutes": minutes_upload(),
            f"note-{second.pk}": "暂缓",
        },
        follow=True,
    )
    assert f"（{KINDS[kind][2]}）" in response.content.decode()
    assert StoredFile.objects.count() == files
    assert not LeadershipApproval.objects.filter(status="approved").exists()
    assert LeadershipApproval.objects.count() == (0 if kind == Kind.SELECTION else 1)
    for case in (first, second):
        assert type(case).objects.get(pk=case.pk).state == KINDS[kind][0]
