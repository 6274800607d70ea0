"""Headless Chromium (issue 13): the department's report page draws its charts from the
vendored Chart.js; a city's staff creates a token on the profile page and the API answers
with its own city's case; the API docs render from our static files."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.login import login
from tests.browser.navigation import nav_link

pytestmark = pytest.mark.django_db(transaction=True)
DEMO_PASSWORD = "Demo-Pass-2026"


def _login(page: Page, base: str, username: str) -> None:
    login(page, base, username, DEMO_PASSWORD)  # password, then the second factor


def test_reports_tokens_and_docs(live_server, page: Page, dialogs: list[str]):
    call_command("load_reference_data", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())
    base = live_server.url
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    _login(page, base, "department")
    nav_link(page, "统计报表").click()
    expect(page.locator("body[data-charts-drawn=true]")).to_have_count(1)
    assert page.locator("#chart-states").bounding_box()["height"] > 50
    expect(page.locator("[data-testid=by-city-state]")).to_contain_text("广州市")
    page.screenshot(path="var/screenshot-reports.png", full_page=True)

    _login(page, base, "gz_staff")
    page.goto(f"{base}/accounts/profile/")
    page.fill("#id_name", "对接系统")
    page.select_option("#id_scope", "read")
    page.click("text=创建令牌")
    secret = page.locator("[data-testid=new-token] code").inner_text().strip()
    assert secret.startswith("eo_")
    response = page.request.get(f"{base}/api/cases", headers={"Authorization": f"Bearer {secret}"})
    assert response.status == 200
    cities = {item["institution"]["city"] for item in response.json()["items"]}
    assert cities == {"广州市"}
    # Post/redirect/get: reloading shows the secret no more and creates nothing (issue 22).
    page.reload()
    expect(page.locator("[data-testid=new-token]")).to_have_count(0)
    expect(page.locator("[data-testid=token-row]")).to_have_count(1)
    page.click("[data-testid=revoke-token]")
    assert dialogs and "对接系统" in dialogs[-1]
    expect(page.locator("[data-testid=token-row]")).to_contain_text("已撤销")
    assert (
        page.request.get(f"{base}/api/cases", headers={"Authorization": f"Bearer {secret}"}).status
        == 401
    )

    page.goto(f"{base}/api/docs")
    expect(page.locator(".swagger-ui .title")).to_contain_text("EvalOrg 开放接口")
    assert errors == []
