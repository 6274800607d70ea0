"""Headless Chromium: what every page gives every user (issue 22, "Every page"): Chinese error
pages with a way back, a favicon without a console error, and the province's navigation on one
or two rows at 1366 px."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.login import login

pytestmark = pytest.mark.django_db(transaction=True)
DEMO_PASSWORD = "Demo-Pass-2026"


@pytest.fixture
def demo(live_server) -> str:
    call_command("load_reference_data", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())
    return live_server.url


def _console_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("requestfailed", lambda request: errors.append(request.url))
    page.on(
        "response",
        lambda r: errors.append(r.url) if r.status >= 400 and "favicon" in r.url else None,
    )
    return errors


def test_favicon_loads_without_console_errors(demo: str, page: Page):
    errors = _console_errors(page)
    page.goto(f"{demo}/")
    icon = page.locator("link[rel=icon]")
    expect(icon).to_have_count(1)
    href = icon.get_attribute("href")
    assert href and page.request.get(f"{demo}{href}").ok
    page.wait_for_load_state("networkidle")
    assert errors == []


@pytest.mark.parametrize(
    ("path", "title"),
    [("/no-such-page/", "页面不存在"), ("/accounts/logout/", "请求方式不支持")],
)
def test_error_pages_are_chinese_with_a_way_back(demo: str, page: Page, path: str, title: str):
    page.goto(f"{demo}{path}")
    error = page.locator("[data-testid=error-page]")
    expect(error).to_contain_text(title)
    expect(error.get_by_role("link", name="返回首页")).to_be_visible()


def test_csrf_failure_is_the_chinese_expired_page(demo: str, page: Page):
    page.goto(f"{demo}/accounts/login/")
    page.context.clear_cookies()  # the form's token no longer matches any cookie
    page.fill("#id_username", "gz_staff")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    error = page.locator("[data-testid=error-page]")
    expect(error).to_contain_text("页面已过期")
    expect(error.get_by_role("link", name="返回上一页")).to_be_visible()
    assert "Forbidden" not in page.content()


@pytest.mark.parametrize("username", ["province_staff", "department", "gz_staff"])
def test_staff_navigation_fits_two_rows_at_1366(demo: str, page: Page, username: str):
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, demo, username, DEMO_PASSWORD)
    nav = page.locator("[data-testid=navbar]")
    link = nav.locator(".nav-link").first
    row = link.bounding_box()
    box = nav.bounding_box()
    assert row and box
    page.screenshot(path=f"var/screenshots/nav-1366-{username}.png")
    # Two rows of links at most: the bar is less than three link heights (plus its padding).
    assert box["height"] < 3 * row["height"], (username, box["height"], row["height"])
