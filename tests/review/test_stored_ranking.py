"""The rankings at a province's scale (issue 24): stored scores, pages of 50 in a stable order,
global positions under filters, decision POSTs that cost the same whatever the ranking's size,
the revise form on a decided row (issue 22), and the streamed export."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from evalorg.applications import workflow
from evalorg.applications.models import Application, State
from evalorg.core.models import AuditEvent
from evalorg.review import ranking as ranking_module
from evalorg.review import services
from evalorg.review.models import ReviewStage, Stage
from evalorg.review.ranking import PER_PAGE, ranking
from evalorg.review.services import stage_aggregates as aggregates
from evalorg.rounds.models import Round
from tests.applications.conftest import SH
from tests.factories import CityStaffFactory, InstitutionFactory

from .conftest import assessed, panel_with_experts

pytestmark = pytest.mark.django_db
SUBMITTED = datetime(2023, 5, 10, 9, 0, tzinfo=SH)
ON_TIME = datetime(2023, 5, 24, 10, 0, tzinfo=SH)  # before the city's sending deadline
NUMBERS = itertools.count(1)


@pytest.fixture
def staff():
    return CityStaffFactory()


def stored_cases(staff, totals: list[str], state: str = State.CITY_ASSESSED) -> list[Application]:
    """Cases with their stage record's stored scores as given (fixture rows, as after
    ``refresh_rankings``): same professionalism and submission time, so equal totals tie."""
    round_ = Round.objects.get(code="gd-2023")
    institutions = InstitutionFactory.create_batch(len(totals))
    cases = Application.objects.bulk_create(
        Application(
            round=round_,
            institution=institution,
            receiving_agency=staff.agency,
            state=state,
            submitted_at=SUBMITTED,
            acknowledgement_no=f"2023-4401-T{next(NUMBERS):05d}",
        )
        for institution in institutions
    )
    ReviewStage.objects.bulk_create(
        ReviewStage(
            application=case,
            stage=Stage.CITY_ASSESSMENT,
            agency=staff.agency,
            opened_at=SUBMITTED,
            score_total=Decimal(total),
            score_professionalism=Decimal("30"),
            score_industry=Decimal("30"),
            score_authority=Decimal(total) - 60,
            score_count=3,
            score_method="mean",
            score_spread=Decimal(0),
        )
        for case, total in zip(cases, totals, strict=True)
    )
    return cases


def shown_ids(body: str) -> list[int]:
    return [int(part.split('"', 1)[0]) for part in body.split('data-application="')[1:]]


def shown_positions(body: str) -> list[str]:
    return [part.split("<td>", 1)[1].split("</td>", 1)[0] for part in body.split('id="row-')[1:]]


def test_pages_of_tied_cases_show_every_case_once_in_a_stable_order(client, staff):
    """Equal total, professionalism and submission time: the case id decides, so pages neither
    repeat nor skip a case, and the positions run on from page to page."""
    cases = stored_cases(staff, ["80.00", "90.00", "80.00"] * 40)  # 120 cases, 80 tied
    client.force_login(staff)
    seen, positions = [], []
    for page in (1, 2, 3):
        body = client.get(reverse("review:ranking"), {"page": page}).content.decode()
        seen += shown_ids(body)
        positions += shown_positions(body)
    high = sorted(c.pk for n, c in enumerate(cases) if n % 3 == 1)
    low = sorted(c.pk for n, c in enumerate(cases) if n % 3 != 1)
    assert seen == high + low
    assert positions == [str(n) for n in range(1, 121)]


def test_a_filtered_page_shows_the_positions_in_the_whole_ranking(client, staff):
    decided = stored_cases(staff, ["95.00"], state=State.NOT_RECOMMENDED)
    awaiting = stored_cases(staff, ["90.00", "85.00"])
    client.force_login(staff)
    body = client.get(reverse("review:ranking"), {"show": "awaiting"}).content.decode()
    assert shown_ids(body) == [a.pk for a in awaiting]
    assert shown_positions(body) == ["2", "3"]
    assert decided[0].pk not in shown_ids(body)


def test_ranking_page_queries_stay_constant_past_one_page(
    client, staff, django_assert_max_num_queries
):
    stored_cases(staff, ["80.00"])
    client.force_login(staff)
    with django_assert_max_num_queries(60) as one:
        client.get(reverse("review:ranking"))
    stored_cases(staff, ["70.00", "75.00"] * 60)
    with django_assert_max_num_queries(len(one.captured_queries)):
        body = client.get(reverse("review:ranking"), {"page": 2}).content.decode()
    assert len(shown_ids(body)) == PER_PAGE


def test_the_decision_post_costs_the_same_queries_whatever_the_ranking_size(
    client, staff, django_assert_max_num_queries, monkeypatch
):
    panel, experts = panel_with_experts(staff)
    first = assessed(staff, panel, experts, [8, 8, 8])
    second = assessed(staff, panel, experts, [7, 7, 7])
    client.force_login(staff)
    data = {"decision": "not_recommend", "reason": "场地不足", "confirm": "yes"}
    with django_assert_max_num_queries(200) as small:
        client.post(reverse("review:decide", args=[first.pk]), data)
    stored_cases(staff, ["70.00", "90.00"] * 100)
    scored = []  # how many cases each aggregation of the POST scored: its own only

    def spy(agency, round_, stage, applications, **kwargs):
        scored.append(len(applications))
        return aggregates(agency, round_, stage, applications, **kwargs)

    for module in (services, ranking_module):
        monkeypatch.setattr(module, "stage_aggregates", spy)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.post(reverse("review:decide", args=[second.pk]), data)
    assert scored and set(scored) == {1}
    record = ReviewStage.objects.get(application=second, stage=Stage.CITY_ASSESSMENT)
    # Its place among the 202 ranked: 100 at 90, the first case at 80, 100 at 70 whose
    # 评价专业性 (30) is above its own (28).
    assert record.rank == 202 and record.total == Decimal("70.00")


def test_the_decision_post_returns_to_its_page_filter_and_row(client, staff):
    panel, experts = panel_with_experts(staff)
    case = assessed(staff, panel, experts, [8, 8, 8])
    client.force_login(staff)
    response = client.post(
        reverse("review:decide", args=[case.pk]),
        {
            "decision": "recommend",
            "reason": "同意",
            "confirm": "yes",
            "page": "3",
            "show": "awaiting",
            "round": str(case.round_id),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('review:ranking')}?round={case.round_id}&page=3&show=awaiting#row-{case.pk}"
    )


@time_machine.travel(ON_TIME, tick=False)
def test_a_not_recommended_row_revises_its_decision_in_one_post(client, staff):
    """Issue 22: after 不推荐 the row offers the form; revise_decision and the new decision are
    performed together and the applicant is told the revised decision."""
    panel, experts = panel_with_experts(staff)
    case = assessed(staff, panel, experts, [8, 8, 8])
    workflow.perform(case, "not_recommend", staff, reason="场地不足")
    client.force_login(staff)
    body = client.get(reverse("review:ranking")).content.decode()
    assert f'data-testid="redecide-{case.pk}"' in body
    client.post(
        reverse("review:decide", args=[case.pk]),
        {"decision": "recommend", "reason": "复核后场地满足", "confirm": "yes"},
    )
    case.refresh_from_db()
    assert case.state == State.RECOMMENDED
    record = ReviewStage.objects.get(application=case, stage=Stage.CITY_ASSESSMENT)
    assert record.recommended and record.reason == "复核后场地满足"
    actions = list(
        AuditEvent.objects.filter(object_id=str(case.pk)).values_list("action", flat=True)
    )
    assert "revise_decision" in actions and "decision_revised" in actions


@time_machine.travel(ON_TIME, tick=False)
def test_a_refused_new_decision_leaves_the_old_one(client, staff):
    panel, experts = panel_with_experts(staff)
    taken = assessed(staff, panel, experts, [9, 9, 9])
    case = assessed(staff, panel, experts, [8, 8, 8])
    Round.objects.filter(pk=case.round_id).update(recommendation_quota=1)
    workflow.perform(taken, "recommend", staff, reason="第一")
    workflow.perform(case, "not_recommend", staff, reason="名额已满")
    client.force_login(staff)
    client.post(
        reverse("review:decide", args=[case.pk]),
        {"decision": "recommend", "reason": "改为推荐", "confirm": "yes"},
    )
    case.refresh_from_db()
    assert case.state == State.NOT_RECOMMENDED  # the quota refused: revise rolled back too
    record = ReviewStage.objects.get(application=case, stage=Stage.CITY_ASSESSMENT)
    assert record.recommended is False and record.reason == "名额已满"


def test_submitting_and_reopening_a_sheet_moves_the_stored_score(staff):
    from evalorg.review.scoresheets import submit
    from tests.review.conftest import ITEM_CODES, verified

    panel, experts = panel_with_experts(staff)
    case = verified(staff)
    from evalorg.review.conflicts import declare
    from evalorg.review.models import Assignment

    Assignment.objects.create(panel=panel, application=case)
    key = {"panel": panel, "application": case}
    for expert, points in zip(experts, [9, 6, 6], strict=True):
        declare(panel, case, expert, "none")
        submit(
            key | {"expert": expert}, 0, dict.fromkeys(ITEM_CODES, points), {}, "recommend", expert
        )
    record = ReviewStage.objects.get(application=case, stage=Stage.CITY_ASSESSMENT)
    assert record.score_total == Decimal("70.00") and record.score_count == 3
    sheet = case.scoresheets.get(expert=experts[0])
    workflow.perform(sheet, "reopen_scoresheet", staff, reason="请复核")
    record.refresh_from_db()
    assert record.score_total == Decimal("60.00") and record.score_count == 2
    assert list(ranking(staff.agency, case.round, Stage.CITY_ASSESSMENT)) == [record]


def test_the_export_streams_the_whole_ranking_in_order(client, staff):
    cases = stored_cases(staff, ["70.00", "90.00", "80.00"] * 30)
    client.force_login(staff)
    response = client.get(reverse("review:ranking_export", args=["csv"]))
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][:3] == ["排名", "受理编号", "机构"] and len(lines) == 91
    assert [line[0] for line in lines[1:]] == [str(n) for n in range(1, 91)]
    by_no = {c.acknowledgement_no: n % 3 for n, c in enumerate(cases)}
    assert [by_no[line[1]] for line in lines[1:]] == [1] * 30 + [2] * 30 + [0] * 30
    xlsx = client.get(reverse("review:ranking_export", args=["xlsx"]))
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd")
