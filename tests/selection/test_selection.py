"""The provincial selection: merit ranking, select / reject, leadership approval (N-4.1.3)."""

from __future__ import annotations

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evalorg.accounts.models import Agency, Role
from evalorg.applications import workflow
from evalorg.applications.history import applicant_history
from evalorg.applications.models import State
from evalorg.core.models import AuditEvent
from evalorg.review.decisions import send_batch
from evalorg.review.models import (
    Assignment,
    ConflictDeclaration,
    Panel,
    PanelMember,
    ReviewStage,
    Scoresheet,
    Stage,
)
from evalorg.review.ranking import refresh_round
from evalorg.selection.models import LeadershipApproval
from evalorg.selection.transitions import Proposal, record_leadership_decision
from tests.applications.conftest import PDF_BYTES
from tests.factories import CityStaffFactory, UserFactory
from tests.review.conftest import ITEM_CODES, assessed, panel_with_experts, verified

from .test_province import ON_TIME

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return CityStaffFactory()


@pytest.fixture
def center_staff():
    return UserFactory(role=Role.PROVINCE_STAFF, agency=Agency.objects.get(kind="province"))


@pytest.fixture
def department():
    return UserFactory(role=Role.DEPARTMENT, agency=Agency.objects.get(kind="department"))


def in_province_review(staff, n: int = 2, points=(8, 7, 9, 6)):
    panel = panel_with_experts(staff)
    cases = []
    for i in range(n):
        case = assessed(staff, *panel, [points[i % len(points)]] * 3)
        cases.append(workflow.perform(case, "recommend", staff, reason="优"))
    with time_machine.travel(ON_TIME, tick=False):
        send_batch(cases, staff)
    for case in cases:
        case.refresh_from_db()
    return cases


def province_scores(cases, center, points):
    panel = Panel.objects.create(
        agency=center.agency, round=cases[0].round, stage=Stage.PROVINCE_SELECTION, name="省评审组"
    )
    experts = [UserFactory(role=Role.EXPERT) for _ in range(3)]
    for expert in experts:
        PanelMember.objects.create(panel=panel, expert=expert)
    for case, p in zip(cases, points, strict=True):
        Assignment.objects.create(panel=panel, application=case)
        for expert in experts:
            Scoresheet.objects.create(
                panel=panel,
                application=case,
                expert=expert,
                status="submitted",
                scores=dict.fromkeys(ITEM_CODES, p),
            )
    refresh_round(cases[0].round)  # sheets written here, not submitted through the engine
    return panel


def decide(client, case, decision, reason="评审意见", applicant_reason=""):
    return client.post(
        reverse("selection:decide", args=[case.pk]),
        {
            "decision": decision,
            "reason": reason,
            "applicant_reason": applicant_reason,
            "confirm": "yes",
        },
        follow=True,
    )


def test_the_center_ranks_the_province_and_selects_with_its_own_record(client, staff, center_staff):
    low, high = in_province_review(staff)
    province_scores([low, high], center_staff, [6, 9])
    client.force_login(center_staff)
    page = client.get(reverse("selection:ranking")).content.decode()
    assert page.index(f'data-application="{high.pk}"') < page.index(f'data-application="{low.pk}"')
    decide(client, high, "select", reason="内部：综合实力强")
    high.refresh_from_db()
    assert high.state == State.SELECTED
    province = ReviewStage.objects.get(application=high, stage=Stage.PROVINCE_SELECTION)
    assert province.recommended and province.rank == 1 and str(province.total) == "90.00"
    city = ReviewStage.objects.get(application=high, stage=Stage.CITY_ASSESSMENT)
    assert city.reason == "优"
    history = applicant_history(high)
    assert any(row.label == "评审通过" for row in history)
    assert all("内部" not in row.reason for row in history)


