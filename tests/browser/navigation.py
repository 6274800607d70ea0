"""The browser tests' way to a navigation entry: on the bar, or under "更多" (a <details>
opened first), as a user would reach it (issue 22)."""

from __future__ import annotations

from playwright.sync_api import Locator, Page


def nav_link(page: Page, label: str) -> Locator:
    more = page.locator("[data-testid=nav-more]")
    if more.count() and more.locator("a", has_text=label).count():
        if not more.evaluate("details => details.open"):
            more.locator("summary").click()
        return more.locator("a", has_text=label).first
    return page.locator("[data-testid=navbar] a.nav-link", has_text=label).first
