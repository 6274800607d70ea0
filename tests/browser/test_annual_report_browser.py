"""Headless Chromium, issue 25 item 7: a filed organization finds last year's annual report on
its to-do list, writes it and submits it with the offered button; its city finds it on its
to-do list and accepts it (asked first). The filing is set up with factories."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from playwright.sync_api import Page, expect

from tests.applications.conftest import SH, applicant_of
from tests.browser.login import login
from tests.factories import PASSWORD, CityStaffFactory, city_agency
from tests.filing.conftest import registry_row

pytestmark = pytest.mark.django_db(transaction=True)
REPORTING = datetime(2025, 1, 10, 10, 0, tzinfo=SH)


def _status(page: Page, text: str) -> None:
    expect(page.locator("[data-testid=status]")).to_have_text(text)


def _fits_a_phone(page: Page) -> None:
    """At 390 px nothing overflows sideways (issue 22); the viewport is put back after."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(100)  # tables become cards (js/table-cards.js) on resize
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.url
    page.set_viewport_size({"width": 1366, "height": 900})


def test_the_organization_submits_and_the_city_accepts(live_server, page: Page, dialogs):
    base = live_server.url
    letter = registry_row(number=1)
    owner = applicant_of(letter.application)
    city = CityStaffFactory(agency=city_agency("440100"))
    with time_machine.travel(REPORTING, tick=True):
        login(page, base, owner.username, PASSWORD)
        page.goto(f"{base}/")
        page.locator("a[href='/annual/year/2024/']").first.click()
        _fits_a_phone(page)
        form = page.locator("[data-testid=report-form]")
        form.locator("#id_quality_measures").fill(
            "严格执行考评人员回避制度，每次认定均安排内部督导并留存影像资料。"
        )
        form.locator("#id_examiners_on_staff").fill("8")
        form.locator("[data-action=submit_annual_report]").click()
        _status(page, "已提交")
        expect(page.locator("[data-action=submit_annual_report]")).to_have_count(0)

        login(page, base, city.username, PASSWORD)
        page.goto(f"{base}/")
        page.get_by_role("link", name="查看报送情况").click()  # from its home page
        row = page.locator(
            "[data-testid=organizations] tr", has_text=letter.application.institution.name
        )
        expect(row.locator("[data-testid=report-status]")).to_have_text("已提交")
        _fits_a_phone(page)
        page.goto(f"{base}/")
        page.locator("a[href^='/annual/']:not([href*=agency])").first.click()  # the to-do item
        _fits_a_phone(page)
        page.click("[data-action=accept_annual_report]")
        _status(page, "已受理")
    assert [d.split("？")[0] for d in dialogs] == ["确定受理该年度报告吗"]
