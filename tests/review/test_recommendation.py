"""Ranking, recommendation, sending to the province before the city deadline (N-4.1.2)."""

from datetime import date, datetime

import pytest
import time_machine
from django.urls import reverse

from evalorg.applications import workflow
from evalorg.applications.models import State
from evalorg.core.models import AuditEvent
from evalorg.notify.models import OutboundEmail
from evalorg.review.models import DeadlineExtension, ReviewStage, Stage
from evalorg.review.services import ranked
from tests.applications.conftest import SH
from tests.factories import CityStaffFactory, UserFactory, city_agency

from .conftest import assessed, panel_with_experts, score, verified

pytestmark = pytest.mark.django_db
ON_TIME = datetime(2023, 5, 24, 10, 0, tzinfo=SH)


@pytest.fixture
def staff():
    return CityStaffFactory()


@pytest.fixture
def panel(staff):
    return panel_with_experts(staff)


def test_score_complete_needs_an_assignment_and_every_sheet(staff, panel):
    panel_obj, experts = panel
    application = verified(staff)
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.perform(application, "score_complete", staff)
    assert "尚未分配" in refused.value.refusals[0].message
    score(panel_obj, application, experts[:2], [8, 8])
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.perform(application, "score_complete", staff)
    assert [r.clause for r in refused.value.refusals] == ["N-4.1.2"]
    assert str(experts[2]) in refused.value.refusals[0].message


def test_ranking_orders_by_total(staff, panel):
    panel_obj, experts = panel
    low = assessed(staff, panel_obj, experts, [6, 6, 6])
    high = assessed(staff, panel_obj, experts, [9, 8, 8])
    rows = ranked(staff.agency, low.round)
    assert [r.application.pk for r in rows] == [high.pk, low.pk]
    assert str(rows[0].aggregate.total) == "83.33"


def test_ranking_page_queries_do_not_grow(client, staff, panel, django_assert_max_num_queries):
    panel_obj, experts = panel
    assessed(staff, panel_obj, experts, [7, 7, 7])
    client.force_login(staff)
    with django_assert_max_num_queries(60) as first:
        client.get(reverse("review:ranking"))
    for _ in range(4):
        assessed(staff, panel_obj, experts, [8, 7, 6])
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get(reverse("review:ranking"))
    assert response.content.decode().count('data-application="') == 5


def test_ranking_rows_keep_their_markup(client, staff, panel):
    """Issue 12: the rows are built in Python (views_staff.ROW_HTML); what the template showed
    is kept: escaped names and reasons, the decision form with its CSRF field and URL, the
    figures with one decimal, the dispersion badge, the decision of a decided case."""
    panel_obj, experts = panel
    open_case = assessed(staff, panel_obj, experts, [10, 9, 2])
    open_case.institution.name = "<b>甲&乙</b>"
    open_case.institution.save()
    decided = assessed(staff, panel_obj, experts, [8, 8, 8])
    client.force_login(staff)
    client.post(
        reverse("review:decide", args=[decided.pk]),
        {"decision": "not_recommend", "reason": "场地<不足>", "confirm": "yes"},
    )
    body = client.get(reverse("review:ranking")).content.decode()
    row = body[body.index(f'<tr data-application="{open_case.pk}" id="row-{open_case.pk}">') :]
    row = row[: row.index("</tr>")]
    assert "<td>2</td>" in row and "&lt;b&gt;甲&amp;乙&lt;/b&gt;" in row
    assert f'<div class="small text-muted">{open_case.acknowledgement_no}</div>' in row
    assert "<td><strong>70.0</strong> " in row and 'title="专家总分极差 80.0">评分离散' in row
    action = reverse("review:decide", args=[open_case.pk])
    assert f'<form method="post" action="{action}" class="d-flex flex-column gap-1">' in row
    assert '<input type="hidden" name="csrfmiddlewaretoken" value="' in row
    assert f'data-testid="decide-{open_case.pk}"' in row and 'name="confirm" value=""' in row
    row = body[body.index(f'<tr data-application="{decided.pk}" id="row-{decided.pk}">') :]
    row = row[: row.index("</tr>")]
    assert "<td>1</td>" in row and "<td><strong>80.0</strong></td>" in row
    assert "<td>32.0</td>" in row and "<td>未推荐</td>" in row
    case_page = reverse("applications:detail", args=[decided.pk])
    assert f'<a href="{case_page}" data-testid="case-{decided.pk}">' in row
    # Issue 22: after 不推荐 the row still offers the decision form (revised until sent).
    assert "\n  不推荐：场地&lt;不足&gt;<details" in row
    assert f'data-testid="revise-{decided.pk}">修改决定</summary>' in row
    action = reverse("review:decide", args=[decided.pk])
    assert f'<form method="post" action="{action}"' in row
    assert f'data-testid="redecide-{decided.pk}"' in row


