"""Headless Chromium: the Chinese login page and a demo login (issue #2)."""

import io

import pytest
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.security.otp_helpers import fresh_code

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_login_reaches_home(live_server, page):
    call_command("load_reference_data", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("[data-testid=portal]")
    page.click("[data-testid=portal-login]")
    assert "用户登录" in page.content()
    page.fill("#id_username", "gz_staff")
    page.fill("#id_password", "Demo-Pass-2026")
    page.click("button[type=submit]")
    # Staff need the second factor: the demo accounts share one published TOTP key.
    page.wait_for_selector("[data-testid=otp-verify]")
    device = TOTPDevice.objects.get(user__username="gz_staff")
    page.fill("#id_token", fresh_code(device))
    page.click("[data-testid=otp-submit]")
    page.wait_for_selector("[data-testid=todo-list]")
    assert "广州市职业技能评价指导机构" in page.content()
    page.screenshot(path="var/screenshot-home.png")
