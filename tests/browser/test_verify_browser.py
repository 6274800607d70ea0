"""Headless Chromium, issue 25 item 5: whoever is shown a filing letter opens its verify page
(the QR code's short URL) and uploads the PDF: the signed original is reported valid, the same
letter altered and saved again is reported as changed, both with the letter's current status."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfWriter

from evalorg.core.files import open_stored
from tests.filing.conftest import issued, passed

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _upload(page: Page, content: bytes) -> None:
    page.set_input_files(
        "input[name=document]",
        files=[{"name": "备案函.pdf", "mimeType": "application/pdf", "buffer": content}],
    )
    page.locator("main form button[type=submit]").click()


def test_the_original_is_valid_and_an_altered_copy_is_changed(live_server, page: Page):
    letter = issued(passed())
    with open_stored(letter.pdf) as handle:
        original = handle.read()
    writer = PdfWriter(clone_from=io.BytesIO(original))  # edited and saved again
    writer.add_metadata({"/Subject": "有效期至2099年"})
    altered = io.BytesIO()
    writer.write(altered)

    page.goto(f"{live_server.url}/v/{letter.verify_code}/")
    expect(page.locator("[data-testid=verify-record]")).to_contain_text(letter.number)
    _upload(page, original)
    result = page.locator("[data-testid=verify-file-result]")
    expect(result).to_contain_text("核验通过")
    expect(result).to_contain_text("电子签名有效")
    expect(result).to_contain_text("备案函现行有效")

    _upload(page, altered.getvalue())
    expect(result).to_contain_text("核验未通过")
    expect(result).to_contain_text("电子签名无效")
    expect(result).to_contain_text("不一致")
    # On a phone the findings wrap: nothing scrolls sideways at 390 px.
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path="var/screenshots/verify-altered-390.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
