"""Headless Chromium walks the front door (issue #10): the anonymous portal, sign-up from the
login page, password reset with the e-mail read from the outbox, a Chinese 404; and it leaves
screenshots of the main pages at 1366 px and 390 px wide in var/screenshots/."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.login import login
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = Path("var/screenshots")
WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}
NEW_PASSWORD = "Xin-Mima-2026!"


def _shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"{name}-{label}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def test_portal_signup_reset_404_and_screenshots(live_server, page: Page):
    call_command("load_reference_data", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())
    base = live_server.url
    user = UserFactory(username="reset_me", email="reset_me@example.cn")

    page.goto(f"{base}/")
    expect(page.locator("[data-testid=portal]")).to_be_visible()
    expect(page.locator("[data-testid=portal-agencies]")).to_contain_text("广州市")
    _shoot(page, "portal")

    page.click("[data-testid=portal-login]")
    expect(page.locator("[data-testid=signup-link]")).to_be_visible()
    _shoot(page, "login")
    page.click("[data-testid=signup-link]")
    expect(page).to_have_url(re.compile(r"/signup/"))
    expect(page.locator("main form")).to_be_visible()
    _shoot(page, "signup")

    page.goto(f"{base}/accounts/login/")
    page.click("[data-testid=forgot-password]")
    page.fill("#id_email", user.email)
    page.click("main button[type=submit]")
    expect(page.locator("main")).to_contain_text("邮")
    sent = [m for m in mail.outbox if m.to == [user.email]]  # the demo sends its own e-mails
    assert len(sent) == 1 and "重设" in sent[0].subject + sent[0].body
    link = re.search(r"https?://\S+/reset/\S+", sent[0].body).group(0)
    page.goto(link.replace(re.match(r"https?://[^/]+", link).group(0), base))
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    page.click("main button[type=submit]")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    response = page.goto(f"{base}/no-such-page/")
    assert response.status == 404
    expect(page.locator("[data-testid=error-page]")).to_contain_text("页面不存在")
    assert "Not Found" not in page.content()

    login(page, base, "gz_staff", "Demo-Pass-2026")  # password, then the second factor
    expect(page.locator("[data-testid=dashboard]")).to_be_visible()
    _shoot(page, "home-city-staff")
    page.set_viewport_size({"width": 390, "height": 844})
    toggle = page.locator("[data-testid=nav-toggle]")
    expect(toggle).to_be_visible()
    toggle.click()
    expect(page.locator("#main-nav")).to_be_visible()
    page.set_viewport_size({"width": 1366, "height": 900})
    for path, name in [("/review/inbox/", "inbox"), ("/review/panels/", "panels")]:
        page.goto(f"{base}{path}")
        _shoot(page, name)
