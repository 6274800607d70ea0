"""Upload content checks (issue #11, docs/security.md "Uploads"): active PDFs, image polyglots
and ZIP bombs are refused with a Chinese reason and leave nothing behind; legitimate files,
the project's own PDFs and a 10,000-item question bank pass; bodies above the limit are cut off.
"""

from __future__ import annotations

import io
import random
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from evalorg.core.content_checks import check_content
from evalorg.core.files import UploadRefused, store_upload
from evalorg.core.models import StoredFile
from evalorg.core.uploads import LimitedUploadHandler, UploadTooLarge
from tests.core.test_files import ALL_KINDS, MB, docx_bytes, files_in_storage, image_bytes, upload
from tests.factories import MINIMAL_PDF

pytestmark = pytest.mark.django_db


def refused(content: bytes, name: str = "材料") -> str:
    """The refusal message; asserts that nothing was stored."""
    before = StoredFile.objects.count()
    with pytest.raises(UploadRefused) as excinfo:
        store_upload(upload(name, content), allowed_kinds=ALL_KINDS, max_bytes=50 * MB, user=None)
    assert StoredFile.objects.count() == before
    return excinfo.value.message


def accepted(content: bytes, name: str = "材料") -> StoredFile:
    return store_upload(
        upload(name, content), allowed_kinds=ALL_KINDS, max_bytes=50 * MB, user=None
    )


def _pdf(build) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    build(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _open_action_js(writer: PdfWriter) -> None:
    action = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert(1)"),
        }
    )
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)


def _launch(writer: PdfWriter) -> None:
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("calc.exe")}
    )
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)


def _names_javascript(writer: PdfWriter) -> None:
    script = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert(1)"),
        }
    )
    tree = DictionaryObject(
        {NameObject("/Names"): ArrayObject([TextStringObject("x"), writer._add_object(script)])}
    )
    writer._root_object[NameObject("/Names")] = DictionaryObject(
        {NameObject("/JavaScript"): writer._add_object(tree)}
    )


def _page_aa(writer: PdfWriter) -> None:
    writer.pages[0][NameObject("/AA")] = DictionaryObject()


ACTIVE_PDFS = {
    "names-javascript": _names_javascript,
    "openaction-js": _open_action_js,
    "launch": _launch,
    "page-aa": _page_aa,
}


@pytest.mark.parametrize("build", ACTIVE_PDFS.values(), ids=ACTIVE_PDFS.keys())
def test_pdf_with_javascript_or_actions_is_refused(tmp_path, build):
    message = refused(_pdf(build), "申请表.pdf")
    assert "申请表.pdf" in message and "上传规则" in message and "JavaScript" in message
    assert files_in_storage(tmp_path) == []


def test_escaped_names_and_html_polyglot_are_refused():
    escaped = MINIMAL_PDF.replace(b"/Type/Catalog", b"/Type/Catalog/OpenAction<</S/J#61vaScript>>")
    assert "JavaScript" in refused(escaped)
    polyglot = MINIMAL_PDF.replace(b"%%EOF", b"%%EOF\n<html><script>alert(1)</script>")
    polyglot = polyglot.replace(b"1 0 obj<<", b"1 0 obj<</AA<</O 4 0 R>>")
    assert "/AA" in refused(polyglot)


def test_unparsable_pdf_is_refused():
    assert "须能被解析" in refused(b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n")


def test_legitimate_pdfs_pass_including_the_projects_own():
    from weasyprint import HTML

    link = '<a href="https://hrss.gd.gov.cn/">链接</a>'
    own = HTML(string=f"<h1>备案申请表</h1><p>{link}</p>").write_pdf()
    for content in (MINIMAL_PDF, image_bytes("PDF"), own, _pdf(lambda w: None)):
        assert accepted(content, "ok.pdf").kind == "pdf"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_image_with_trailing_html_is_refused(fmt):
    assert "上传规则" in refused(image_bytes(fmt) + b"<html><script>alert(1)</script></html>")
    assert "上传规则" in refused(image_bytes(fmt) + b"trailing bytes")


def _noise(fmt: str) -> bytes:
    buffer = io.BytesIO()
    noise = Image.frombytes("RGB", (64, 64), random.Random(1).randbytes(64 * 64 * 3))
    noise.save(buffer, fmt)
    return buffer.getvalue()


def test_images_that_do_not_decode_are_refused():
    png = _noise("PNG")
    assert "完整解码" in refused(png[: len(png) // 2] + png[-12:])  # truncated, IEND kept
    jpeg = _noise("JPEG")
    assert "完整解码" in refused(jpeg[: len(jpeg) // 2])  # truncated
    assert "完整解码" in refused(b"\xff\xd8\xff\xe0" + b"\x13" * 400 + b"\xff\xd9")  # garbage


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_valid_images_pass(fmt):
    assert accepted(image_bytes(fmt)).kind == fmt.lower()


def _docx_with(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO(docx_bytes())
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def test_zip_bomb_named_docx_is_refused_by_ratio_without_extracting():
    bomb = _docx_with("word/media/bomb.xml", b"\0" * (20 * MB))
    assert len(bomb) < MB
    message = refused(bomb, "bomb.docx")
    assert "压缩炸弹" in message and "上传规则" in message


def test_ooxml_above_the_unpacked_size_is_refused(settings):
    settings.EVALORG_OOXML_MAX_UNPACKED_BYTES = 2 * MB
    big = _docx_with("word/media/noise.bin", random.Random(2).randbytes(3 * MB))
    assert "解压后不超过 2 MB" in refused(big, "big.docx")


def test_a_10000_item_question_bank_passes():
    """The bank bench's size (bench/banks.py): 10,000 items in one XLSX."""
    from bench.banks import items

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("理论知识试题")
    sheet.append(["试题编号", "题型", "题干", "A", "B", "C", "D", "E", "答案", "鉴定点", "难度"])
    for item in items(random.Random(42)):
        sheet.append([item.item_id, item.type, item.stem, *item.options, item.answer])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert accepted(buffer.getvalue(), "题库.xlsx").kind == "xlsx"


def test_upload_handler_stops_as_soon_as_the_limit_is_passed(settings):
    settings.EVALORG_MAX_REQUEST_BYTES = 100 * 1024
    handler = LimitedUploadHandler()
    chunk = b"x" * (64 * 1024)
    assert handler.receive_data_chunk(chunk, 0) == chunk
    with pytest.raises(UploadTooLarge):
        handler.receive_data_chunk(chunk, len(chunk))
    with pytest.raises(UploadTooLarge):
        handler.handle_raw_input(None, {}, 101 * 1024, b"b")


def test_a_body_above_the_limit_is_refused_before_it_is_read(client, settings):
    from tests.applications.conftest import applicant_of, build_application

    application = build_application()
    client.force_login(applicant_of(application))
    url = reverse("applications:material_upload", args=[application.pk, "credit"])
    before = application.materials.count()
    response = client.post(
        url, {"file": SimpleUploadedFile("x.pdf", MINIMAL_PDF)}, CONTENT_LENGTH=str(300 * MB)
    )
    assert response.status_code == 413 and "100 MB" in response.content.decode()
    settings.EVALORG_MAX_REQUEST_BYTES = 64 * 1024
    big = SimpleUploadedFile("big.pdf", MINIMAL_PDF + b"%" * (128 * 1024))
    response = client.post(url, {"file": big})
    assert response.status_code == 413 and "上传规则" in response.content.decode()
    assert application.materials.count() == before


def test_check_content_rewinds_the_file():
    buffer = io.BytesIO(image_bytes("PNG"))
    check_content("a.png", "png", buffer)
    assert buffer.tell() == 0
