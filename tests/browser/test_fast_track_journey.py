"""Headless Chromium, issue 19's acceptance: the work reaches the person who must act, from their
home page, by links and buttons only (no typed URL but the login and the home page).

The city fast-tracks a chain leader (链主单位直接进入培育, N-4.1.4); the organization signs its
commitment and uploads the banks of its two occupations → province staff find both reviews on
their to-do list, pass one and fail the other with comments → the organization sees the
comments on the line page, gets a message and an e-mail naming the occupation → fixes and
resubmits → province staff pass it → province staff create an acceptance batch from their pages
→ the department finds the batch on its to-do list and approves it with the minutes (N-4.3) →
province staff issue the letters → the organization is told.

Setup in Python (before the journey starts): the case verified by its city and the department's
chain-leader designation; the city's fast track is the journey's first click."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from evalorg.accounts.models import User
from evalorg.applications.models import Application, ApplicationOccupation, State
from evalorg.applications.occupation_lines import create_lines
from evalorg.core import clock
from evalorg.core.models import WorkCalendar
from evalorg.cultivation.banks.samples import make_bank
from evalorg.filing.models import FilingLetter
from evalorg.notify.models import OutboundEmail
from tests.applications.conftest import applicant_of
from tests.browser.login import login
from tests.browser.navigation import nav_link
from tests.cultivation.conftest import reviewed
from tests.cultivation.test_fast_track import designate
from tests.factories import MINIMAL_PDF, PASSWORD, CityStaffFactory, InstitutionFactory
from tests.filing.conftest import department_staff, province_staff
from tests.review.conftest import verified

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Line = ApplicationOccupation.Status


def cover_next_year() -> None:
    """The seeded calendar may stop before the period's last day: the next year, Monday to
    Friday working, as an admin would enter it."""
    year = clock.today().year + 1
    if year in clock.covered_years():
        return
    day, days = date(year, 1, 1), []
    while day.year == year:
        days.append(WorkCalendar(day=day, is_workday=day.weekday() < 5, source="admin"))
        day += timedelta(days=1)
    WorkCalendar.objects.bulk_create(days, ignore_conflicts=True)


def chain_leader_case() -> tuple[Application, User]:
    """A chain leader's new case verified by 广州 (two occupations at level 5), and its staff."""
    staff = CityStaffFactory()
    institution = InstitutionFactory(is_chain_leader=True, legal_rep_name="张 三")
    designate(institution, staff)
    case = verified(staff, institution)
    case.occupations.exclude(level=5).delete()
    create_lines(case, "6-31-01-03", [5])
    return case, staff


def home(page: Page, base: str) -> None:
    page.goto(f"{base}/")
    expect(page.locator("[data-testid=todo-list]")).to_be_visible()


def todo(page: Page, text: str):
    return page.locator("[data-testid=todo-item]", has_text=text)


def nav(page: Page, label: str):
    return nav_link(page, label)


def upload(page: Page, kind: str, name: str, data: bytes, mime: str) -> None:
    form = page.locator("[data-testid=upload-form]")
    form.locator("select[name=kind]").select_option(kind)
    form.locator("input[name=file]").set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}]
    )
    form.locator("button[type=submit]").click()
    expect(page.locator(f"[data-testid=deliverable-{kind}]")).to_contain_text(name.split(".")[0])


def upload_bank(page: Page, seed: int, *, skill: str = "操作技能试题") -> None:
    bank = make_bank(seed=seed)
    upload(page, "specification", "鉴定要素细目表.xlsx", bank.spec_xlsx(), XLSX)
    upload(page, "theory", "理论知识试题.xlsx", bank.theory_xlsx(), XLSX)
    others = bank.workbooks()
    for kind, name in (("skill", skill), ("marking", "评分标准"), ("paper_plan", "组卷方案")):
        upload(page, kind, f"{name}.xlsx", others[kind], XLSX)


def submit_line(page: Page) -> None:
    page.locator("[data-testid=submit-form] button").click()
    expect(page.locator(".alert-success")).to_contain_text("题库已提交审核")


def decide(page: Page, base: str, line: ApplicationOccupation, verdict: str, comments: str):
    """From the home page's to-do list to the line's review, then pass or fail it (the two
    experts' sheets it needs are prepared here: their review is test_bank_review_browser's)."""
    reviewed(line)
    home(page, base)
    todo(page, line.occupation.name).locator("a").click()
    expect(page.locator("h1")).to_contain_text(line.occupation.name)
    page.fill("[data-testid=decision-form] #id_reason", comments)
    page.click(f"[data-testid=decision-form] button[value={verdict}]")
    page.click("[data-testid=confirm-yes]")  # asked by the server once the reason is checked
    expect(page.locator(".alert-success")).to_contain_text("已记录审核结果")


