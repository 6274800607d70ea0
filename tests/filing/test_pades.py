"""Filing letters are PAdES-signed PDFs (issue 25 item 5, N-5.2): the worker signs each letter
with the department's key after rendering and before hashing; the public verify page says of
an uploaded PDF whether the signature holds (trust root: the department's CA), whether the file
was changed after signing, and whether the letter is current. Older unsigned letters still
verify by their SHA-256."""

from __future__ import annotations

import hashlib
import io
import time
from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader, PdfWriter

from evalorg.core.files import open_stored
from evalorg.filing import letters, signing, verification
from evalorg.filing.models import FilingLetter
from evalorg.settings import refuse_missing_signing

from .conftest import SH, issued, passed

pytestmark = pytest.mark.django_db
EXPIRED = datetime(2029, 1, 1, 10, 0, tzinfo=SH)


def _bytes(stored) -> bytes:
    with open_stored(stored) as handle:
        return handle.read()


@pytest.fixture
def letter(staff) -> FilingLetter:
    return issued(passed(), staff)


def _check(client, letter, content: bytes, name: str = "备案函.pdf") -> str:
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    url = reverse("verify:letter", args=[letter.verify_code])
    return client.post(url, {"document": upload}).content.decode()


def _unsigned_pdf(letter: FilingLetter) -> bytes:
    context = {**letter.document_data, "verify_qr": verification.qr_data_uri(letter.verify_code)}
    return letters.render_letter_pdf(context)


def test_the_stored_letter_is_a_pades_signature_of_the_department(letter):
    pdf = _bytes(letter.pdf)
    assert hashlib.sha256(pdf).hexdigest() == letter.pdf_sha256  # hashed after signing
    field = PdfReader(io.BytesIO(pdf)).get_fields()[signing.FIELD]
    assert field["/V"]["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES baseline
    check = signing.validate(pdf, signing.credentials().ca_file)
    assert check.holds and check.whole_file and "备案函签章" in check.signer


def test_the_signed_letter_verifies(client, letter):
    page = _check(client, letter, _bytes(letter.pdf))
    assert "核验通过" in page and "电子签名有效" in page
    assert "完全一致" in page and "备案函现行有效" in page


def test_an_expired_letter_verifies_as_signed_but_not_current(client, letter):
    with time_machine.travel(EXPIRED, tick=False):
        page = _check(client, letter, _bytes(letter.pdf))
    assert "电子签名有效" in page and "现已不再有效" in page and "已过期" in page


def test_one_byte_changed_is_reported_as_changed(client, letter):
    pdf = bytearray(_bytes(letter.pdf))
    at = pdf.index(b"stream") + 20  # inside the first page's content, under the signature
    pdf[at] ^= 0x01
    page = _check(client, letter, bytes(pdf))
    assert "核验未通过" in page and "电子签名无效" in page and "已被改动" in page
    assert "不一致" in page and "完全一致" not in page


def test_a_change_appended_after_signing_is_reported(client, letter):
    writer = PdfWriter(io.BytesIO(_bytes(letter.pdf)), incremental=True)
    writer.add_metadata({"/Subject": "有效期至2099年"})
    buffer = io.BytesIO()
    writer.write(buffer)
    page = _check(client, letter, buffer.getvalue())
    assert "核验未通过" in page and "签名之后被追加修改" in page


def test_a_pdf_signed_by_another_ca_is_not_trusted(client, letter, settings, tmp_path):
    department = settings.EVALORG_SIGNING_DEV_DIR
    settings.EVALORG_SIGNING_DEV_DIR = tmp_path / "other-ca"  # same names, another key
    forged = signing.sign_pdf(_unsigned_pdf(letter))
    settings.EVALORG_SIGNING_DEV_DIR = department
    page = _check(client, letter, forged)
    assert "核验未通过" in page and "电子签名不可信" in page


def test_an_unsigned_letter_issued_before_signing_still_verifies_by_hash(client, letter):
    unsigned = _unsigned_pdf(letter)
    FilingLetter.objects.filter(pk=letter.pk).update(
        pdf_sha256=hashlib.sha256(unsigned).hexdigest()
    )
    page = _check(client, letter, unsigned)
    assert "核验通过" in page and "尚未加盖电子签名" in page and "完全一致" in page
    page = _check(client, letter, unsigned + b"\n")
    assert "核验未通过" in page and "不带电子签名" in page


def test_a_letter_signed_for_another_number_is_not_this_one(client, letter, staff):
    other = issued(passed(), staff)
    page = _check(client, letter, _bytes(other.pdf))
    assert "核验未通过" in page and "电子签名有效" in page and letter.number in page
    assert "不是备案函" in page


def test_a_file_that_is_no_pdf_or_takes_too_long_is_answered(client, letter, monkeypatch):
    assert "无法核验电子签名" in _check(client, letter, b"%PDF-1.7\n" + b"0" * 100)

    def stalls(pdf: bytes, ca_file: Path) -> signing.SignatureCheck:
        time.sleep(30)
        return signing.SignatureCheck()

    monkeypatch.setattr(signing, "validate", stalls)  # the forked child runs this one
    started = time.monotonic()
    check = signing.validate_bounded(_bytes(letter.pdf), seconds=0.5)
    assert check.timed_out and time.monotonic() - started < 10


def test_production_refuses_to_start_without_the_signing_files(tmp_path):
    with pytest.raises(Exception, match="EVALORG_SIGNING_KEY_FILE"):
        refuse_missing_signing("", "", "")
    signing.make_test_ca(tmp_path / "ca")
    files = [str(tmp_path / "ca" / name) for name in ("signer-key.pem", "signer.pem", "ca.pem")]
    with pytest.raises(Exception, match="EVALORG_SIGNING_CA_FILE"):
        refuse_missing_signing(files[0], files[1], str(tmp_path / "missing.pem"))
    refuse_missing_signing(*files)


def test_make_test_signing_ca_writes_a_ca_once(tmp_path):
    out = io.StringIO()
    call_command("make_test_signing_ca", "--dir", str(tmp_path / "ca"), stdout=out)
    assert "generated" in out.getvalue() and "EVALORG_SIGNING_CA_FILE=" in out.getvalue()
    first = (tmp_path / "ca" / "ca.pem").read_bytes()
    call_command("make_test_signing_ca", "--dir", str(tmp_path / "ca"), stdout=out)
    assert "kept the existing" in out.getvalue()
    assert (tmp_path / "ca" / "ca.pem").read_bytes() == first