def test_decision_needs_reason_and_records_recommendation(client, staff, panel):
    panel_obj, experts = panel
    case = assessed(staff, panel_obj, experts, [8, 8, 8])
    client.force_login(staff)
    client.post(
        reverse("review:decide", args=[case.pk]), {"decision": "recommend", "confirm": "yes"}
    )
    case.refresh_from_db()
    assert case.state == State.CITY_ASSESSED
    assert not ReviewStage.objects.filter(recommended__isnull=False).exists()
    client.post(
        reverse("review:decide", args=[case.pk]),
        {"decision": "recommend", "reason": "产业代表性突出", "confirm": "yes"},
    )
    case.refresh_from_db()
    assert case.state == State.RECOMMENDED
    decision = ReviewStage.objects.get(stage=Stage.CITY_ASSESSMENT)
    assert decision.recommended and decision.reason == "产业代表性突出"
    assert decision.rank == 1 and str(decision.total) == "80.00"


def test_not_recommended_applicant_is_told_with_reason(client, staff, panel):
    panel_obj, experts = panel
    case = assessed(staff, panel_obj, experts, [5, 5, 5])
    client.force_login(staff)
    client.post(
        reverse("review:decide", args=[case.pk]),
        {"decision": "not_recommend", "reason": "评价场地不足", "confirm": "yes"},
    )
    case.refresh_from_db()
    assert case.state == State.NOT_RECOMMENDED
    assert "评价场地不足" in OutboundEmail.objects.filter(subject__contains="未获推荐").get().body


def test_quota_is_enforced(client, staff, panel):
    panel_obj, experts = panel
    first = assessed(staff, panel_obj, experts, [9, 9, 9])
    second = assessed(staff, panel_obj, experts, [8, 8, 8])
    first.round.recommendation_quota = 1
    first.round.save()
    client.force_login(staff)
    for case in (first, second):
        client.post(
            reverse("review:decide", args=[case.pk]),
            {"decision": "recommend", "reason": "优", "confirm": "yes"},
        )
    second.refresh_from_db()
    assert second.state == State.CITY_ASSESSED


def _recommended(client, staff, panel):
    panel_obj, experts = panel
    case = assessed(staff, panel_obj, experts, [8, 8, 8])
    client.force_login(staff)
    client.post(
        reverse("review:decide", args=[case.pk]),
        {"decision": "recommend", "reason": "优", "confirm": "yes"},
    )
    return case


def test_send_to_province_before_city_deadline(client, staff, panel):
    case = _recommended(client, staff, panel)
    with time_machine.travel(ON_TIME, tick=False):
        client.post(reverse("review:send"), {"round": case.round_id, "confirm": "yes"})
    case.refresh_from_db()
    assert case.state == State.PROVINCE_REVIEW
    assert ReviewStage.objects.get(stage=Stage.CITY_ASSESSMENT).sent_at is not None


def test_send_after_city_deadline_is_refused_until_center_reopens(client, staff, panel):
    case = _recommended(client, staff, panel)
    late = datetime(2023, 5, 26, 9, 0, tzinfo=SH)
    with time_machine.travel(late, tick=False):
        response = client.post(
            reverse("review:send"), {"round": case.round_id, "confirm": "yes"}, follow=True
        )
    assert "N-4.1.2" in response.content.decode()
    case.refresh_from_db()
    assert case.state == State.RECOMMENDED
    center = UserFactory(
        role="province_staff", agency=city_agency("440100").__class__.objects.get(kind="province")
    )
    client.force_login(center)
    client.post(
        reverse("review:extend"),
        {
            "agency": staff.agency.pk,
            "round": case.round_id,
            "until": "2023-05-31",
            "reason": "系统故障补报",
        },
    )
    assert DeadlineExtension.objects.get().until == date(2023, 5, 31)
    assert AuditEvent.objects.filter(action="deadline_extended").exists()
    client.force_login(staff)
    with time_machine.travel(late, tick=False):
        client.post(reverse("review:send"), {"round": case.round_id, "confirm": "yes"})
    case.refresh_from_db()
    assert case.state == State.PROVINCE_REVIEW


