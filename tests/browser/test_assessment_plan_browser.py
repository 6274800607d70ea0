"""Headless Chromium, issue 25 items 1–4: a filed organization registers an assessment plan,
its city accepts it (a quality supervisor is drawn from the city's pool), the organization
reports the results with the roster after the assessment, the supervisor files the report and
the plan closes. The filing itself is set up with factories."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
import time_machine
from playwright.sync_api import Page, expect

from evalorg.core import clock
from evalorg.supervision.models import AssessmentPlan
from evalorg.supervision.roster import sample_xlsx
from tests.applications.conftest import SH, applicant_of
from tests.browser.login import login
from tests.factories import PASSWORD, CityStaffFactory, city_agency
from tests.filing.conftest import registry_row
from tests.supervision.conftest import IDS, expert

pytestmark = pytest.mark.django_db(transaction=True)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _status(page: Page, text: str) -> None:
    expect(page.locator("[data-testid=status]")).to_have_text(text)


def test_register_accept_report_results_and_supervise(live_server, page: Page, dialogs: list[str]):
    base = live_server.url
    letter = registry_row(number=1)
    owner = applicant_of(letter.application)
    line = letter.application.occupations.order_by("level").first()
    city = CityStaffFactory(agency=city_agency("440100"))
    supervisor = expert(full_name="督导专家甲")
    start = clock.today() + timedelta(days=3)

    login(page, base, owner.username, PASSWORD)
    page.goto(f"{base}/supervision/plans/new/")
    page.select_option("#id_line", str(line.pk))
    page.fill("#id_starts_on", start.isoformat())
    page.fill("#id_ends_on", (start + timedelta(days=1)).isoformat())
    page.fill("#id_site", "广州市天河区考点")
    page.fill("#id_expected_candidates", "2")
    page.fill("#id_examiners_text", "李考评\n王考评")
    page.locator("[data-testid=plan-form] button[type=submit]").click()
    _status(page, "待受理")
    plan = AssessmentPlan.objects.get()

    login(page, base, city.username, PASSWORD)
    page.goto(f"{base}/supervision/plans/{plan.pk}/")
    page.click("[data-action=accept_plan]")
    _status(page, "已受理")
    expect(page.locator("[data-testid=supervisor]")).to_contain_text("督导专家甲")

    after = datetime.combine(start + timedelta(days=3), time(10), tzinfo=SH)
    with time_machine.travel(after, tick=True):
        login(page, base, owner.username, PASSWORD)
        page.goto(f"{base}/supervision/plans/{plan.pk}/")
        expect(page.locator("[data-testid=plan]")).not_to_contain_text("督导专家甲")
        form = page.locator("[data-testid=results-form]")
        form.locator("#id_candidates").fill("2")
        form.locator("#id_passed").fill("1")
        form.locator("#id_certificates").fill("1")
        roster = sample_xlsx([("张三", IDS[0], "合格", "Z1"), ("李四", IDS[1], "不合格", "")])
        form.locator("#id_roster").set_input_files(
            files=[{"name": "名册.xlsx", "mimeType": XLSX, "buffer": roster}]
        )
        form.locator("button[type=submit]").click()
        _status(page, "已报告结果")
        expect(page.locator("[data-testid=roster]")).to_contain_text("1101**********002X")
        expect(page.locator("[data-testid=roster]")).not_to_contain_text(IDS[0])

        login(page, base, supervisor.username, PASSWORD)
        page.goto(f"{base}/supervision/supervised/")
        page.locator("[data-testid=plans] a").first.click()
        form = page.locator("[data-testid=report-form]")
        form.locator("input[name=on_time][value=yes]").check()
        form.locator("input[name=procedures_followed][value=yes]").check()
        form.locator("#id_irregularities").fill("无")
        form.locator("button[type=submit]").click()
        _status(page, "已办结")
        expect(page.locator("[data-testid=report]")).to_contain_text("符合规定程序")
    # Both irreversible steps asked first (the draw, the report).
    assert [d.split("？")[0] for d in dialogs] == ["确定受理该认定计划", "确定提交督导报告"]
