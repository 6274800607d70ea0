"""Headless Chromium: the province staff's navigation holds in one row at 1366 px in the medium
text size and in two at 大 (150 %): the entries beyond one row are under "更多", a <details>
disclosure opened and closed with the keyboard, no inline script or style (issue 22, "Every
page")."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from evalorg.accounts.models import Agency, Role
from tests.browser.login import login
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The rows the bar's entries take: the distinct tops of its items.
ROWS = """() => new Set([...document.querySelectorAll("#main-nav > ul.navbar-nav > li")]
  .map(li => Math.round(li.getBoundingClientRect().top))).size"""


def _province_staff(page: Page, base: str) -> None:
    staff = UserFactory(
        role=Role.PROVINCE_STAFF,
        agency=Agency.objects.get(kind=Agency.Kind.PROVINCE),
        full_name="省中心工作人员",
    )
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, base, staff.username, PASSWORD)


def test_the_province_staffs_bar_holds_in_one_row_and_in_two_at_large(live_server, page: Page):
    _province_staff(page, live_server.url)
    more = page.locator("[data-testid=nav-more]")
    expect(more).to_have_count(1)  # the center has more entries than one row holds
    assert page.evaluate(ROWS) == 1
    page.screenshot(path="var/screenshots/nav-province-1366-medium.png")
    page.click("button[data-text-size=large]")
    assert page.evaluate(ROWS) <= 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    page.screenshot(path="var/screenshots/nav-province-1366-large.png")
    # Every entry is still reachable: on the bar or under "更多".
    labels = page.locator("#main-nav a.nav-link, #main-nav .nav-more a").all_text_contents()
    for label in ("各地市报送", "省级评审", "答辩安排", "公示", "验收批次", "处理决定", "消息"):
        assert any(text.startswith(label) for text in labels), (label, labels)


def test_more_opens_and_closes_with_the_keyboard(live_server, page: Page):
    _province_staff(page, live_server.url)
    summary = page.locator("[data-testid=nav-more] > summary")
    first = page.locator("[data-testid=nav-more] .nav-more-menu a").first
    expect(first).to_be_hidden()
    summary.focus()
    page.keyboard.press("Enter")
    expect(first).to_be_visible()
    page.keyboard.press("Tab")
    expect(first).to_be_focused()
    page.keyboard.press("Escape")
    expect(first).to_be_hidden()
    expect(summary).to_be_focused()
    page.keyboard.press(" ")
    expect(first).to_be_visible()
    page.click("main")  # a click elsewhere closes it, as a menu would
    expect(first).to_be_hidden()
