"""Removed draft files free their bytes and the application's cap counts what is stored
(issue #11: ten uploads and removals of 20 MiB grew the disk by 200 MiB, the cap counted 0)."""

import random
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evalorg.applications.materials import total_bytes
from evalorg.core.models import AuditEvent, StoredFile
from tests.factories import MINIMAL_PDF

from .conftest import applicant_of, build_application

pytestmark = pytest.mark.django_db


def _disk(tmp_path: Path) -> int:
    root = tmp_path / "private"
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) if root.exists() else 0


def _bulky_pdf(size: int) -> bytes:
    # A comment line of incompressible bytes keeps the PDF valid and of the wanted size.
    filler = random.Random(3).randbytes(size).replace(b"\n", b" ").replace(b"\r", b" ")
    return MINIMAL_PDF.replace(b"%PDF-1.4\n", b"%PDF-1.4\n%" + filler + b"\n", 1)


def test_upload_and_remove_ten_times_keeps_disk_and_cap_consistent(
    client, tmp_path, django_capture_on_commit_callbacks
):
    application = build_application(with_materials=False)
    client.force_login(applicant_of(application))
    upload = reverse("applications:material_upload", args=[application.pk, "influence"])
    content = _bulky_pdf(256 * 1024)
    for _ in range(10):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(upload, {"file": SimpleUploadedFile("影响力.pdf", content)})
        assert response.status_code == 302
        material = application.materials.get()
        assert total_bytes(application) == _disk(tmp_path) == material.file.size
        remove = reverse("applications:material_remove", args=[application.pk, material.pk])
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(remove).status_code == 302
        assert total_bytes(application) == _disk(tmp_path) == 0
    assert not StoredFile.objects.exists() and not application.materials.exists()
    removed = AuditEvent.objects.filter(action="material_removed")
    assert removed.count() == 10 and all(e.data["deleted"] for e in removed)


def test_replacing_in_a_draft_frees_the_old_file(
    client, tmp_path, django_capture_on_commit_callbacks
):
    application = build_application(with_materials=False)
    client.force_login(applicant_of(application))
    upload = reverse("applications:material_upload", args=[application.pk, "influence"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(upload, {"file": SimpleUploadedFile("a.pdf", _bulky_pdf(1000))})
    old = application.materials.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            upload, {"file": SimpleUploadedFile("b.pdf", _bulky_pdf(2000)), "replaces": old.pk}
        )
    assert response.status_code == 302
    assert application.materials.get().file.original_name == "b.pdf"
    assert total_bytes(application) == _disk(tmp_path)


def test_the_cap_counts_earlier_versions_kept_after_submission(client):
    from evalorg.applications.models import State

    application = build_application()
    application.state = State.RETURNED_FOR_CORRECTION  # submitted once: versions are evidence
    application.save()
    kept = application.materials.first()
    stored_before = total_bytes(application)
    client.force_login(applicant_of(application))
    remove = reverse("applications:material_remove", args=[application.pk, kept.pk])
    assert client.post(remove).status_code == 302
    kept.refresh_from_db()
    assert not kept.is_current and total_bytes(application) == stored_before
