"""Headless Chromium, issue 20 item 4 (N-4.2): question banks reviewed by experts.

The center assigns two experts to a submitted line's review (a conflicted third cannot be
assigned); both find the work on their home page and submit their sheets; the center fails the
bank with comments per deliverable; the organization reads them on its line page (the
occupation and level, no expert's name) and resubmits; the center assigns the experts again,
they review, and the center passes the bank.

Setup in Python: the case in cultivation with its letter signed and its five deliverables
present (the uploads and their checks are test_cultivation_browser's), submitted once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from evalorg.accounts.models import Role, User
from evalorg.applications.models import ApplicationOccupation
from evalorg.applications.workflow import perform
from evalorg.core import clock
from evalorg.cultivation.commitment import sign
from evalorg.review.models import ExpertProfile
from tests.applications.conftest import applicant_of
from tests.browser.login import login
from tests.cultivation.conftest import FINDINGS, cultivating, ready_deliverables
from tests.factories import PASSWORD, InstitutionFactory, UserFactory
from tests.filing.conftest import province_staff

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
Line = ApplicationOccupation.Status


def submitted_line() -> ApplicationOccupation:
    case = cultivating(
        InstitutionFactory(name="广州焊接培训学校", legal_rep_name="张 三"),
        starts_on=clock.today() - timedelta(days=60),
    )
    sign(case, applicant_of(case), "张三", None)
    line = case.occupations.get(level=5)
    ready_deliverables(line)
    return perform(line, "submit_bank", applicant_of(case))


def assign(page: Page, expert: User) -> None:
    form = page.locator("[data-testid=assign-form]")
    form.locator("select[name=expert]").select_option(str(expert.pk))
    form.locator("button[type=submit]").click()


def review(page: Page, base: str, expert: User, recommendation: str, theory: str) -> None:
    """The expert finds the review on its home page's to-do list and submits its sheet."""
    login(page, base, expert.username, PASSWORD)
    page.locator("[data-testid=todo-list] a", has_text="广州焊接培训学校").first.click()
    expect(page.locator("h1")).to_contain_text("题库评审意见表")
    expect(page.locator("[data-testid=deliverables]")).to_contain_text("评分标准")
    sheet = page.locator("[data-testid=review-sheet]")
    for kind, text in (FINDINGS | {"theory": theory}).items():
        sheet.locator(f"textarea[name={kind}]").fill(text)
    sheet.locator("select[name=recommendation]").select_option(recommendation)
    sheet.locator("button[value=submit]").click()
    page.click("[data-testid=confirm-yes]")  # asked by the server once the sheet is read
    expect(page.locator(".alert-success")).to_contain_text("评审意见已提交")


def decide(page: Page, base: str, center: User, line, verdict: str, theory: str = "") -> None:
    login(page, base, center.username, PASSWORD)
    page.goto(f"{base}/cultivation/lines/{line.pk}/review/")
    form = page.locator("[data-testid=decision-form]")
    form.locator("#id_reason").fill("请按各项意见修改。" if verdict == "fail" else "题库合格。")
    if theory:
        form.locator("#id_comment_theory").fill(theory)
    form.locator(f"button[value={verdict}]").click()
    page.click("[data-testid=confirm-yes]")
    expect(page.locator(".alert-success")).to_contain_text("已记录审核结果")


def test_experts_review_the_bank_the_center_fails_then_passes_it(live_server, page: Page):
    base = live_server.url
    line = submitted_line()
    applicant = applicant_of(line.application)
    center = province_staff()
    first = UserFactory(role=Role.EXPERT, full_name="王评审")
    second = UserFactory(role=Role.EXPERT, full_name="李评审")
    conflicted = UserFactory(role=Role.EXPERT, full_name="赵同单位")
    ExpertProfile.objects.create(user=conflicted, employer_uscc=line.application.institution.uscc)

    # The center assigns: the conflicted expert is refused with the rule, the others taken.
    login(page, base, center.username, PASSWORD)
    page.goto(f"{base}/cultivation/lines/{line.pk}/review/")
    assign(page, conflicted)
    errors = page.locator("[data-testid=assign-errors]")
    expect(errors).to_contain_text("应当回避")
    expect(errors).to_contain_text("N-4.1.2")
    assign(page, first)
    expect(page.locator(".alert-success")).to_contain_text("已指派评审专家")
    assign(page, second)
    reviewers = page.locator("[data-testid=bank-reviewers]")
    expect(reviewers).to_contain_text("王评审")
    expect(reviewers).to_contain_text("李评审")
    rows = page.locator("[data-testid=bank-reviewers] tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="赵同单位")).to_have_count(0)

    # Both experts review; the center fails the bank with comments per deliverable.
    review(page, base, first, "fail", "单选题重复率过高")
    review(page, base, second, "fail", "判断题比例偏低")
    decide(page, base, center, line, "fail", theory="单选题重复率过高，判断题比例偏低。")

    # The organization reads the comments per deliverable, with no expert's name, resubmits.
    login(page, base, applicant.username, PASSWORD)
    page.goto(f"{base}/cultivation/lines/{line.pk}/")
    decision = page.locator("[data-testid=bank-decision]")
    expect(decision).to_contain_text("题库审核未通过")
    expect(decision).to_contain_text("焊工（五级")
    theory_row = decision.locator("tr", has_text="理论知识试题")
    expect(theory_row).to_contain_text("单选题重复率过高，判断题比例偏低。")
    for name in ("王评审", "李评审"):
        expect(page.locator("main")).not_to_contain_text(name)
    page.screenshot(path="var/screenshot-bank-decision.png", full_page=True)
    page.locator("[data-testid=submit-form] button").click()  # the browser dialog asks
    expect(page.locator(".alert-success")).to_contain_text("题库已提交审核")

    # A new round: the earlier sheets are not counted, the experts are assigned again.
    login(page, base, center.username, PASSWORD)
    page.goto(f"{base}/cultivation/lines/{line.pk}/review/")
    expect(page.locator("[data-testid=bank-reviewers]")).to_contain_text("尚未指派评审专家")
    assign(page, first)
    assign(page, second)
    review(page, base, first, "pass", "已按意见修改")
    review(page, base, second, "pass", "比例符合要求")
    decide(page, base, center, line, "pass")
    line.refresh_from_db()
    assert line.status == Line.BANK_PASSED

    login(page, base, applicant.username, PASSWORD)
    page.goto(f"{base}/cultivation/lines/{line.pk}/")
    expect(page.locator("[data-testid=bank-decision]")).to_contain_text("题库审核通过")
