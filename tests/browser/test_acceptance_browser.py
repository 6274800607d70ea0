"""Headless Chromium, issue 18: no filing letter without the leadership group's approval
(notice 四(三), N-4.3). The center finds no accept or issue button on a cultivating case whose
bank passed; it proposes an acceptance batch; the department finds the batch from its own
home page and records the approval with buttons only; only then does the center issue the
batch's letters, and the letter exists.

The earlier stages are set up with factories (the case is cultivating, its bank passed)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from evalorg.applications.models import Application, State
from evalorg.core import clock
from evalorg.filing.models import FilingLetter
from evalorg.selection.models import LeadershipApproval
from tests.browser.login import login
from tests.browser.navigation import nav_link
from tests.factories import MINIMAL_PDF, PASSWORD
from tests.filing.conftest import department_staff, passed, province_staff

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _login(page: Page, base: str, username: str) -> None:
    login(page, base, username, PASSWORD)  # password, then the second factor for staff


def _open_batch_from_home(page: Page, base: str, title: str, link) -> None:
    """From the home page, by ``link`` (a locator on it) to the batch list, then the batch."""
    page.goto(f"{base}/")
    link(page).click()
    page.locator("main a", has_text=title).click()
    expect(page.locator("h1")).to_contain_text(title)


def _nav(label: str):
    return lambda page: nav_link(page, label)


def test_letters_only_after_the_department_approves_the_batch(live_server, page: Page):
    base = live_server.url
    center, department = province_staff(), department_staff()
    case = passed()
    Application.objects.filter(pk=case.pk).update(receiving_agency=center.agency)

    # The center opens the case: its bank passed, yet nothing accepts or issues a letter here.
    _login(page, base, center.username)
    page.goto(f"{base}/applications/{case.pk}/")
    expect(page.locator("h1")).to_be_visible()
    main = page.locator("main")
    expect(main.locator("button", has_text="签发备案函")).to_have_count(0)
    expect(main.locator("button", has_text="验收通过")).to_have_count(0)
    expect(main.locator("button", has_text="备案")).to_have_count(0)
    expect(main.locator("form[action*='/actions/accept/']")).to_have_count(0)
    expect(main.locator("form[action*='/issue/']")).to_have_count(0)

    # The center proposes an acceptance batch (成熟一批，公布一批).
    page.goto(f"{base}/filing/batches/?round={case.round_id}")
    page.check(f"[data-testid=batch-form] input[name=case][value='{case.pk}']")
    page.fill("[data-testid=batch-form] input[name=title]", "2023年第一批验收")
    page.locator("[data-testid=batch-form] button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("2023年第一批验收")
    # Proposed, not approved: no letters to issue, nothing to publish.
    expect(page.locator("[data-testid=batch-actions]")).to_have_count(0)

    # The department finds the batch from its own home page (to-do list) and approves it,
    # buttons only.
    _login(page, base, department.username)
    page.goto(f"{base}/")
    item = page.locator("[data-testid=todo-item]", has_text="记录领导小组审定")
    item.locator("a", has_text="2023年第一批验收").click()  # the item leads to the batch itself
    expect(page.locator("h1")).to_contain_text("2023年第一批验收")
    approval = page.locator("[data-testid=batch-approval]")
    expect(approval.locator(f"input[name=approve][value='{case.pk}']")).to_be_checked()
    approval.locator("input[name=decided_on]").fill(clock.today().isoformat())
    approval.locator("input[name=meeting_ref]").fill("厅党组会议2023年第12次")
    approval.locator("input[name=minutes]").set_input_files(
        files=[{"name": "会议纪要.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}]
    )
    assert not FilingLetter.objects.exists()
    approval.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("已记录审定结果")
    expect(page.locator("[data-testid=entries]")).to_contain_text("验收通过")
    expect(page.locator("[data-testid=batch-actions]")).to_have_count(0)  # the center's step
    assert LeadershipApproval.objects.get(kind="acceptance").status == "approved"
    assert not FilingLetter.objects.exists()

    # The center issues the batch's letters; the letter exists and the case is filed.
    _login(page, base, center.username)
    _open_batch_from_home(page, base, "2023年第一批验收", _nav("验收批次"))
    actions = page.locator("[data-testid=batch-actions]")
    expect(actions.locator("button", has_text="公布验收批次")).to_have_count(0)  # no letter yet
    actions.locator("button", has_text="签发本批备案函").click()
    expect(page.locator(".alert-success")).to_contain_text("已签发备案函 1 份")
    letter = FilingLetter.objects.get(application=case)
    expect(page.locator("[data-testid=entries]")).to_contain_text(letter.number)
    expect(actions.locator("button", has_text="签发本批备案函")).to_have_count(0)
    expect(actions.locator("button", has_text="公布验收批次")).to_have_count(1)
    assert Application.objects.get(pk=case.pk).state == State.FILED
