"""Staff replace the filing letter's Word template in the admin; only a DOCX is accepted and
one template is active at a time."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evalorg.accounts.models import Role
from evalorg.filing import letters
from evalorg.filing.models import LetterTemplate
from tests.applications.conftest import PDF_BYTES
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _post(client, name: str, content: bytes, filename: str = "模板.docx"):
    return client.post(
        reverse("admin:filing_lettertemplate_add"),
        {"name": name, "make_active": "on", "upload": SimpleUploadedFile(filename, content, DOCX)},
    )


def test_a_docx_template_is_stored_and_becomes_the_only_active_one(client):
    client.force_login(UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True))
    assert _post(client, "第一版", letters.default_template()).status_code == 302
    assert _post(client, "第二版", letters.default_template()).status_code == 302
    assert list(LetterTemplate.objects.filter(active=True).values_list("name", flat=True)) == [
        "第二版"
    ]
    assert LetterTemplate.objects.get(name="第二版").file.kind == "docx"


def test_a_file_that_is_not_a_docx_is_refused(client):
    client.force_login(UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True))
    response = _post(client, "伪装", PDF_BYTES)
    assert response.status_code == 200
    assert "模板文件须为 Word 文档（DOCX）" in response.content.decode()
    assert not LetterTemplate.objects.exists()


def test_replacing_a_templates_file_removes_the_old_one(client, django_capture_on_commit_callbacks):
    """No orphan (issue 21 item 8): the replaced file's row and bytes go once the change commits."""
    from django.core.files.storage import default_storage

    from evalorg.core.models import StoredFile

    client.force_login(UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True))
    _post(client, "第一版", letters.default_template())
    template = LetterTemplate.objects.get()
    old = template.file
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:filing_lettertemplate_change", args=[template.pk]),
            {
                "name": "第一版（修订）",
                "make_active": "on",
                "upload": SimpleUploadedFile("模板.docx", letters.default_template(), DOCX),
            },
        )
    assert response.status_code == 302
    assert LetterTemplate.objects.get().file_id != old.pk
    assert not StoredFile.objects.filter(pk=old.pk).exists()
    assert not default_storage.exists(old.storage_path)
