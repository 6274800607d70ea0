"""The application PDF keeps the USCC on one line (issue 22): the print table wraps anywhere
(overflow-wrap), so the USCC's cell is ``white-space: nowrap``. Checked on the HTML that
WeasyPrint is given."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string

from evalorg.applications import pdf

from .conftest import build_application

pytestmark = pytest.mark.django_db


def test_the_uscc_cell_does_not_wrap(monkeypatch):
    rendered: list[str] = []

    def html_only(template: str, context: dict) -> bytes:
        rendered.append(render_to_string(template, context))
        return b"%PDF-"

    monkeypatch.setattr(pdf, "render_pdf", html_only)
    application = build_application()
    pdf.application_pdf_bytes(application)
    html = rendered[0]
    cell = re.search(r'<td class="([^"]*)" data-testid="uscc">([^<]*)</td>', html)
    assert cell and cell.group(2) == application.institution.uscc
    assert "nowrap" in cell.group(1).split()
    assert re.search(r"\.nowrap\s*\{\s*white-space:\s*nowrap;?\s*\}", html)
