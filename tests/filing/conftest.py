"""Cases at the end of cultivation, approved acceptance batches, letters issued through them
(the only path, N-4.3) and registry rows for the filing tests."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from evalorg.accounts.models import Agency, Role
from evalorg.applications.models import Application, ApplicationOccupation, Kind
from evalorg.core import clock
from evalorg.filing.batches import Tick, create_batch, issue_letters, record_approval
from evalorg.filing.models import FilingLetter
from evalorg.selection.models import LeadershipApproval
from tests.applications.conftest import PDF_BYTES, SH, build_application, stored_pdf
from tests.factories import UserFactory, city_agency

Line = ApplicationOccupation.Status
ISSUE_DAY = datetime(2023, 12, 1, 10, 0, tzinfo=SH)


def province_staff():
    return UserFactory(role=Role.PROVINCE_STAFF, agency=Agency.objects.get(kind="province"))


def department_staff():
    return UserFactory(role=Role.DEPARTMENT, agency=Agency.objects.get(kind="department"))


def passed(
    institution=None,
    *,
    occupations=(("6-18-02-04", [5, 4]),),
    kind: str = Kind.NEW,
    state: str = "cultivating",
) -> Application:
    """A case at the end of cultivation whose lines' question banks passed (the earlier stages
    are not the point here)."""
    application = build_application(institution, occupations=occupations, with_materials=False)
    Application.objects.filter(pk=application.pk).update(
        state=state, kind=kind, receiving_agency=city_agency("440100")
    )
    application.occupations.update(status=Line.BANK_PASSED)
    return Application.objects.get(pk=application.pk)


def minutes_upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("纪要.pdf", PDF_BYTES, content_type="application/pdf")


def approved_batch(
    *applications: Application,
    center=None,
    department=None,
    when=ISSUE_DAY,
    title: str = "",
) -> LeadershipApproval:
    """The center proposes a batch of ``applications`` and the department records the
    leadership's approval of all of them (they become accepted); no letter yet (N-4.3)."""
    center = center or province_staff()
    with time_machine.travel(when, tick=False):
        batch = create_batch(
            applications[0].round,
            title or f"验收批次 {LeadershipApproval.objects.count() + 1}",
            list(applications),
            center,
        )
        record_approval(
            batch,
            [Tick(a.pk, True) for a in applications],
            decided_on=clock.today(),
            meeting_ref="厅党组会议2023年第12次",
            minutes=minutes_upload(),
            user=department or department_staff(),
        )
    return LeadershipApproval.objects.get(pk=batch.pk)


def issued(application: Application, user=None, when=ISSUE_DAY) -> FilingLetter:
    """File ``application`` the only way there is (N-4.3): proposed in a batch by the center
    (``user``), approved by the department, its letter issued for the batch."""
    center = user or province_staff()
    batch = approved_batch(application, center=center, when=when)
    with time_machine.travel(when, tick=False):
        issue_letters(batch, center)
    return FilingLetter.objects.select_related("application").get(application=application)


def registry_row(institution=None, *, number: int, issued_on=date(2023, 12, 1), **kwargs):
    """A filed case with its letter, without rendering documents (for registry tests)."""
    application = passed(institution, **kwargs)
    Application.objects.filter(pk=application.pk).update(state="filed")
    application.occupations.update(status=Line.FILED)
    staff = province_staff()
    written = [
        {
            "code": line.occupation_id,
            "name": line.occupation.name,
            "level": line.level,
            "level_label": str(line.get_level_display()),
        }
        for line in application.occupations.select_related("occupation")
    ]
    return FilingLetter.objects.create(
        application=application,
        occupations=written,
        number=f"粤职评备〔2023〕{number:03d}号",
        issued_on=issued_on,
        valid_until=date(2028, 11, 30),
        docx=stored_pdf("备案函.docx"),
        pdf=stored_pdf("备案函.pdf"),
        docx_sha256="0" * 64,
        pdf_sha256="0" * 64,
        issued_by=staff,
    )


@pytest.fixture
def staff(db):
    return province_staff()
