"""A filing letter can be checked by whoever is shown one (issue 25, N-5.2): its QR code and
short URL lead to the public verify page, which shows the registry's record as of today and
says whether an uploaded file is the letter as issued."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document
from pypdf import PdfReader, PdfWriter

from evalorg.core.files import open_stored
from evalorg.filing import verification
from evalorg.filing.models import FilingLetter

from .conftest import SH, issued, passed

pytestmark = pytest.mark.django_db
LATER = datetime(2024, 3, 1, 10, 0, tzinfo=SH)
EXPIRED = datetime(2029, 1, 1, 10, 0, tzinfo=SH)


def _bytes(stored) -> bytes:
    with open_stored(stored) as handle:
        return handle.read()


@pytest.fixture
def letter(staff) -> FilingLetter:
    return issued(passed(), staff)


def test_each_letter_gets_a_code_printed_with_its_url_in_pdf_and_word(letter):
    code = letter.verify_code
    assert code and len(code) == verification.CODE_LENGTH
    assert set(code) <= set(verification.ALPHABET)
    url = verification.verify_url(code)
    assert url.endswith(f"/v/{code}/")
    pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(_bytes(letter.pdf))).pages)
    assert code in pdf_text.replace(" ", "")
    word = Document(io.BytesIO(_bytes(letter.docx)))
    assert any(code in p.text for p in word.paragraphs)
    assert word.inline_shapes  # the QR code


def test_the_short_url_leads_to_the_record_as_of_today(client, letter):
    response = client.get(reverse("verify_short", args=[letter.verify_code.lower()]))
    assert response.status_code == 302
    with time_machine.travel(LATER, tick=False):
        page = client.get(response["Location"]).content.decode()
    institution = letter.application.institution
    assert institution.name in page and institution.uscc in page
    assert letter.number in page and "有效" in page
    for occupation in letter.occupations:
        assert occupation["name"] in page


def test_an_expired_letter_says_so(client, letter):
    with time_machine.travel(EXPIRED, tick=False):
        page = client.get(reverse("verify:letter", args=[letter.verify_code])).content.decode()
    assert "已过期" in page and "不能再据此开展" in page


def test_search_by_number_or_code_and_an_unknown_one(client, letter):
    for query in (letter.number, letter.verify_code):
        response = client.get(reverse("verify:search"), {"q": query})
        assert response["Location"] == reverse("verify:letter", args=[letter.verify_code])
    missing = client.get(reverse("verify:search"), {"q": "粤职评备〔2023〕999号"})
    assert missing.status_code == 404
    assert "没有找到" in missing.content.decode()
    assert client.get(reverse("verify:letter", args=["ZZZZZZZZZZ"])).status_code == 404


def _check(client, letter, content: bytes, name: str = "备案函.pdf") -> str:
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    url = reverse("verify:letter", args=[letter.verify_code])
    return client.post(url, {"document": upload}).content.decode()


def test_the_issued_file_matches_and_an_altered_one_does_not(client, letter):
    original = _bytes(letter.pdf)
    assert "完全一致" in _check(client, letter, original)
    assert "完全一致" in _check(client, letter, _bytes(letter.docx), "备案函.docx")
    writer = PdfWriter(clone_from=io.BytesIO(original))  # opened and saved again, edited
    writer.add_metadata({"/Subject": "有效期至2099年"})
    buffer = io.BytesIO()
    writer.write(buffer)
    altered = buffer.getvalue()
    page = _check(client, letter, altered)
    assert "不一致" in page and "完全一致" not in page


def test_an_uploaded_file_is_not_kept(client, letter):
    from evalorg.core.models import StoredFile

    before = StoredFile.objects.count()
    _check(client, letter, _bytes(letter.pdf))
    assert StoredFile.objects.count() == before
