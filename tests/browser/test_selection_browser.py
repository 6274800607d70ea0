"""Headless Chromium: the provincial selection end to end (issue 8). The center schedules a
defense session for two cases a city sent, an applicant confirms its slot, three experts of
the selection panel declare no conflict and score, the center selects both, the department
records the leadership approval with its minutes, the center publishes the notice, a visitor
files a named objection which the center dismisses, and the ``publicity_end`` sweep, run after
the notice's last day, moves both cases to cultivation."""

import io
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from playwright.sync_api import Page, expect

from evalorg.accounts.models import User
from evalorg.applications.models import Application, State
from evalorg.core import clock
from evalorg.core.models import WorkCalendar
from evalorg.core.sweeps import run_sweeps
from evalorg.cultivation.models import CultivationPeriod
from evalorg.publicity.models import Objection, PublicityNotice
from evalorg.review.decisions import send_batch
from evalorg.review.models import Panel, PanelMember, Stage
from tests.applications.conftest import PDF_BYTES, applicant_of
from tests.browser.login import login
from tests.browser.test_province_browser import DEMO_PASSWORD, _recommended
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)
EXPERTS = ["expert1", "expert2", "expert3"]


@pytest.fixture(autouse=True)
def _objection_form(monkeypatch):
    # django-simple-captcha reads its settings at import: its test mode accepts "PASSED". The
    # live server runs in this process, so the patch reaches it. The rate limit counts in the
    # cache.
    monkeypatch.setattr("captcha.conf.settings.CAPTCHA_TEST_MODE", True)
    cache.clear()
    yield
    cache.clear()


def _login(page: Page, base: str, username: str, password: str = DEMO_PASSWORD) -> None:
    login(page, base, username, password)


def _cover_year(year: int) -> None:
    """The calendar is seeded up to 2026; a period starting in late 2026 may reach the next
    year: enter it (Monday to Friday working) as an admin would, unless it is already there."""
    if year in clock.covered_years():
        return
    day, days = date(year, 1, 1), []
    while day.year == year:
        days.append(WorkCalendar(day=day, is_workday=day.weekday() < 5, source="admin"))
        day += timedelta(days=1)
    WorkCalendar.objects.bulk_create(days, ignore_conflicts=True)


def _sent_cases(staff: User) -> list[Application]:
    """Two cases 广州 recommended and sent: ``province_review`` with a selection record."""
    round_ = Application.objects.get(institution__uscc="91440101MA5CXY0010").round
    panel = Panel.objects.create(
        agency=staff.agency, round=round_, stage=Stage.CITY_ASSESSMENT, name="广州评审组"
    )
    experts = list(User.objects.filter(username__in=EXPERTS))
    for expert in experts:
        PanelMember.objects.get_or_create(panel=panel, expert=expert)
    cases = [_recommended(round_.code, staff, panel, experts, p) for p in (9, 7)]
    send_batch(cases, staff)
    for case in cases:
        case.refresh_from_db()
        assert case.state == State.PROVINCE_REVIEW
    return cases


def _score(page: Page, base: str, case: Application, below_max: int) -> None:
    """Declare no conflict, then fill every item ``below_max`` points under its maximum."""
    page.goto(f"{base}/expert/{case.pk}/conflict/")
    page.check("input[name=kind][value=none]")
    page.click("[data-testid=declare]")
    sheet = page.locator("[data-testid=scoresheet]")
    expect(sheet).to_be_visible()
    inputs = sheet.locator("input[type=number]")
    for i in range(inputs.count()):
        field = inputs.nth(i)
        field.fill(str(max(int(float(field.get_attribute("max"))) - below_max, 0)))
    sheet.locator("input[name=opinion][value=recommend]").check()
    page.click("[data-testid=submit]")
    page.click("[data-testid=confirm-yes]")  # asked by the server once the sheet is checked
    expect(page.locator("[data-testid=sheet-status]")).to_have_text("已提交")


