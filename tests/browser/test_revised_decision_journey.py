"""Headless Chromium, issue 19's acceptance: a city's 不推荐 revised to 推荐 reaches the applicant.

From the city staff's home page, by links and buttons only: the to-do list leads to the ranking,
where the staff confirm the experts' assessment and record 不推荐 (N-4.1.2); the case's name
leads to its page, where the decision is revised (修改推荐意见, with a reason); the to-do list
leads back to the ranking, where the staff record 推荐 and send the case to the province. The
applicant's messages end with the revised decision: the last message about the decision says
推荐 and is marked as revised.

Setup in Python (before the journey): the reference and demo data, a case of the demo round
verified by 广州 and scored by three experts of its panel."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from evalorg.accounts.models import User
from evalorg.applications import workflow
from evalorg.applications.models import Application, State
from evalorg.notify.models import Message
from evalorg.review.models import Panel, PanelMember, Stage
from tests.applications.conftest import applicant_of, build_application
from tests.browser.login import login
from tests.browser.navigation import nav_link
from tests.factories import PASSWORD, InstitutionFactory
from tests.review.conftest import pass_checklist, score

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
DEMO_PASSWORD = "Demo-Pass-2026"


def scored_case(staff: User) -> Application:
    """A case of the demo round, received and verified by 广州, with three submitted sheets."""
    round_ = Application.objects.get(institution__uscc="91440101MA5CXY0010").round
    panel = Panel.objects.create(
        agency=staff.agency, round=round_, stage=Stage.CITY_ASSESSMENT, name="广州评审组"
    )
    experts = list(User.objects.filter(username__in=["expert1", "expert2", "expert3"]))
    for expert in experts:
        PanelMember.objects.get_or_create(panel=panel, expert=expert)
    case = build_application(InstitutionFactory(), round_code=round_.code)
    case = workflow.perform(case, "submit", applicant_of(case))
    pass_checklist(case, staff)
    case = workflow.perform(case, "verify", staff)
    score(panel, case, experts, [8, 8, 8])
    return case


def home(page: Page, base: str) -> None:
    page.goto(f"{base}/")
    expect(page.locator("[data-testid=todo-list]")).to_be_visible()


def to_the_ranking(page: Page, base: str, name: str) -> None:
    """From the home page's to-do item of the case to the ranking page."""
    home(page, base)
    page.locator("[data-testid=todo-item]", has_text=name).locator("a").click()
    expect(page.locator("h1")).to_contain_text("评估排名与推荐")


def decide(page: Page, case: Application, decision: str, reason: str) -> None:
    row = page.locator(f"[data-testid=ranking] tr[data-application='{case.pk}']")
    row.locator("select[name=decision]").select_option(decision)
    row.locator("textarea[name=reason]").fill(reason)
    row.locator(f"[data-testid=decide-{case.pk}]").click()
    page.click("[data-testid=confirm-yes]")  # asked by the server once the reason is checked
    expect(page.locator(".alert-success")).to_contain_text("已记录推荐意见")


def test_a_not_recommended_case_revised_to_recommended_reaches_the_applicant(
    live_server, page: Page
):
    call_command("load_reference_data", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())
    base = live_server.url
    staff = User.objects.get(username="gz_staff")
    case = scored_case(staff)
    name = case.institution.name

    # The city confirms the assessment complete and records 不推荐, from its to-do list.
    login(page, base, "gz_staff", DEMO_PASSWORD)
    to_the_ranking(page, base, name)
    page.click(f"[data-testid=complete-{case.pk}]")
    expect(page.locator(".alert-success")).to_contain_text("已确认专家评估完成")
    decide(page, case, "not_recommend", "评价场地不足，暂不推荐。")
    assert Application.objects.get(pk=case.pk).state == State.NOT_RECOMMENDED

    # On review the staff revise the decision on the case's page, reached from the ranking.
    page.click(f"[data-testid=case-{case.pk}]")
    revise = page.locator("form:has([data-action=revise_decision])")
    revise.locator("textarea[name=reason]").fill("复核：已补充租赁场地证明，改为推荐。")
    revise.locator("[data-action=revise_decision]").click()
    expect(page.locator("[data-testid=state]")).to_have_text(str(State.CITY_ASSESSED.label))

    # The case is waiting for a decision again: the to-do list leads to the ranking.
    to_the_ranking(page, base, name)
    decide(page, case, "recommend", "产业代表性突出，场地已落实。")
    page.click("[data-testid=send]")  # asks in a dialog, accepted by the fixture
    expect(page.locator(".alert-success")).to_contain_text("报送")
    assert Application.objects.get(pk=case.pk).state == State.PROVINCE_REVIEW

    # The applicant's messages, newest first: the last about the decision is the revised 推荐.
    applicant = applicant_of(case)
    login(page, base, applicant.username, PASSWORD)
    home(page, base)
    nav_link(page, "消息").click()
    subjects = page.locator("[data-testid=message-list] td a").all_inner_texts()
    about_the_decision = [s for s in subjects if "推荐" in s]
    assert about_the_decision[0].startswith("备案申请已获推荐"), subjects
    assert "修改后的推荐意见" in about_the_decision[0]
    assert about_the_decision[1].startswith("备案申请未获推荐"), subjects
    assert subjects[0].startswith("备案申请已报送省级评审"), subjects
    page.locator("[data-testid=message-list] td a", has_text="备案申请已获推荐").click()
    expect(page.locator("main")).to_contain_text("获得推荐（修改后的推荐意见，以此为准）")
    told = Message.objects.filter(recipient=applicant, subject__contains="推荐")
    assert told.count() == 2  # each decision told once, the revision itself internal
