"""Headless Chromium, issue 25 item 2 (N-5.2): after the center's published draw, the inspector
finds its inspection on its to-do list, records a finding with evidence and orders
rectification; the organization finds the order on its to-do list and answers with a file; its
city closes the inspection from its to-do list; the public page shows the result. Buttons
only: every page is reached from the to-do list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from evalorg.core import clock
from evalorg.core.workflow import perform
from evalorg.supervision.inspections import create_draw
from tests.applications.conftest import PDF_BYTES, applicant_of
from tests.browser.login import login
from tests.factories import PASSWORD, CityStaffFactory, InstitutionFactory, city_agency
from tests.filing.conftest import province_staff, registry_row
from tests.supervision.conftest import expert

pytestmark = pytest.mark.django_db(transaction=True)
PDF = {"mimeType": "application/pdf", "buffer": PDF_BYTES}


def _status(page: Page, text: str) -> None:
    expect(page.locator("[data-testid=status]")).to_have_text(text)


def _fits_a_phone(page: Page) -> None:
    """At 390 px nothing overflows horizontally (the a11y rule)."""
    size = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    if size:
        page.set_viewport_size(size)


def _from_todo(page: Page, base: str, organization: str) -> None:
    page.goto(f"{base}/")
    # The inspection's item (the organization may also owe an annual report, issue 25 item 7).
    items = page.locator("[data-testid=todo-item] a[href*='/supervision/inspection']")
    items.filter(has_text=organization).first.click()


def test_inspector_organization_and_city_through_an_inspection(
    live_server, page: Page, dialogs: list[str]
):
    base = live_server.url
    letter = registry_row(InstitutionFactory(city_id="440100"), number=1)
    organization = letter.application.institution
    owner = applicant_of(letter.application)
    city = CityStaffFactory(agency=city_agency("440100"))
    inspector = expert(city_agency("440300"), full_name="深圳检查员")
    center = province_staff()
    perform(create_draw(center, clock.today().year, 100, seed=7), "publish_draw", center)

    login(page, base, inspector.username, PASSWORD)
    _from_todo(page, base, organization.name)
    _status(page, "待检查")
    form = page.locator("[data-testid=finding-form]")
    form.locator("#id_category").select_option("examiners")
    form.locator("#id_description").fill("考评人员未持证上岗")
    form.locator("#id_evidence").set_input_files(files=[{"name": "现场照片.pdf", **PDF}])
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=findings]")).to_contain_text("考评人员未持证上岗")
    expect(page.locator("[data-action=record_no_findings]")).to_have_count(0)
    deadline = clock.today() + timedelta(days=30)
    order = page.locator("[data-testid=order-form]")
    order.locator("#id_rectify_by").fill(deadline.isoformat())
    order.locator("button[type=submit]").click()
    _status(page, "整改中")

    login(page, base, owner.username, PASSWORD)
    _from_todo(page, base, organization.name)
    expect(page.locator("[data-testid=inspection]")).not_to_contain_text("深圳检查员")
    _fits_a_phone(page)
    answer = page.locator("[data-testid=answer-form]")
    answer.locator("#id_answer").fill("已更换持证考评人员并补充培训")
    answer.locator("#id_files").set_input_files(files=[{"name": "整改报告.pdf", **PDF}])
    answer.locator("button[type=submit]").click()
    _status(page, "已报告整改")
    expect(page.locator("[data-testid=rectification-files]")).to_contain_text("整改报告.pdf")

    login(page, base, city.username, PASSWORD)
    _from_todo(page, base, organization.name)
    page.click("[data-action=close_inspection]")
    _status(page, "已办结")
    assert [d.split("？")[0] for d in dialogs] == ["确定整改合格并办结"]

    page.goto(f"{base}/public/inspections/")
    expect(page.locator("[data-testid=result]")).to_contain_text("发现问题，已按期整改")
    expect(page.locator("main")).not_to_contain_text("深圳检查员")
    _fits_a_phone(page)