def test_selection_defense_approval_publicity_and_cultivation(live_server, page: Page):
    call_command("load_reference_data", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())
    base = live_server.url
    today = clock.today()
    _cover_year(today.year + 1)
    cases = _sent_cases(User.objects.get(username="gz_staff"))
    names = [case.institution.name for case in cases]

    # The center schedules one defense session a week ahead with both cases.
    _login(page, base, "province_staff")
    page.goto(f"{base}/review/defense/")
    new_session = page.locator("[data-testid=new-session]")
    new_session.locator("#id_date").fill((today + timedelta(days=7)).isoformat())
    new_session.locator("#id_start_time").fill("09:00")
    new_session.locator("#id_place").fill("省职业技能服务指导中心三楼会议室")
    new_session.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("已创建答辩场次")
    add = page.locator("[data-testid=add-slots]")
    add.locator("select[name=applications]").select_option([str(c.pk) for c in cases])
    add.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("已加入 2 家机构")
    expect(page.locator("[data-testid=slots] tr[data-slot]")).to_have_count(2)

    # The applicant of the first case confirms its slot on its case page.
    applicant = applicant_of(cases[0])
    _login(page, base, applicant.username, PASSWORD)
    page.goto(f"{base}/applications/{cases[0].pk}/")
    expect(page.locator("[data-testid=defense-slot]")).to_contain_text("省职业技能服务指导中心")
    page.click("[data-testid=defense-confirm]")
    expect(page.locator(".alert-success")).to_contain_text("已确认答辩安排")
    expect(page.locator("[data-testid=defense-confirmation]")).to_contain_text("已确认")

    # The center puts the three experts on the selection panel and assigns both cases.
    _login(page, base, "province_staff")
    page.goto(f"{base}/review/panels/?stage=province_selection")
    for username in EXPERTS:
        expert = User.objects.get(username=username)
        page.click(f"[data-testid=pool] [data-testid=add-{expert.pk}]")
        expect(page.locator(f"[data-testid=members] tr[data-expert='{expert.pk}']")).to_be_visible()
    for case in cases:
        page.click(f"[data-testid=assign-{case.pk}] button[type=submit]")
        expect(
            page.locator(f"[data-testid=assignments] [data-application='{case.pk}']")
        ).to_have_count(3)

    # The experts score the defense items during the session (N-4.1.3: a province sheet is
    # submitted only once its case's defense began): from here on the clock stands on the
    # session's day, an hour after it began, and runs.
    session_day = today + timedelta(days=7)
    began = datetime.combine(session_day, time(10, 0), tzinfo=clock.SHANGHAI)
    with time_machine.travel(began, tick=True):
        _from_the_defense_on(page, base, cases, names, session_day)


