"""Headless Chromium, issue 25 item 6: an organization whose filing ends in 60 days applies for
renewal from its renewal page (the profile and activity record shown), its city accepts it by
the button (asked first), the new validity is shown and the registry's dated history records
the renewal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from evalorg.core import clock
from evalorg.filing.models import FilingLetter
from evalorg.filing.services import add_years
from tests.applications.conftest import applicant_of
from tests.browser.login import login
from tests.factories import PASSWORD, CityStaffFactory, city_agency
from tests.filing.conftest import registry_row

pytestmark = pytest.mark.django_db(transaction=True)


def test_organization_applies_city_accepts_registry_shows_the_renewal(
    live_server, page: Page, dialogs: list[str]
):
    base = live_server.url
    letter = registry_row(number=1)
    until = clock.today() + timedelta(days=60)
    FilingLetter.objects.filter(pk=letter.pk).update(valid_until=until)
    organization = letter.application.institution
    owner = applicant_of(letter.application)
    city = CityStaffFactory(agency=city_agency("440100"))
    renewed = add_years(until + timedelta(days=1), 5).isoformat()

    login(page, base, owner.username, PASSWORD)
    page.goto(f"{base}/renewal/")
    page.click("[data-testid=new-renewal]")
    expect(page.locator("[data-testid=profile]")).to_contain_text(organization.uscc)
    expect(page.locator("[data-testid=new-until]")).to_have_text(renewed)
    page.fill("#statement", "备案以来按计划开展认定，接受质量督导。")
    page.click("[data-action=submit_renewal]")
    expect(page.locator("[data-testid=status]")).to_have_text("待受理")

    login(page, base, city.username, PASSWORD)
    page.goto(f"{base}/renewal/")
    page.locator("[data-testid=renewals] a", has_text=organization.name).click()
    page.click("[data-action=accept_renewal]")
    expect(page.locator("[data-testid=status]")).to_have_text("已同意延续")
    expect(page.locator("[data-testid=new-until]")).to_contain_text(renewed)

    page.goto(f"{base}/public/registry/organizations/{organization.pk}/")
    expect(page.locator("[data-testid=history]")).to_contain_text(f"延续，有效期延至 {renewed}")
    assert [d.split("？")[0] for d in dialogs] == ["确定同意延续"]
