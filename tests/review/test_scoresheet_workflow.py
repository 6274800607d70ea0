"""The scoresheet's own workflow (issue 18): submit and reopen only through ``perform()``, each
refused for the wrong role, relation or state with a clause, nothing changed; every event is
internal (an applicant never learns which experts scored it)."""

from __future__ import annotations

import pytest

from evalorg.core.models import AuditEvent
from evalorg.core.workflow import TransitionRefused, available_actions, perform
from evalorg.review.models import ConflictDeclaration, Scoresheet
from evalorg.rounds.defaults import DEFAULT_SCORESHEET
from tests.factories import CityStaffFactory, UserFactory, city_agency

from .conftest import panel_with_experts, verified

pytestmark = pytest.mark.django_db

ITEMS = DEFAULT_SCORESHEET["items"]


@pytest.fixture
def sheet():
    staff = CityStaffFactory()
    application = verified(staff)
    panel, experts = panel_with_experts(staff)
    panel.assignments.create(application=application)
    expert = experts[0]
    ConflictDeclaration.objects.create(
        panel=panel, application=application, expert=expert, kind="none"
    )
    return Scoresheet.objects.create(
        panel=panel,
        application=application,
        expert=expert,
        scores={item["code"]: 8 for item in ITEMS},
        opinion="recommend",
        version=1,
    )


def refused(sheet, action, user, **data) -> str:
    before = (sheet.status, sheet.version, sheet.submitted_at)
    events = AuditEvent.objects.count()
    with pytest.raises(TransitionRefused) as caught:
        perform(sheet, action, user, **data)
    sheet.refresh_from_db()
    assert (sheet.status, sheet.version, sheet.submitted_at) == before
    assert AuditEvent.objects.count() == events
    return str(caught.value)


def test_submit_then_reopen_each_audited_internal(sheet):
    staff = CityStaffFactory(agency=sheet.panel.agency)
    assert [t.action for t in available_actions(sheet, sheet.expert)] == ["submit_scoresheet"]
    perform(sheet, "submit_scoresheet", sheet.expert)
    sheet.refresh_from_db()
    assert sheet.status == "submitted" and sheet.submitted_at is not None
    assert [t.action for t in available_actions(sheet, staff)] == ["reopen_scoresheet"]
    assert available_actions(sheet, sheet.expert) == []
    perform(sheet, "reopen_scoresheet", staff, reason="第二项评分偏高")
    sheet.refresh_from_db()
    assert sheet.status == "reopened" and sheet.submitted_at is None
    events = AuditEvent.objects.for_object(sheet).order_by("id")
    assert [(e.action, e.audience) for e in events] == [
        ("submit_scoresheet", "internal"),
        ("reopen_scoresheet", "internal"),
    ]
    assert not AuditEvent.objects.for_object(sheet).filter(audience="applicant").exists()
    # A reopened sheet is submitted again by its expert.
    perform(sheet, "submit_scoresheet", sheet.expert)


def test_submit_refused_for_another_expert_staff_or_state(sheet):
    other_expert = UserFactory(role="expert")
    assert "SPEC-1" in refused(sheet, "submit_scoresheet", other_expert)
    # A panel colleague who scores the same case still cannot submit this expert's sheet.
    colleague = sheet.panel.members.exclude(expert=sheet.expert).first().expert
    assert "您无权" in refused(sheet, "submit_scoresheet", colleague)
    staff = CityStaffFactory(agency=sheet.panel.agency)
    assert "SPEC-1" in refused(sheet, "submit_scoresheet", staff)
    perform(sheet, "submit_scoresheet", sheet.expert)
    sheet.refresh_from_db()
    assert "当前状态为“已提交”" in refused(sheet, "submit_scoresheet", sheet.expert)


def test_submit_refused_with_missing_or_out_of_range_scores(sheet):
    first, second = ITEMS[0], ITEMS[1]
    scores = dict(sheet.scores)
    del scores[first["code"]]
    scores[second["code"]] = float(second["max_points"]) + 1
    Scoresheet.objects.filter(pk=sheet.pk).update(scores=scores, opinion="")
    sheet.refresh_from_db()
    message = refused(sheet, "submit_scoresheet", sheet.expert)
    assert f"请填写“{first['title']}”的得分" in message
    assert f"“{second['title']}”的得分应在 0 到" in message
    assert "请选择总体意见" in message and "N-4.1.2" in message


def test_submit_refused_without_declaration_or_when_conflicted(sheet):
    ConflictDeclaration.objects.filter(expert=sheet.expert).update(kind="employed_by")
    assert "存在利益冲突" in refused(sheet, "submit_scoresheet", sheet.expert)
    ConflictDeclaration.objects.filter(expert=sheet.expert).delete()
    assert "请先声明是否存在利益冲突" in refused(sheet, "submit_scoresheet", sheet.expert)


def test_reopen_refused_for_other_agency_expert_missing_reason_or_draft(sheet):
    perform(sheet, "submit_scoresheet", sheet.expert)
    sheet.refresh_from_db()
    shenzhen = CityStaffFactory(agency=city_agency("440300"))
    assert "SPEC-1" in refused(sheet, "reopen_scoresheet", shenzhen, reason="越权")
    assert "SPEC-1" in refused(sheet, "reopen_scoresheet", sheet.expert, reason="自己退回")
    staff = CityStaffFactory(agency=sheet.panel.agency)
    assert "请填写“退回修改”的理由" in refused(sheet, "reopen_scoresheet", staff, reason=" ")
    Scoresheet.objects.filter(pk=sheet.pk).update(status="draft")
    sheet.refresh_from_db()
    assert "当前状态为“草稿”" in refused(sheet, "reopen_scoresheet", staff, reason="退回")


def test_submit_and_reopen_refused_once_scoring_closed(sheet):
    perform(sheet, "submit_scoresheet", sheet.expert)
    sheet.refresh_from_db()
    sheet.application.__class__.objects.filter(pk=sheet.application_id).update(
        state="city_assessed"
    )
    sheet.application.refresh_from_db()
    staff = CityStaffFactory(agency=sheet.panel.agency)
    assert "专家评估已结束" in refused(sheet, "reopen_scoresheet", staff, reason="退回")


def test_the_staff_case_history_shows_the_sheets_transitions(client, sheet):
    from django.urls import reverse

    from evalorg.applications.history import applicant_history

    staff = CityStaffFactory(agency=sheet.panel.agency)
    perform(sheet, "submit_scoresheet", sheet.expert)
    perform(sheet, "reopen_scoresheet", staff, reason="第二项评分偏高")
    client.force_login(staff)
    page = client.get(reverse("applications:detail", args=[sheet.application_id])).content.decode()
    assert "提交评估表" in page and "已提交 → 已退回修改" in page and "第二项评分偏高" in page
    labels = [row.label for row in applicant_history(sheet.application)]
    assert "提交评估表" not in labels and "退回修改" not in labels