def _from_the_defense_on(
    page: Page, base: str, cases: list[Application], names: list[str], today: date
) -> None:
    # Each expert declares no conflict and scores both cases (the first one higher).
    for username in EXPERTS:
        _login(page, base, username)
        _score(page, base, cases[0], 0)
        _score(page, base, cases[1], 1)

    # The center selects both on the merit ranking.
    _login(page, base, "province_staff")
    page.goto(f"{base}/review/selection/ranking/")
    rows = page.locator("[data-testid=selection-ranking] tr[data-application]")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-application", str(cases[0].pk))
    expect(rows.first.locator("td").nth(4)).to_contain_text("100.0")
    for case in cases:
        row = page.locator(f"[data-testid=selection-ranking] tr[data-application='{case.pk}']")
        row.locator("select[name=decision]").select_option("select")
        row.locator("textarea[name=reason]").fill("答辩表现良好，评价体系完整")
        row.locator(f"[data-testid=select-{case.pk}]").click()
        expect(page.locator(".alert-success")).to_contain_text("已记录省级评审结论")
    expect(rows.nth(0)).to_contain_text("通过：答辩表现良好")
    expect(rows.nth(1)).to_contain_text("通过：答辩表现良好")

    # The department records the leadership group's approval with the minutes.
    _login(page, base, "department")
    page.goto(f"{base}/review/selection/approval/")
    form = page.locator("[data-testid=approval-form]")
    for case in cases:
        expect(
            form.locator(f"tr[data-application='{case.pk}'] input[name=approve]")
        ).to_be_checked()
    form.locator("#id_decided_on").fill(today.isoformat())
    form.locator("#id_meeting_ref").fill(f"遴选工作领导小组{today.year}年第1次会议")
    form.locator("#id_minutes").set_input_files(
        files=[{"name": "会议纪要.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}]
    )
    page.click("[data-testid=approve]")
    expect(page.locator(".alert-success")).to_contain_text("同意 2 份")
    expect(page.locator("[data-testid=decisions]")).to_contain_text("会议纪要")

    # The center creates the notice (starting today) and publishes it.
    _login(page, base, "province_staff")
    page.goto(f"{base}/publicity/")
    page.click("[data-testid=new-notice]")
    for case in cases:
        expect(page.locator(f"input[name=cases][value='{case.pk}']")).to_be_checked()
    page.fill("#id_starts_on", today.isoformat())
    page.click("[data-testid=preview]")
    expect(page.locator("[data-testid=status]")).to_have_text("草稿")
    page.click("[data-action=publish]")
    expect(page.locator(".alert-success")).to_contain_text("公示已发布")
    expect(page.locator("[data-testid=status]")).to_have_text("公示中")
    notice = PublicityNotice.objects.get()
    assert notice.starts_on == today and notice.ends_on >= today

    # An anonymous visitor reads the notice and files a named objection with contact details.
    page.context.clear_cookies()
    page.goto(f"{base}/public/notices/")
    page.click(f"[data-testid=notices] a:has-text('{notice.title}')")
    entries = page.locator("[data-testid=entries]")
    for name in names:
        expect(entries).to_contain_text(name)
    page.click("[data-testid=object]")
    page.fill("#id_objector_name", "王异议")
    page.fill("#id_objector_phone", "13912345678")
    page.fill("#id_objector_email", "objector@example.org")
    page.select_option("#id_entry", str(notice.entries.get(application=cases[1]).pk))
    page.fill("#id_grounds", "该机构的评价场地系租用，与申报材料不符。")
    page.fill("#id_captcha_1", "PASSED")
    page.click("[data-testid=submit-objection]")
    ack = page.locator("[data-testid=ack]")
    expect(ack).to_have_text(f"YY-{today.year}-0001")

    # The center investigates and dismisses it.
    _login(page, base, "province_staff")
    page.goto(f"{base}/publicity/{notice.pk}/objections/")
    page.click(f"[data-testid=objections] a:has-text('YY-{today.year}-0001')")
    page.click("[data-action=investigate]")
    expect(page.locator("[data-testid=status]")).to_have_text("调查核实中")
    dismiss = page.locator("form:has([data-action=dismiss])")
    dismiss.locator("textarea[name=reason]").fill("经核实，场地租赁合同有效，异议不成立。")
    dismiss.locator("[data-action=dismiss]").click()
    expect(page.locator("[data-testid=status]")).to_have_text("异议不成立")
    assert Objection.objects.get().status == Objection.Status.DISMISSED

    # After the last day of the notice the sweep moves both cases to cultivation (the browser
    # is idle meanwhile: no session expires).
    with time_machine.travel(clock.deadline_end(notice.ends_on) + timedelta(hours=1), tick=False):
        results = {r.name: r for r in run_sweeps()}
    assert results["publicity_end"].ok, results["publicity_end"].summary
    assert results["publicity_end"].summary.startswith("进入培育 2 家")
    for case in cases:
        case.refresh_from_db()
        assert case.state == State.CULTIVATING
        assert CultivationPeriod.objects.filter(application=case).exists()

    page.goto(f"{base}/publicity/{notice.pk}/")
    expect(page.locator("[data-testid=entries]")).to_contain_text(str(State.CULTIVATING.label))
    page.screenshot(path="var/screenshot-selection.png", full_page=True)
