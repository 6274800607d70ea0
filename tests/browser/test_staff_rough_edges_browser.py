"""Headless Chromium (issue 22): what staff and an institution's admin see of the rough edges
fixed: the contact reveal on the case page, 全部核验通过 on the checklist, and an admin
deactivating a member."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from evalorg.accounts.models import User
from evalorg.applications.models import Application
from evalorg.core.models import AuditEvent
from tests.browser.login import login
from tests.factories import ApplicantFactory

pytestmark = pytest.mark.django_db(transaction=True)
DEMO_PASSWORD = "Demo-Pass-2026"


@pytest.fixture
def demo(live_server) -> str:
    call_command("load_reference_data", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())
    return live_server.url


def test_staff_reveal_the_contact_and_pass_every_uploaded_material(demo: str, page: Page):
    case = Application.objects.get(institution__uscc="91440101MA5CXY0010", state="submitted")
    phone = case.institution.contact_phone
    first_item = case.materials.filter(is_current=True).order_by("pk").first().item_code
    case.materials.filter(item_code=first_item).update(is_current=False)
    login(page, demo, "gz_staff", DEMO_PASSWORD)

    page.goto(f"{demo}/applications/{case.pk}/")
    cell = page.locator("[data-testid=answer-contact_phone]")
    expect(cell).not_to_contain_text(phone)
    page.click("[data-testid=reveal-contact_phone]")
    expect(page.locator("[data-testid=revealed-contact_phone]")).to_have_text(phone)
    assert AuditEvent.objects.filter(action="contact_phone_revealed").count() == 1

    page.goto(f"{demo}/review/inbox/{case.pk}/verify/")
    page.click("[data-action=pass_uploaded]")
    expect(page.locator(".alert-success, .alert-info").first).to_contain_text("未作改动")
    for row in page.locator("tr[data-item]").all():
        boxes = row.locator("input[type=checkbox]")
        if row.get_attribute("data-item") == first_item:
            assert not any(b.is_checked() for b in boxes.all())
        else:
            assert all(b.is_checked() for b in boxes.all())
    page.screenshot(path="var/screenshots/staff-pass-uploaded.png", full_page=True)


def test_the_institution_s_admin_deactivates_a_member(demo: str, page: Page):
    admin = User.objects.get(username="applicant_gz")
    member = ApplicantFactory(institution=admin.membership.institution, full_name="待停用同事")
    login(page, demo, "applicant_gz", DEMO_PASSWORD)
    page.goto(f"{demo}/institution/profile/")
    row = page.locator(f"[data-testid=member-{member.username}]")
    row.locator("[data-action=deactivate_member]").click()  # the page's dialog is accepted
    row = page.locator(f"[data-testid=member-{member.username}]")
    expect(row.locator("[data-testid=member-status]")).to_have_text("已停用")
    expect(row.locator("[data-action=reactivate_member]")).to_be_visible()
    member.refresh_from_db()
    assert not member.is_active
