"""Headless Chromium: pages report no Content-Security-Policy violation (issue 11, item 3):
the portal, the login and second-factor pages, a staff case page after an htmx request, and
the admin."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import Page

from evalorg.applications.models import Application
from tests.browser.login import login

pytestmark = pytest.mark.django_db(transaction=True)
DEMO_PASSWORD = "Demo-Pass-2026"


def _watch(page: Page) -> list[str]:
    """Console messages that are CSP refusals (Chromium logs each blocked resource)."""
    seen: list[str] = []
    page.on(
        "console",
        lambda message: (
            seen.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    return seen


def test_no_csp_violation_on_portal_login_staff_htmx_and_admin(live_server, page: Page):
    call_command("load_reference_data", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())
    violations = _watch(page)
    base = live_server.url

    page.goto(f"{base}/")
    page.wait_for_selector("[data-testid=portal]")
    page.goto(f"{base}/accounts/login/")
    page.goto(f"{base}/institution/signup/")

    login(page, base, "gz_staff", DEMO_PASSWORD)  # through the second-factor form
    page.goto(f"{base}/review/inbox/")
    case = Application.objects.filter(institution__city_id="440100").exclude(state="draft").first()
    assert case is not None  # the demo has submitted Guangzhou cases
    page.goto(f"{base}/applications/{case.pk}/")
    with page.expect_response(lambda r: "/eligibility" in r.url):
        page.click("button[hx-get]")
    page.wait_for_timeout(300)  # let htmx swap (and log any refusal)

    login(page, base, "admin", DEMO_PASSWORD)
    page.goto(f"{base}/admin/")
    page.goto(f"{base}/admin/accounts/user/")
    page.wait_for_load_state("networkidle")
    assert violations == []
