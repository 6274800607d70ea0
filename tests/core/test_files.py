"""Private uploads: content sniffing, refusals that store nothing, hashes, downloads."""

from __future__ import annotations

import hashlib
import io
import zipfile
from email.message import Message
from pathlib import Path

import docx
import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from evalorg.core.files import (
    UploadRefused,
    atomic_uploads,
    clean_name,
    file_response,
    sniff_kind,
    store_upload,
)
from evalorg.core.models import StoredFile
from tests.factories import MINIMAL_PDF, UserFactory

MB = 1024 * 1024
ALL_KINDS = ["pdf", "jpeg", "png", "docx", "xlsx"]


def image_bytes(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, fmt)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("广东省社会培训评价组织")
    document.save(buffer)
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "职业代码"
    workbook.save(buffer)
    return buffer.getvalue()


def zip_bytes(entries: dict[str, bytes], base: bytes = b"") -> bytes:
    buffer = io.BytesIO(base)
    with zipfile.ZipFile(buffer, "a" if base else "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


PDF = image_bytes("PDF")  # Pillow writes a small, valid PDF
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def files_in_storage(tmp_path: Path) -> list[Path]:
    root = tmp_path / "private"
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.fixture
def user(db):
    return UserFactory()


def refuse(uploaded, allowed=ALL_KINDS, max_bytes=20 * MB, user=None) -> str:
    with pytest.raises(UploadRefused) as refused:
        store_upload(uploaded, allowed_kinds=allowed, max_bytes=max_bytes, user=user)
    return refused.value.message


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (PDF, "pdf"),
        (image_bytes("PNG"), "png"),
        (image_bytes("JPEG"), "jpeg"),
        (docx_bytes(), "docx"),
        (xlsx_bytes(), "xlsx"),
        (EXE, None),
        (b"plain text, not a document", None),
        (zip_bytes({"readme.txt": b"hello"}), None),
        (zip_bytes({"word/vbaProject.bin": b"macro"}, base=docx_bytes()), None),  # .docm
        (b"PK\x03\x04 truncated zip", None),
    ],
    ids=["pdf", "png", "jpeg", "docx", "xlsx", "exe", "text", "zip", "docm", "broken-zip"],
)
def test_sniff_kind_reads_content_and_rewinds(content, kind):
    fileobj = upload("misleading-name.pdf", content)
    fileobj.read(3)

    assert sniff_kind(fileobj) == kind
    assert fileobj.tell() == 0


@pytest.mark.django_db
def test_exe_renamed_pdf_is_refused_and_nothing_is_stored(tmp_path, user):
    message = refuse(upload("营业执照.pdf", EXE), allowed=["pdf", "jpeg"], user=user)

    assert message == "文件“营业执照.pdf”的实际类型不是允许的类型（允许：PDF、JPEG 图片）。"
    assert not StoredFile.objects.exists()
    assert files_in_storage(tmp_path) == []


class Unreadable(io.BytesIO):
    def read(self, *args):
        raise AssertionError("read before the size check")

    def seek(self, *args):
        raise AssertionError("read before the size check")


@pytest.mark.django_db
def test_oversize_file_is_refused_before_reading(tmp_path, user):
    uploaded = upload("大文件.pdf", b"")
    uploaded.file = Unreadable()
    uploaded.size = int(25.3 * MB)

    message = refuse(uploaded, max_bytes=20 * MB, user=user)

    assert message == "文件“大文件.pdf”大小为 25.3 MB，超过本项上限 20 MB。"
    assert not StoredFile.objects.exists()
    assert files_in_storage(tmp_path) == []


@pytest.mark.django_db
def test_file_larger_than_its_declared_size_is_refused(tmp_path, user):
    uploaded = upload("a.pdf", PDF + b"\n" * 4096)
    uploaded.size = 10

    assert "超过本项上限" in refuse(uploaded, max_bytes=len(PDF), user=user)
    assert files_in_storage(tmp_path) == []


@pytest.mark.django_db
def test_empty_file_is_refused(tmp_path, user):
    assert refuse(upload("空.pdf", b""), user=user) == "文件“空.pdf”是空文件，请重新选择。"
    assert files_in_storage(tmp_path) == []


@pytest.mark.django_db
def test_plain_zip_renamed_docx_is_refused(tmp_path, user):
    message = refuse(upload("申请表.docx", zip_bytes({"a.txt": b"x"})), allowed=["docx"])

    assert "实际类型不是允许的类型（允许：Word 文档（DOCX））" in message
    assert files_in_storage(tmp_path) == []