def test_reject_needs_a_reason_for_the_applicant_who_sees_only_that(client, staff, center_staff):
    (case,) = in_province_review(staff, 1)
    province_scores([case], center_staff, [5])
    client.force_login(center_staff)
    response = decide(client, case, "reject", reason="内部：材料薄弱")
    assert "告知申请机构的理由" in response.content.decode()
    case.refresh_from_db()
    assert case.state == State.PROVINCE_REVIEW
    province = ReviewStage.objects.get(application=case, stage=Stage.PROVINCE_SELECTION)
    assert province.recommended is None and province.reason == ""  # refused: nothing stored
    decide(client, case, "reject", reason="内部：材料薄弱", applicant_reason="题库开发能力不足")
    case.refresh_from_db()
    assert case.state == State.REJECTED
    province.refresh_from_db()
    assert (province.recommended, province.reason) == (False, "内部：材料薄弱")
    recorded = AuditEvent.objects.get(
        action="decision_recorded", data__stage=Stage.PROVINCE_SELECTION
    )
    assert recorded.audience == "staff" and recorded.data["reason"] == "内部：材料薄弱"
    reasons = [row.reason for row in applicant_history(case)]
    assert "题库开发能力不足" in reasons and not any("内部" in r for r in reasons)


def test_a_select_that_would_be_refused_is_refused_before_asking_to_confirm(
    client, staff, center_staff
):
    """``core.actions.run``: the engine's refusal comes first, nobody confirms an action that
    cannot happen."""
    (case,) = in_province_review(staff, 1)
    client.force_login(center_staff)
    response = client.post(
        reverse("selection:decide", args=[case.pk]),
        {"decision": "select", "reason": "评审意见", "applicant_reason": ""},
        follow=True,
    )
    body = response.content.decode()
    assert "尚未分配给专家评审组" in body and 'name="confirm" value="yes"' not in body
    case.refresh_from_db()
    assert case.state == State.PROVINCE_REVIEW


def test_select_is_refused_until_the_province_panel_has_scored(client, staff, center_staff):
    (case,) = in_province_review(staff, 1)
    client.force_login(center_staff)
    response = decide(client, case, "select")
    assert "尚未分配给专家评审组" in response.content.decode()
    case.refresh_from_db()
    assert case.state == State.PROVINCE_REVIEW
    assert (
        ReviewStage.objects.get(application=case, stage=Stage.PROVINCE_SELECTION).recommended
        is None
    )


def test_city_staff_and_applicants_cannot_reach_the_selection(client, staff, center_staff):
    (case,) = in_province_review(staff, 1)
    province_scores([case], center_staff, [8])
    client.force_login(staff)
    assert client.get(reverse("selection:ranking")).status_code == 403
    assert decide(client, case, "select").status_code == 403
    case.refresh_from_db()
    assert case.state == State.PROVINCE_REVIEW


def test_selection_ranking_queries_do_not_grow(
    client, staff, center_staff, django_assert_max_num_queries
):
    first, *more = in_province_review(staff, 4)
    panel = province_scores([first], center_staff, [8])
    client.force_login(center_staff)
    with django_assert_max_num_queries(60) as one:
        client.get(reverse("selection:ranking"))
    for case in more:
        Assignment.objects.create(panel=panel, application=case)
        for member in panel.members.all():
            Scoresheet.objects.create(
                panel=panel,
                application=case,
                expert=member.expert,
                status="submitted",
                scores=dict.fromkeys(ITEM_CODES, 7),
            )
    refresh_round(first.round)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(reverse("selection:ranking")).content.decode()
    assert page.count('data-application="') == 4


def selected_pair(client, staff, center_staff):
    cases = in_province_review(staff)
    province_scores(cases, center_staff, [9, 8])
    client.force_login(center_staff)
    for case in cases:
        decide(client, case, "select")
        case.refresh_from_db()
        assert case.state == State.SELECTED
    return cases


def minutes_file():
    return SimpleUploadedFile("第3次会议纪要.pdf", PDF_BYTES, content_type="application/pdf")