def test_a_fast_tracked_chain_leader_from_banks_to_filing(live_server, page: Page):
    base = live_server.url
    cover_next_year()
    case, city = chain_leader_case()
    applicant = applicant_of(case)
    center, department = province_staff(), department_staff()
    welder = case.occupations.get(occupation__code="6-18-02-04")
    other = case.occupations.get(occupation__code="6-31-01-03")
    failed_comments = "操作技能试题缺少评分细则，请补充后重新提交。"

    # The city fast-tracks the verified chain leader from the case's page (N-4.1.4), reached
    # from its inbox.
    login(page, base, city.username, PASSWORD)
    home(page, base)
    nav(page, "受理清单").click()
    page.locator(f"[data-testid=inbox-row][data-pk='{case.pk}'] a", has_text="办理").click()
    page.click("[data-action=fast_track]")  # asks in a dialog, accepted by the fixture
    expect(page.locator("[data-testid=state]")).to_have_text(str(State.CULTIVATING.label))
    assert Application.objects.get(pk=case.pk).state == State.CULTIVATING

    # The organization finds its case from its home page, signs the commitment (附件5) and
    # uploads the banks of both lines.
    login(page, base, applicant.username, PASSWORD)
    home(page, base)
    nav(page, "备案申请").click()
    page.locator("main a", has_text=case.institution.name).first.click()
    page.click("[data-testid=sign-link]")
    page.fill("#id_signed_name", "张三")
    page.check("#id_agree")
    page.locator("[data-testid=sign-form] button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("承诺书已签署")
    for seed, line in ((7, welder), (11, other)):
        page.locator(f"[data-testid=line-links] li[data-line='{line.pk}'] a").click()
        upload_bank(page, seed)
        submit_line(page)
        page.locator("main a", has_text=case.institution.name).first.click()

    # Province staff find both reviews on their to-do list: one passes, one fails with comments.
    login(page, base, center.username, PASSWORD)
    home(page, base)
    expect(todo(page, welder.occupation.name)).to_have_count(1)
    expect(todo(page, other.occupation.name)).to_have_count(1)
    decide(page, base, welder, "pass", "题库结构完整，专家评审通过。")
    decide(page, base, other, "fail", failed_comments)
    other.refresh_from_db()
    assert other.status == Line.BANK_FAILED

    # The organization is told in-app and by e-mail, naming the occupation, and reads the
    # comments on the line page, reached from its home page.
    mail = OutboundEmail.objects.filter(subject__contains="题库审核未通过").get()
    assert other.occupation.name in mail.subject and failed_comments in mail.body
    assert applicant.email in mail.to
    login(page, base, applicant.username, PASSWORD)
    home(page, base)
    nav(page, "消息").click()
    message = page.locator("main a", has_text="题库审核未通过").first
    expect(message).to_contain_text(other.occupation.name)
    home(page, base)
    todo(page, other.occupation.name).locator("a").click()
    expect(page.locator("[data-testid=bank-decision]")).to_contain_text(failed_comments)
    upload(page, "skill", "操作技能试题（含评分细则）.xlsx", make_bank().skill_xlsx(), XLSX)
    submit_line(page)

    # Province staff pass the resubmitted bank, then propose an acceptance batch from the
    # batch page their navigation leads to.
    login(page, base, center.username, PASSWORD)
    decide(page, base, other, "pass", "已补充评分细则，审核通过。")
    home(page, base)
    nav(page, "验收批次").click()
    form = page.locator("[data-testid=batch-form]")
    form.locator(f"input[name=case][value='{case.pk}']").check()
    form.locator("input[name=title]").fill("链主单位第一批验收")
    form.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("链主单位第一批验收")

    # The department finds the batch on its to-do list and approves it with the minutes.
    login(page, base, department.username, PASSWORD)
    home(page, base)
    todo(page, "链主单位第一批验收").locator("a", has_text="链主单位第一批验收").click()
    approval = page.locator("[data-testid=batch-approval]")
    approval.locator("input[name=decided_on]").fill(clock.today().isoformat())
    approval.locator("input[name=meeting_ref]").fill("厅党组会议第12次")
    approval.locator("input[name=minutes]").set_input_files(
        files=[{"name": "会议纪要.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}]
    )
    approval.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("已记录审定结果")

    # Province staff find the approved batch on their to-do list and issue its letters.
    login(page, base, center.username, PASSWORD)
    home(page, base)
    todo(page, "链主单位第一批验收").locator("a", has_text="链主单位第一批验收").click()
    page.locator("[data-testid=batch-actions] button", has_text="签发本批备案函").click()
    expect(page.locator(".alert-success")).to_contain_text("已签发备案函 1 份")
    letter = FilingLetter.objects.get(application=case)
    assert Application.objects.get(pk=case.pk).state == State.FILED

    # The organization is told: its messages carry the filing, with the letter's number.
    login(page, base, applicant.username, PASSWORD)
    home(page, base)
    nav(page, "消息").click()
    filed = page.locator("[data-testid=message-list] td a", has_text="已备案为社会培训评价组织")
    expect(filed).to_contain_text(letter.number)
    filed.click()
    expect(page.locator("main")).to_contain_text(letter.number)