@pytest.mark.django_db
def test_known_type_outside_the_allow_list_names_the_allowed_types(tmp_path, user):
    message = refuse(upload("照片.pdf", image_bytes("PNG")), allowed=["pdf", "jpeg"], user=user)

    assert message == "文件“照片.pdf”是 PNG 图片，本项只允许：PDF、JPEG 图片。"
    assert files_in_storage(tmp_path) == []


@pytest.mark.django_db
def test_pdf_is_stored_under_a_random_name_with_its_hash(tmp_path, user):
    stored = store_upload(
        upload("营业执照.pdf", PDF), allowed_kinds=["pdf"], max_bytes=20 * MB, user=user
    )

    stored.refresh_from_db()
    assert stored.original_name == "营业执照.pdf"
    assert (stored.kind, stored.content_type) == ("pdf", "application/pdf")
    assert stored.size == len(PDF)
    assert stored.sha256 == hashlib.sha256(PDF).hexdigest()
    assert stored.uploaded_by == user
    [path] = files_in_storage(tmp_path)
    assert path.read_bytes() == PDF
    assert path.relative_to(tmp_path / "private").as_posix() == stored.storage_path
    assert "营业执照" not in str(path) and "pdf" not in path.name


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [("表格.docx", xlsx_bytes(), "xlsx"), ("文档.xlsx", docx_bytes(), "docx")],
)
def test_kind_comes_from_content_not_from_the_name(user, name, content, kind):
    stored = store_upload(upload(name, content), allowed_kinds=ALL_KINDS, max_bytes=MB, user=user)

    assert stored.kind == kind
    assert stored.content_type.startswith("application/vnd.openxmlformats-officedocument.")


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("C:\\fakepath\\营业执照.pdf", "营业执照.pdf"),
        ("../../etc/证书.pdf", "证书.pdf"),
        ("scan\u202efdp.exe", "scanfdp.exe"),
        ("a\r\nb.pdf", "ab.pdf"),
        ("..", "未命名文件"),
        ("长" * 300 + ".pdf", "长" * 251 + ".pdf"),
    ],
)
def test_original_name_is_a_safe_basename(given, kept):
    assert clean_name(given) == kept


def content_disposition(response) -> tuple[str, str]:
    message = Message()
    message["Content-Disposition"] = response["Content-Disposition"]
    return message.get_content_disposition(), message.get_filename()


@pytest.mark.django_db
def test_file_response_streams_the_bytes_with_the_chinese_name(user):
    stored = store_upload(
        upload("营业执照.pdf", PDF), allowed_kinds=["pdf"], max_bytes=MB, user=user
    )

    response = file_response(stored)
    body = b"".join(response.streaming_content)
    response.close()

    assert body == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Length"] == str(len(PDF))
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert content_disposition(response) == ("attachment", "营业执照.pdf")


@pytest.mark.django_db
def test_inline_response_and_extension_matching_the_content(user):
    stored = store_upload(upload("扫描件.exe", PDF), allowed_kinds=["pdf"], max_bytes=MB, user=user)

    response = file_response(stored, inline=True)
    response.close()

    assert content_disposition(response) == ("inline", "扫描件.exe.pdf")


PDF_CONTENT = MINIMAL_PDF


def test_atomic_uploads_removes_bytes_when_the_block_rolls_back(tmp_path, user):
    with pytest.raises(RuntimeError), atomic_uploads():
        store_upload(upload("a.pdf", PDF_CONTENT), allowed_kinds=["pdf"], max_bytes=MB, user=user)
        raise RuntimeError("the audit write failed")
    assert files_in_storage(tmp_path) == [] and not StoredFile.objects.exists()


def test_atomic_uploads_keeps_bytes_on_commit(tmp_path, user):
    with atomic_uploads():
        stored = store_upload(
            upload("a.pdf", PDF_CONTENT), allowed_kinds=["pdf"], max_bytes=MB, user=user
        )
    assert len(files_in_storage(tmp_path)) == 1 and StoredFile.objects.get() == stored


def test_outer_rollback_removes_bytes_of_a_committed_inner_block(tmp_path, user):
    with pytest.raises(RuntimeError), atomic_uploads():
        with atomic_uploads():
            store_upload(
                upload("a.pdf", PDF_CONTENT), allowed_kinds=["pdf"], max_bytes=MB, user=user
            )
        raise RuntimeError
    assert files_in_storage(tmp_path) == []