def test_the_department_approves_part_of_the_list_with_its_minutes(
    client, staff, center_staff, department
):
    first, second = selected_pair(client, staff, center_staff)
    client.force_login(department)
    response = client.post(
        reverse("selection:approval"),
        {
            "round": first.round_id,
            "decided_on": "2023-06-20",
            "meeting_ref": "遴选工作领导小组2023年第3次会议",
            "minutes": minutes_file(),
            "approve": [first.pk],
            f"note-{second.pk}": "待补充场地证明后再议",
        },
        follow=True,
    )
    assert "同意 1 份" in response.content.decode()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (State.LEADERSHIP_APPROVED, State.SELECTED)
    decision = LeadershipApproval.objects.get()
    assert decision.meeting_ref.endswith("第3次会议") and decision.minutes.sha256
    assert decision.entries.get(application=second).note == "待补充场地证明后再议"
    assert client.get(reverse("selection:minutes", args=[decision.pk])).status_code == 200
    client.force_login(staff)
    assert client.get(reverse("selection:minutes", args=[decision.pk])).status_code == 403


def test_approval_without_a_decision_that_approves_it_is_refused(
    client, staff, center_staff, department
):
    first, second = selected_pair(client, staff, center_staff)
    decision, _batch = record_leadership_decision(
        first.round,
        [Proposal(first, True), Proposal(second, False, "暂缓")],
        decided_on=ON_TIME.date(),
        meeting_ref="第3次会议",
        minutes=minutes_file(),
        note="",
        user=department,
    )
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.perform(second, "approve", department, approval=decision.pk)
    assert refused.value.refusals[0].clause == "N-4.1.3"
    with pytest.raises(workflow.TransitionRefused):
        workflow.perform(second, "approve", department)
    second.refresh_from_db()
    assert second.state == State.SELECTED


def test_a_refused_approval_leaves_no_decision_and_no_file(client, staff, center_staff, department):
    first, second = selected_pair(client, staff, center_staff)
    workflow.perform(second, "withdraw", second.institution.memberships.first().user, reason="x")
    with pytest.raises(workflow.BatchRefused):
        record_leadership_decision(
            first.round,
            [Proposal(first, True), Proposal(second, True)],
            decided_on=ON_TIME.date(),
            meeting_ref="第3次会议",
            minutes=minutes_file(),
            note="",
            user=department,
        )
    assert not LeadershipApproval.objects.exists()
    first.refresh_from_db()
    assert first.state == State.SELECTED


def test_only_the_department_records_approval(client, staff, center_staff):
    selected_pair(client, staff, center_staff)
    client.force_login(center_staff)
    assert client.get(reverse("selection:approval")).status_code == 403


def test_the_center_runs_its_selection_panel_on_the_panels_page(client, staff, center_staff):
    from evalorg.review.conflicts import declare

    (case,) = in_province_review(staff, 1)
    experts = [UserFactory(role=Role.EXPERT) for _ in range(3)]
    client.force_login(center_staff)
    page = client.get(reverse("panels:list") + "?stage=province_selection")
    assert page.status_code == 200 and "省级遴选评审" in page.content.decode()
    panel = Panel.objects.get(stage=Stage.PROVINCE_SELECTION)
    for expert in experts:
        client.post(reverse("panels:add_member", args=[panel.pk]), {"expert": expert.pk})
    client.post(reverse("panels:assign", args=[panel.pk]), {"application": case.pk})
    assert Assignment.objects.filter(panel=panel, application=case).exists()
    declare(panel, case, experts[0], "none")
    client.force_login(experts[0])
    sheet = client.get(reverse("expert:scoresheet", args=[case.pk]))
    assert sheet.status_code == 200 and "defense_presentation" in sheet.content.decode()
    # A city cannot reach the selection panel: its page stays on its own first instance.
    client.force_login(staff)
    own = client.get(reverse("panels:list") + "?stage=province_selection").content.decode()
    assert "省级遴选评审组" not in own


