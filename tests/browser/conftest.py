"""Browser fixtures shared by every browser test.

Irreversible actions ask in a ``window.confirm`` dialog (static/js/confirm.js): ``page`` accepts
every dialog and records its question in ``dialogs``, so a test can assert it was asked."""

from __future__ import annotations

import pytest
from playwright.sync_api import Dialog, Page


@pytest.fixture
def dialogs() -> list[str]:
    return []


@pytest.fixture
def page(page: Page, dialogs: list[str]) -> Page:
    def accept(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    return page
