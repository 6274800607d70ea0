"""Headless Chromium: what applicants and the public see (issue 22): the portal countdown
without a leading comma, and the sign-up's government-body warning as the code is typed."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(live_server) -> str:
    call_command("load_reference_data", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())
    return live_server.url


def test_the_portal_countdown_reads_without_a_leading_comma(demo: str, page: Page):
    page.goto(f"{demo}/")
    countdown = page.locator("[data-testid=countdown]")
    expect(countdown).to_have_text(re.compile(r"^还剩 \d+ 天 \d+ 小时 \d+ 分$"))


def test_sign_up_warns_of_a_government_body_code_as_it_is_typed(demo: str, page: Page):
    page.goto(f"{demo}/institution/signup/")
    warning = page.locator("[data-testid=uscc-government-warning]")
    expect(warning).to_be_hidden()
    page.fill("#id_uscc", "11440000")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("N-2.4.1")
    page.fill("#id_uscc", "91440101")
    expect(warning).to_be_hidden()
