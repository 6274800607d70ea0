"""Headless Chromium: a city sends two recommended cases in one batch; the provincial center
sees them with the city's scores and the per-city overview; the city reads the receipt
(issue 7, the province's receiving side)."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from evalorg.accounts.models import User
from evalorg.applications import workflow
from evalorg.applications.materials import applicable_items
from evalorg.applications.models import Application, State
from evalorg.review.models import Panel, PanelMember, Stage, VerificationCheck
from evalorg.review.services import ranked, review_of
from tests.applications.conftest import applicant_of, build_application
from tests.browser.login import login
from tests.factories import InstitutionFactory
from tests.review.conftest import score

pytestmark = pytest.mark.django_db(transaction=True)
DEMO_PASSWORD = "Demo-Pass-2026"


def _login(page: Page, base: str, username: str) -> None:
    login(page, base, username, DEMO_PASSWORD)


def _recommended(round_code: str, staff: User, panel: Panel, experts, points: int):
    case = build_application(InstitutionFactory(), round_code=round_code)
    case = workflow.perform(case, "submit", applicant_of(case))
    review = review_of(case)
    for item in applicable_items(case):
        VerificationCheck.objects.create(
            review=review,
            item_code=item.code,
            present=True,
            complete=True,
            authentic=True,
            checked_by=staff,
        )
    case = workflow.perform(case, "verify", staff)
    score(panel, case, experts, [points] * len(experts))
    case = workflow.perform(case, "score_complete", staff)
    row = next(r for r in ranked(staff.agency, case.round) if r.application.pk == case.pk)
    return workflow.perform(
        case, "recommend", staff, reason="产业代表性突出", rank=row.rank, total=row.aggregate.total
    )


def test_city_sends_a_batch_and_the_center_receives_it(live_server, page: Page):
    call_command("load_reference_data", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())
    base = live_server.url
    staff = User.objects.get(username="gz_staff")
    round_ = Application.objects.get(institution__uscc="91440101MA5CXY0010").round
    round_code = round_.code
    panel = Panel.objects.create(
        agency=staff.agency,
        round=round_,
        stage=Stage.CITY_ASSESSMENT,
        name="广州评审组",
    )
    experts = list(User.objects.filter(username__in=["expert1", "expert2", "expert3"]))
    for expert in experts:
        PanelMember.objects.get_or_create(panel=panel, expert=expert)
    cases = [_recommended(round_code, staff, panel, experts, p) for p in (9, 7)]

    _login(page, base, "gz_staff")
    page.goto(f"{base}/review/ranking/")
    page.click("[data-testid=send]")
    expect(page.locator(".alert-success")).to_contain_text("报送 2 份")

    _login(page, base, "province_staff")
    page.goto(f"{base}/review/inbox/?state=province_review")
    rows = page.locator("[data-testid=inbox-row]")
    expect(rows).to_have_count(2)
    expect(page.locator(f"[data-pk='{cases[0].pk}'] [data-testid=city-total]")).to_have_text("90.0")
    page.click("text=各地市报送")
    guangzhou = page.locator(f"[data-testid=city-overview] tr[data-agency='{staff.agency.code}']")
    expect(guangzhou.locator("[data-testid=sent]")).to_have_text("2")
    page.goto(f"{base}/applications/{cases[0].pk}/")
    expect(page.locator("[data-testid=stage-city_assessment]")).to_contain_text("90.0")

    _login(page, base, "gz_staff")
    page.goto(f"{base}/messages/")
    expect(page.locator("main")).to_contain_text("已接收")
    for case in cases:
        case.refresh_from_db()
        assert case.state == State.PROVINCE_REVIEW