def test_only_province_center_may_reopen(client, staff):
    client.force_login(staff)
    assert client.get(reverse("review:extend")).status_code == 403


def test_other_city_cannot_decide(client, staff, panel):
    panel_obj, experts = panel
    case = assessed(staff, panel_obj, experts, [8, 8, 8])
    client.force_login(CityStaffFactory(agency=city_agency("440300")))
    response = client.post(
        reverse("review:decide", args=[case.pk]),
        {"decision": "recommend", "reason": "x", "confirm": "yes"},
    )
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.state == State.CITY_ASSESSED


def test_applicant_and_expert_cannot_open_ranking(client, panel):
    _, experts = panel
    client.force_login(experts[0])
    assert client.get(reverse("review:ranking")).status_code == 403


def test_sheet_of_a_conflicted_expert_does_not_count(staff, panel):
    from evalorg.review.conflicts import declare

    panel_obj, experts = panel
    case = assessed(staff, panel_obj, experts, [9, 6, 6])
    declare(panel_obj, case, experts[0], "consultant", "担任顾问")
    row = ranked(staff.agency, case.round)[0]
    assert row.aggregate.count == 2 and str(row.aggregate.total) == "60.00"


def test_conflicted_or_unchosen_expert_cannot_read_materials(client, staff, panel):
    from evalorg.review.conflicts import declare
    from evalorg.review.models import Assignment

    panel_obj, experts = panel
    case = verified(staff)
    assignment = Assignment.objects.create(panel=panel_obj, application=case)
    assignment.experts.set(experts[:2])  # experts[2] sits on the panel but was not chosen
    declare(panel_obj, case, experts[1], "relative")
    url = reverse("applications:material_download", args=[case.pk, case.materials.first().pk])
    statuses = []
    for expert in experts:
        client.force_login(expert)
        statuses.append(client.get(url).status_code)
    assert statuses == [200, 404, 404]


# ---- issue 18 item 4: the city's decision is checked before it is confirmed ---------------


def test_decision_without_reason_is_refused_without_asking(client, staff, panel):
    panel_obj, experts = panel
    case = assessed(staff, panel_obj, experts, [8, 8, 8])
    client.force_login(staff)
    response = client.post(reverse("review:decide", args=[case.pk]), {"decision": "recommend"})
    assert response.status_code == 302  # back to the ranking with the form's error
    page = client.get(response.url).content.decode()
    assert "confirm-page" not in page and "理由" in page
    case.refresh_from_db()
    assert case.state == State.CITY_ASSESSED


def test_decision_over_quota_is_refused_without_asking(client, staff, panel):
    panel_obj, experts = panel
    first = assessed(staff, panel_obj, experts, [9, 9, 9])
    second = assessed(staff, panel_obj, experts, [8, 8, 8])
    first.round.recommendation_quota = 1
    first.round.save()
    client.force_login(staff)
    url = reverse("review:decide", args=[first.pk])
    client.post(url, {"decision": "recommend", "reason": "优", "confirm": "yes"})
    response = client.post(
        reverse("review:decide", args=[second.pk]), {"decision": "recommend", "reason": "优"}
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.state == State.CITY_ASSESSED


def test_valid_decision_asks_on_the_server_then_is_done(client, staff, panel):
    panel_obj, experts = panel
    case = assessed(staff, panel_obj, experts, [8, 8, 8])
    client.force_login(staff)
    ranking = client.get(reverse("review:ranking")).content.decode()
    assert f'data-testid="decide-{case.pk}" data-confirm' not in ranking  # no early dialog
    data = {"decision": "recommend", "reason": "产业代表性突出"}
    asked = client.post(reverse("review:decide", args=[case.pk]), data)
    assert asked.status_code == 409
    assert "确定推荐该申请吗" in asked.content.decode()
    case.refresh_from_db()
    assert case.state == State.CITY_ASSESSED
    done = client.post(reverse("review:decide", args=[case.pk]), {**data, "confirm": "yes"})
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.state == State.RECOMMENDED
