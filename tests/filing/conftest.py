"""Cases at the end of cultivation, issued letters and registry rows for the filing tests."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine

from evalorg.accounts.models import Agency, Role
from evalorg.applications.models import Application, ApplicationOccupation, Kind
from evalorg.filing.models import FilingLetter
from evalorg.filing.services import issue_letter
from tests.applications.conftest import SH, build_application, stored_pdf
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


def issued(application: Application, user=None, when=ISSUE_DAY) -> FilingLetter:
    with time_machine.travel(when, tick=False):
        return issue_letter(application, user or province_staff())


def registry_row(institution=None, *, number: int, issued_on=date(2023, 12, 1), **kwargs):
    """A filed case with its letter, without rendering documents (for registry tests)."""
    application = passed(institution, **kwargs)
    Application.objects.filter(pk=application.pk).update(state="filed")
    application.occupations.update(status=Line.FILED)
    staff = province_staff()
    return FilingLetter.objects.create(
        application=application,
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
