"""Headless Chromium on the demo (issue 22): an applicant discards its draft from the wizard
(asked first), and two demo logins find live work on their home page and open it."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from evalorg.accounts.demo import DEMO_PASSWORD
from evalorg.applications.models import Application, State
from tests.browser.login import login

pytestmark = pytest.mark.django_db(transaction=True)
SZ_USCC = "52440300MJL0000012"  # applicant_sz's institution (institutions/demo.py)


def test_applicant_sz_discards_its_draft_from_the_wizard(
    live_server, page: Page, dialogs: list[str]
):
    call_command("load_demo", stdout=io.StringIO())
    draft = Application.objects.get(institution__uscc=SZ_USCC, state=State.DRAFT)
    login(page, live_server.url, "applicant_sz", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/applications/{draft.pk}/institution/")
    discard = page.locator("[data-testid=discard-draft]")
    discard.locator("summary").click()
    discard.locator("textarea[name=reason]").fill("本轮不再申报，改为下一轮申请。")
    discard.locator("button[data-action=withdraw]").click()
    page.wait_for_url(f"**/applications/{draft.pk}/")
    assert dialogs and "确定放弃此申请草稿吗" in dialogs[0]
    draft.refresh_from_db()
    assert draft.state == State.WITHDRAWN
    expect(page.locator("main")).to_contain_text("已撤回")
    expect(page.locator("[data-testid=discard-draft]")).to_have_count(0)


# Each login, the page its live work links to and a word of the step it finds there.
LIVE_WORK = [("sz_staff", "/complaints/", "开始调查核实"), ("department", "/sanctions/", "审定")]


def test_two_demo_logins_open_their_live_work_from_the_home_page(live_server, page: Page, settings):
    settings.EVALORG_DEMO_LIVE = True
    call_command("load_demo", stdout=io.StringIO())  # the live rounds: a few minutes
    for username, opened, step in LIVE_WORK:
        login(page, live_server.url, username, DEMO_PASSWORD)
        page.goto(f"{live_server.url}/")
        item = page.locator(f"[data-testid=todo-item] a[href*='{opened}']").first
        expect(item).to_be_visible()
        item.click()
        page.wait_for_url(f"**{opened}*/")
        expect(page.locator("main")).to_contain_text(step)
