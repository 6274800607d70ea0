"""Review per stage and the province's receiving side (issue 7; SPEC §6.2–§6.3, N-4.1.2)."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
import time_machine
from django.db import connection, connections
from django.urls import reverse

from evalorg.accounts.models import Agency, Role
from evalorg.applications import workflow
from evalorg.applications.models import State
from evalorg.core.models import AuditEvent
from evalorg.notify.models import Message, OutboundEmail
from evalorg.review.decisions import send_batch
from evalorg.review.models import Panel, PanelMember, ReviewStage, Scoresheet, Stage
from evalorg.review.services import ranked
from evalorg.review.stage_sections import stage_sections
from evalorg.selection.province import city_overview
from tests.applications.conftest import SH, applicant_of, build_application
from tests.factories import CityStaffFactory, InstitutionFactory, UserFactory
from tests.review.conftest import ITEM_CODES, assessed, panel_with_experts

pytestmark = pytest.mark.django_db
ON_TIME = datetime(2023, 5, 24, 10, 0, tzinfo=SH)


@pytest.fixture
def staff():
    return CityStaffFactory(email="gz-staff@example.org")


@pytest.fixture
def center_staff():
    return UserFactory(role=Role.PROVINCE_STAFF, agency=Agency.objects.get(kind="province"))


def recommended(staff, per_item=(8, 8, 8), panel=None):
    panel, experts = panel or panel_with_experts(staff)
    case = assessed(staff, panel, experts, list(per_item))
    row = next(r for r in ranked(staff.agency, case.round) if r.application.pk == case.pk)
    case = workflow.perform(
        case, "recommend", staff, reason="产业代表性突出", rank=row.rank, total=row.aggregate.total
    )
    return case, (panel, experts)


def sent_pair(staff):
    first, panel = recommended(staff)
    second, _ = recommended(staff, (7, 7, 7), panel)
    with time_machine.travel(ON_TIME, tick=False):
        batch = send_batch([first, second], staff)
    return first, second, batch


def test_sending_is_one_batch_with_a_receipt_for_the_city(staff, center_staff):
    first, second, batch = sent_pair(staff)
    for case in (first, second):
        case.refresh_from_db()
        assert case.state == State.PROVINCE_REVIEW
    events = AuditEvent.objects.filter(action="send_to_province")
    assert events.count() == 2 and {e.data["batch"] for e in events} == {batch.id}
    receipt = Message.objects.get(recipient=staff, subject__contains="已接收")
    assert "已接收" in receipt.subject and "2 份" in receipt.subject
    assert any("gz-staff@example.org" in email.to for email in OutboundEmail.objects.all())
    assert Message.objects.filter(recipient=center_staff, subject__contains="报送").exists()
    stages = ReviewStage.objects.filter(application=first)
    assert {s.stage for s in stages} == {Stage.CITY_ASSESSMENT, Stage.PROVINCE_SELECTION}
    city = stages.get(stage=Stage.CITY_ASSESSMENT)
    assert city.sent_at is not None and city.sent_batch == batch.id


def test_a_refused_item_sends_nothing_of_the_batch(staff):
    first, panel = recommended(staff)
    second, _ = recommended(staff, (7, 7, 7), panel)
    workflow.perform(second, "withdraw", applicant_of(second), reason="暂不申请")
    with time_machine.travel(ON_TIME, tick=False), pytest.raises(workflow.BatchRefused):
        send_batch([first, second], staff)
    first.refresh_from_db()
    assert first.state == State.RECOMMENDED
    assert not Message.objects.filter(recipient=staff, subject__contains="已接收").exists()
    assert not ReviewStage.objects.filter(stage=Stage.PROVINCE_SELECTION).exists()


def test_the_center_sees_a_city_case_only_once_sent(client, staff, center_staff):
    case, _panel = recommended(staff)
    client.force_login(center_staff)
    assert client.get(reverse("applications:detail", args=[case.pk])).status_code == 404
    with time_machine.travel(ON_TIME, tick=False):
        send_batch([case], staff)
    response = client.get(reverse("applications:detail", args=[case.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="stage-city_assessment"' in page and "只读" in page
    assert "80.0" in page  # the city's aggregated score, read-only
    # The center reads the case but cannot act on the city's stage.
    client.post(reverse("review_inbox:action", args=[case.pk, "revise_decision"]), {"reason": "x"})
    case.refresh_from_db()
    assert case.state == State.PROVINCE_REVIEW
    assert client.get(reverse("review_inbox:verify", args=[case.pk])).status_code == 404


def test_the_center_inbox_shows_city_results_in_constant_queries(
    client, staff, center_staff, django_assert_max_num_queries
):
    first, panel = recommended(staff)
    with time_machine.travel(ON_TIME, tick=False):
        send_batch([first], staff)
    client.force_login(center_staff)
    with django_assert_max_num_queries(60) as one:
        response = client.get(reverse("review_inbox:inbox"))
    page = response.content.decode()
    assert 'data-testid="city-total">80.0<' in page, page[page.find("city-total") :][:80]
    more = [recommended(staff, (7, 7, 7), panel)[0] for _ in range(3)]
    with time_machine.travel(ON_TIME, tick=False):
        send_batch(more, staff)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse("review_inbox:inbox") + "?state=province_review")
    assert response.content.decode().count('data-testid="inbox-row"') == 4


def test_per_city_overview_counts_the_round(client, staff, center_staff):
    first, _second, _batch = sent_pair(staff)
    rows = {r.agency.code: r for r in city_overview(first.round)}
    guangzhou = rows[staff.agency.code]
    assert (guangzhou.received, guangzhou.verified, guangzhou.recommended, guangzhou.sent) == (
        2,
        2,
        2,
        2,
    )
    assert guangzhou.deadline_met is True
    client.force_login(center_staff)
    page = client.get(reverse("province:overview")).content.decode()
    assert staff.agency.name in page and "按期" in page
    client.force_login(staff)
    assert client.get(reverse("province:overview")).status_code == 403


def _province_panel(case, center_staff):
    panel = Panel.objects.create(
        agency=center_staff.agency,
        round=case.round,
        stage=Stage.PROVINCE_SELECTION,
        name="省级遴选评审组",
    )
    experts = [UserFactory(role=Role.EXPERT) for _ in range(3)]
    panel.assignments.create(application=case)
    for expert in experts:
        PanelMember.objects.create(panel=panel, expert=expert)
        Scoresheet.objects.create(
            panel=panel,
            application=case,
            expert=expert,
            status="submitted",
            scores=dict.fromkeys(ITEM_CODES, 5),
        )
    return panel


def test_province_stage_scores_and_decision_leave_the_city_record_alone(staff, center_staff):
    case, _panel = recommended(staff)
    with time_machine.travel(ON_TIME, tick=False):
        send_batch([case], staff)
    case.refresh_from_db()
    city_before = ReviewStage.objects.get(application=case, stage=Stage.CITY_ASSESSMENT)
    city_rank_before = ranked(staff.agency, case.round)[0].aggregate.total
    _province_panel(case, center_staff)
    workflow.perform(case, "reject", center_staff, decision_reason="省级评审意见", reason="未入选")
    city_after = ReviewStage.objects.get(application=case, stage=Stage.CITY_ASSESSMENT)
    assert (city_after.recommended, city_after.reason) == (True, city_before.reason)
    assert ranked(staff.agency, case.round)[0].aggregate.total == city_rank_before
    province = ReviewStage.objects.get(application=case, stage=Stage.PROVINCE_SELECTION)
    assert (province.recommended, province.reason) == (False, "省级评审意见")
    sections = {s.record.stage: s for s in stage_sections(case)}
    assert str(sections[Stage.CITY_ASSESSMENT].aggregate.total) == "80.00"
    assert str(sections[Stage.PROVINCE_SELECTION].aggregate.total) == "50.00"
    assert sections[Stage.PROVINCE_SELECTION].is_current
    assert not sections[Stage.CITY_ASSESSMENT].is_current


def test_recommend_requires_the_decision_reason(staff):
    panel, experts = panel_with_experts(staff)
    case = assessed(staff, panel, experts, [8, 8, 8])
    events = AuditEvent.objects.count()
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.perform(case, "recommend", staff, reason=" ")
    assert refused.value.refusals[0].clause == "N-4.1.2"
    assert "请填写推荐意见的理由" in refused.value.refusals[0].message
    case.refresh_from_db()
    assert case.state == State.CITY_ASSESSED and AuditEvent.objects.count() == events
    assert not ReviewStage.objects.filter(application=case).exclude(recommended=None).exists()


def test_a_decision_is_revised_with_a_reason_until_sent(staff):
    case, _panel = recommended(staff)
    with time_machine.travel(ON_TIME, tick=False):
        with pytest.raises(workflow.TransitionRefused):
            workflow.perform(case, "revise_decision", staff)  # a reason is required
        case = workflow.perform(case, "revise_decision", staff, reason="复核后改为不推荐")
    assert case.state == State.CITY_ASSESSED
    case = workflow.perform(case, "not_recommend", staff, reason="复核：场地不足")
    assert case.state == State.NOT_RECOMMENDED
    assert AuditEvent.objects.filter(action="decision_revised").exists()
    event = AuditEvent.objects.get(action="revise_decision")
    assert event.data["reason"] == "复核后改为不推荐"


def test_quota_ignores_withdrawn_cases(staff):
    first, panel = recommended(staff)
    first.round.recommendation_quota = 1
    first.round.save()
    second = assessed(staff, *panel, [7, 7, 7])
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.perform(second, "recommend", staff, reason="优")
    assert "名额" in refused.value.refusals[0].message
    record = ReviewStage.objects.get(application=second)
    assert record.recommended is None and record.decided_by is None
    workflow.perform(first, "withdraw", applicant_of(first), reason="不再申请")
    assert workflow.perform(second, "recommend", staff, reason="优").state == State.RECOMMENDED


@pytest.mark.django_db(transaction=True)
def test_two_staff_recommending_past_the_quota_at_once_one_is_refused():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises every writer anyway")
    staff = CityStaffFactory()
    panel = panel_with_experts(staff)
    cases = [assessed(staff, *panel, [8, 8, 8]) for _ in range(2)]
    cases[0].round.recommendation_quota = 1
    cases[0].round.save()
    colleague = CityStaffFactory(agency=staff.agency)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def recommend(case, user):
        try:
            barrier.wait()
            workflow.perform(case, "recommend", user, reason="优")
            outcomes.append("ok")
        except workflow.TransitionRefused as refused:
            outcomes.append(refused.refusals[0].message)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=recommend, args=(case, user))
        for case, user in zip(cases, (staff, colleague), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes)[0] == "ok" and "名额" in sorted(outcomes)[1], outcomes
    assert ReviewStage.objects.filter(application__state=State.RECOMMENDED).count() == 1


def test_the_center_filters_on_city_score_and_rank(client, staff, center_staff):
    high, panel = recommended(staff, (9, 9, 9))
    low, _ = recommended(staff, (6, 6, 6), panel)
    with time_machine.travel(ON_TIME, tick=False):
        send_batch([high, low], staff)
    client.force_login(center_staff)
    inbox = reverse("review_inbox:inbox")

    def rows(query):
        page = client.get(inbox + query).content.decode()
        return {pk for pk in (high.pk, low.pk) if f'data-pk="{pk}"' in page}

    assert rows("") == {high.pk, low.pk}
    assert rows("?min_city_total=80") == {high.pk}
    assert rows("?max_city_rank=1") == {high.pk}
    assert rows(f"?agency={staff.agency.pk}") == {high.pk, low.pk}
    assert rows("?min_city_total=abc") == {high.pk, low.pk}  # an invalid filter is ignored


def test_the_overview_leaves_withdrawn_cases_out_and_defaults_to_the_current_round(
    client, staff, center_staff
):
    first, _second, _batch = sent_pair(staff)
    withdrawn = build_application(InstitutionFactory(), round_code=first.round.code)
    with time_machine.travel(datetime(2023, 5, 10, tzinfo=SH), tick=False):
        withdrawn = workflow.perform(withdrawn, "submit", applicant_of(withdrawn))
        workflow.perform(withdrawn, "withdraw", applicant_of(withdrawn), reason="不再申报")
    rows = {r.agency.code: r for r in city_overview(first.round)}
    assert rows[staff.agency.code].received == 2
    # The portal's current round is the default, not a round simulated later (a higher id).
    current = first.round.copy(code="gd-2024", name="2024年批次", year=2024, shift_days=365)
    simulated = first.round.copy(code="sim-2022", name="模拟批次", year=2022, shift_days=-400)
    for round_ in (current, simulated):
        build_application(InstitutionFactory(), round_code=round_.code)
    client.force_login(center_staff)
    assert client.get(reverse("province:overview")).context["round"] == current