def test_an_expert_who_scored_at_the_city_scores_the_selection_on_the_selection_panel(
    client, staff, center_staff
):
    """The expert pages pick the assignment of the stage the case is in now, not the city's
    (whose submitted sheet would lock the declaration and show the city scoresheet)."""
    (case,) = in_province_review(staff, 1)
    city = Panel.objects.get(stage=Stage.CITY_ASSESSMENT, round=case.round)
    experts = [member.expert for member in city.members.all()]
    client.force_login(center_staff)
    client.get(reverse("panels:list") + "?stage=province_selection")
    selection = Panel.objects.get(stage=Stage.PROVINCE_SELECTION)
    for expert in experts:
        PanelMember.objects.create(panel=selection, expert=expert)
    Assignment.objects.create(panel=selection, application=case)
    client.force_login(experts[0])
    declared = client.post(reverse("expert:declare", args=[case.pk]), {"kind": "none"})
    assert declared.status_code == 302
    assert declared.url == reverse("expert:scoresheet", args=[case.pk])
    assert ConflictDeclaration.objects.filter(panel=selection, expert=experts[0]).exists()
    sheet = client.get(reverse("expert:scoresheet", args=[case.pk])).content.decode()
    assert selection.name in sheet and "defense_presentation" in sheet


def test_a_city_case_not_yet_sent_cannot_be_assigned_to_the_selection_panel(
    client, staff, center_staff
):
    (case,) = in_province_review(staff, 1)
    waiting = verified(staff)
    client.force_login(center_staff)
    client.get(reverse("panels:list") + "?stage=province_selection")
    panel = Panel.objects.get(stage=Stage.PROVINCE_SELECTION)
    response = client.post(reverse("panels:assign", args=[panel.pk]), {"application": waiting.pk})
    assert response.status_code == 404
    assert not Assignment.objects.filter(panel=panel).exists()
    assert case.state == State.PROVINCE_REVIEW


def test_an_absent_case_gets_zero_for_the_defense_items_in_the_province_ranking(
    staff, center_staff
):
    from datetime import date, time

    from evalorg.review.services import ranked, template_for
    from evalorg.review.stage_sections import stage_sections
    from evalorg.selection.models import DefenseSession, DefenseSlot

    present, absent = in_province_review(staff)
    panel = province_scores([present, absent], center_staff, [0, 0])
    items = template_for(present.round, Stage.PROVINCE_SELECTION)
    full = {item.code: int(item.max_points) for item in items}
    Scoresheet.objects.filter(panel=panel).update(scores=full)
    session = DefenseSession.objects.create(
        round=present.round,
        panel=panel,
        date=date(2023, 6, 10),
        start_time=time(9, 0),
        place="省职业技能服务指导中心 3 楼",
        minutes_per_slot=20,
        created_by=center_staff,
        created_at=ON_TIME,
    )
    DefenseSlot.objects.create(session=session, application=present, position=1)
    DefenseSlot.objects.create(session=session, application=absent, position=2, state="absent")
    totals = {
        r.application.pk: r.aggregate.total
        for r in ranked(center_staff.agency, present.round, Stage.PROVINCE_SELECTION)
    }
    defense_points = sum(i.max_points for i in items if i.code.startswith("defense_"))
    assert totals[present.pk] == 100 and totals[absent.pk] == 100 - defense_points
    sections = {s.record.stage: s for s in stage_sections(absent)}
    assert sections[Stage.PROVINCE_SELECTION].aggregate.total == 100 - defense_points


def test_select_without_confirmation_changes_nothing_and_asks(client, staff, center_staff):
    """An irreversible decision (issue #10): without confirm=yes the center gets the confirm
    page in Chinese and nothing is recorded; the ranking's button carries the question."""
    (case,) = in_province_review(staff, 1)
    province_scores([case], center_staff, [8])
    client.force_login(center_staff)
    page = client.get(reverse("selection:ranking")).content.decode()
    assert f'data-testid="select-{case.pk}" data-confirm="确定提交省级评审结论吗' in page
    response = client.post(
        reverse("selection:decide", args=[case.pk]),
        {"decision": "select", "reason": "内部：综合实力强"},
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "确定省级评审通过吗" in body and 'name="confirm" value="yes"' in body
    assert 'name="reason" value="内部：综合实力强"' in body  # the same fields again
    case.refresh_from_db()
    assert case.state == State.PROVINCE_REVIEW
    province = ReviewStage.objects.filter(application=case, stage=Stage.PROVINCE_SELECTION)
    assert not province.exclude(recommended=None).exists()
    decide(client, case, "select", reason="内部：综合实力强")  # with confirm=yes
    case.refresh_from_db()
    assert case.state == State.SELECTED
