"""Headless Chromium: keyboard use and the text size (issue 22, "Every page": 工信部适老化及无障碍
改造, WCAG 2.1 AA). A skip link first in the tab order, a visible focus on every control
reached by Tab, the login and the password change done with the keyboard alone (the refusal
tied to its field), and the 大/中/小 switch kept across pages without breaking the layout at
1366 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, ApplicantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {tag: el.tagName, id: el.id, name: el.getAttribute("name"), text: el.textContent.trim(),
          outline: style.outlineStyle, width: parseFloat(style.outlineWidth),
          onScreen: box.width > 0 && box.height > 0 && box.bottom > 0 && box.top < innerHeight};
}"""


def _tab(page: Page) -> dict:
    page.keyboard.press("Tab")
    focused = page.evaluate(FOCUSED)
    assert focused["onScreen"], focused
    assert focused["outline"] == "solid" and focused["width"] >= 3, f"faint focus: {focused}"
    return focused


def _tab_to(page: Page, name: str) -> list[dict]:
    stops = [_tab(page)]
    while stops[-1]["name"] != name:
        assert len(stops) < 40, f"{name} not reachable by Tab: {stops}"
        stops.append(_tab(page))
    return stops


def test_the_skip_link_comes_first_and_jumps_to_the_main_content(live_server, page: Page):
    page.goto(f"{live_server.url}/")
    first = _tab(page)
    assert first["text"] == "跳到主要内容"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"
    assert page.url.endswith("#main-content")


def test_login_and_a_form_with_the_keyboard_alone_with_a_visible_focus(live_server, page: Page):
    user = ApplicantFactory()
    page.goto(f"{live_server.url}/accounts/login/")
    focused = page.evaluate(FOCUSED)  # the user name has the focus on arrival, visibly
    assert focused["name"] == "username" and focused["outline"] == "solid", focused
    page.keyboard.type(user.username)
    _tab_to(page, "password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("[data-testid=current-user]")).to_be_visible()

    page.goto(f"{live_server.url}/accounts/password/")
    stops = _tab_to(page, "old_password")
    assert stops[0]["text"] == "跳到主要内容"
    page.keyboard.type(PASSWORD)
    _tab_to(page, "new_password1")
    page.keyboard.type("Keyboard-Only-2026")
    _tab_to(page, "new_password2")
    page.keyboard.type("Keyboard-Only-2027")  # a mismatch: the error is tied to its field
    page.keyboard.press("Enter")
    field = page.locator("#id_new_password2")
    expect(field).to_have_attribute("aria-invalid", "true")
    error = page.locator(f"#{field.get_attribute('aria-describedby')}")
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()


def test_the_text_size_is_kept_across_pages_and_fits_1366_px(live_server, page: Page):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/")
    root_size = "getComputedStyle(document.documentElement).fontSize"
    assert page.evaluate(root_size) == "16px"
    large = page.locator("button[data-text-size=large]")
    large.click()
    expect(large).to_have_attribute("aria-pressed", "true")
    assert page.evaluate(root_size) == "24px"  # 150 %
    for path in ("/accounts/login/", "/public/registry/", "/institution/signup/"):
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate(root_size) == "24px", path
        expect(page.locator("button[data-text-size=large]")).to_have_attribute(
            "aria-pressed", "true"
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366, path
        page.screenshot(path=f"var/screenshots/text-size-large{path.replace('/', '-')}.png")
    page.click("button[data-text-size=small]")
    assert page.evaluate(root_size) == "14px"
    page.reload()
    assert page.evaluate(root_size) == "14px"
