"""Orphaned files are removed (issue 21 item 8): replacing a declaration's evidence deletes the
replaced file's row and bytes once the replacement commits (5 × re-uploads used to leave 5
files behind), a file another row still refers to is kept, and ``orphan_files`` lists
(``--dry-run``) or removes rows nothing refers to and bytes without a row."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from evalorg.core import clock
from evalorg.core.files import remove_orphans
from evalorg.core.models import StoredFile
from evalorg.core.sweeps import run_sweeps
from evalorg.institutions.models import ExclusionDeclaration
from tests.applications.conftest import stored_pdf
from tests.institutions import test_pages as pages
from tests.institutions.test_pages import DECLARATIONS, PDF_BYTES, declaration_data

applicant = pages.applicant  # the signed-in applicant of the institution pages' tests

pytestmark = pytest.mark.django_db


def _evidence_upload(n: int) -> dict[str, object]:
    return declaration_data(
        annual_inspection_applies="1",
        annual_inspection_explanation="2022 年年审基本合格，已整改。",
        annual_inspection_evidence=SimpleUploadedFile(f"年审结论{n}.pdf", PDF_BYTES),
    )


def test_re_uploading_declaration_evidence_leaves_one_file(
    client, applicant, django_capture_on_commit_callbacks
):
    paths = []
    for n in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(DECLARATIONS, _evidence_upload(n)).status_code == 302
        evidence = ExclusionDeclaration.objects.get(item="annual_inspection").evidence
        paths.append(evidence.storage_path)
    assert StoredFile.objects.count() == 1
    assert [default_storage.exists(path) for path in paths] == [False] * 4 + [True]


def test_saving_without_a_new_upload_keeps_the_evidence(
    client, applicant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(DECLARATIONS, _evidence_upload(1))
        client.post(
            DECLARATIONS,
            declaration_data(annual_inspection_applies="1", annual_inspection_explanation="同上。"),
        )
    evidence = ExclusionDeclaration.objects.get(item="annual_inspection").evidence
    assert evidence is not None and default_storage.exists(evidence.storage_path)


def test_a_file_another_row_refers_to_is_kept(applicant):
    declaration = ExclusionDeclaration.objects.create(
        institution=applicant.membership.institution,
        item="violation",
        applies=True,
        evidence=stored_pdf("整改报告.pdf"),
    )
    assert remove_orphans([declaration.evidence_id]) == []
    assert StoredFile.objects.filter(pk=declaration.evidence_id).exists()


def test_orphan_files_lists_on_a_dry_run_and_removes_otherwise(
    time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to("2026-06-01 09:00 +08:00", tick=False)
    lonely = stored_pdf("无人引用.pdf")
    loose = default_storage.save("files/zz/zzloose", ContentFile(b"bytes without a row"))
    time_machine.move_to(clock.now() + timedelta(days=1, minutes=1), tick=False)
    fresh = stored_pdf("刚上传.pdf")  # its request may still attach it: kept
    out = StringIO()
    call_command("orphan_files", "--dry-run", stdout=out)
    assert lonely.storage_path in out.getvalue() and loose in out.getvalue()
    assert "dry run: 1 unreferenced, 1 without a row" in out.getvalue()
    assert StoredFile.objects.filter(pk=lonely.pk).exists() and default_storage.exists(loose)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("orphan_files", stdout=StringIO())
    assert not StoredFile.objects.filter(pk=lonely.pk).exists()
    assert not default_storage.exists(lonely.storage_path) and not default_storage.exists(loose)
    assert StoredFile.objects.filter(pk=fresh.pk).exists()


def test_the_sweep_is_registered():
    assert "orphan_files" in [result.name for result in run_sweeps()]


def test_finding_unreferenced_rows_is_one_query(django_assert_num_queries):
    from evalorg.core.files import unreferenced_rows

    for n in range(5):
        stored_pdf(f"文件{n}.pdf")
    with django_assert_num_queries(1):
        assert len(unreferenced_rows(clock.now() + timedelta(days=1))) == 5
