"""Headless Chromium, issue 25 item 4: the city drafts a suspension of a filed organization with
its facts, clause and evidence; the center reviews it; the department records the leadership
group's decision with the minutes; the suspension is on the public notice, the registry says
暂停 with the dated history, and the organization sees it on its home page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from evalorg.core import clock
from evalorg.sanctions.models import Sanction
from tests.applications.conftest import PDF_BYTES, applicant_of
from tests.browser.login import login
from tests.factories import PASSWORD, CityStaffFactory, city_agency
from tests.filing.conftest import department_staff, province_staff, registry_row

pytestmark = pytest.mark.django_db(transaction=True)
PDF = {"name": "纪要.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}


def _status(page: Page, text: str) -> None:
    expect(page.locator("[data-testid=status]")).to_have_text(text)


def test_city_drafts_center_reviews_leadership_approves_and_the_public_sees_it(
    live_server, page: Page, dialogs: list[str]
):
    base = live_server.url
    letter = registry_row(number=1)
    organization = letter.application.institution
    owner = applicant_of(letter.application)
    city = CityStaffFactory(agency=city_agency("440100"))
    center, department = province_staff(), department_staff()
    today = clock.today()

    login(page, base, city.username, PASSWORD)
    page.goto(f"{base}/sanctions/")
    page.click("[data-testid=new-sanction]")
    page.select_option("#id_institution", str(organization.pk))
    page.select_option("#id_kind", "suspension")
    page.fill("#id_starts_on", today.isoformat())
    page.fill("#id_ends_on", (today + timedelta(days=60)).isoformat())
    page.fill("#id_facts", "认定考务管理混乱")
    page.fill("#id_evidence", "现场检查记录")
    page.locator("#id_evidence_file").set_input_files(files=[PDF | {"name": "证据.pdf"}])
    page.click("[data-testid=save-draft]")
    _status(page, "草稿")
    page.click("[data-action=submit_sanction]")
    _status(page, "待省中心审核")
    sanction = Sanction.objects.get()

    login(page, base, center.username, PASSWORD)
    page.goto(f"{base}/sanctions/?status=in_review")
    page.locator("[data-testid=sanctions] a").first.click()
    page.click("[data-action=review_sanction]")
    _status(page, "待领导小组审定")

    login(page, base, department.username, PASSWORD)
    page.goto(f"{base}/sanctions/{sanction.pk}/")
    form = page.locator("[data-testid=approve-form]")
    form.locator("#id_decided_on").fill(today.isoformat())
    form.locator("#id_meeting_ref").fill("领导小组2024年第2次会议")
    form.locator("#id_minutes").set_input_files(files=[PDF])
    form.locator("button[type=submit]").click()
    _status(page, "已生效")

    page.goto(f"{base}/public/sanctions/")
    notice = page.locator("[data-testid=public-sanctions]")
    expect(notice).to_contain_text(organization.name)
    expect(notice).to_contain_text("N-5.2")
    notice.locator("a", has_text=organization.name).click()
    expect(page.locator("[data-testid=org-status]")).to_have_text("暂停")
    expect(page.locator("[data-testid=history]")).to_contain_text("暂停备案")
    page.goto(f"{base}/public/registry/")
    expect(page.locator("[data-testid=row-status]").first).to_have_text("暂停")

    login(page, base, owner.username, PASSWORD)
    page.goto(f"{base}/")
    expect(page.locator("[data-testid=sanctions-in-force]")).to_contain_text("暂停")
    assert [d.split("？")[0] for d in dialogs] == ["确定记录领导小组审定"]
