"""The browser tests' login: password, then the real second-factor form when the account
needs one (the code computed from the device's key, as an authenticator app would)."""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from evalorg.accounts.models import User
from tests.security.otp_helpers import code_for, fresh_code


def login(page: Page, base: str, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    if page.locator("[data-testid=otp-verify]").count():
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        page.fill("#id_token", fresh_code(device))
        page.click("[data-testid=otp-submit]")
    elif page.locator("[data-testid=otp-setup]").count():
        user = User.objects.get(username=username)
        device = TOTPDevice.objects.get(user=user, confirmed=False)
        page.fill("#id_token", code_for(device))
        page.click("[data-testid=otp-submit]")
        expect(page.locator("[data-testid=recovery-code]")).to_have_count(10)
        page.click("[data-testid=otp-continue]")
    expect(page.locator("[data-testid=current-user]")).to_be_visible()
    expect(page.locator("[data-testid=otp-verify], [data-testid=otp-setup]")).to_have_count(0)
