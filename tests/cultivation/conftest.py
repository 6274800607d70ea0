"""Cases in cultivation, built without the earlier stages (they are not the point here)."""

from __future__ import annotations

from datetime import date

from evalorg.accounts.models import Agency
from evalorg.applications.models import Application, State
from evalorg.cultivation.services import start_cultivation
from tests.applications.conftest import build_application
from tests.factories import InstitutionFactory, city_agency

START = date(2025, 3, 3)
LAST = date(2025, 8, 29)  # day 180, counted from START as day 1


def cultivating(institution=None, starts_on: date = START, *, agency: Agency | None = None):
    """A case in cultivation with its period and its lines cultivating (one welder line at
    levels 5 and 4), received by the Guangzhou city agency unless told otherwise."""
    institution = institution or InstitutionFactory(legal_rep_name="张 三")
    application = build_application(institution)
    Application.objects.filter(pk=application.pk).update(
        state=State.CULTIVATING,
        receiving_agency=agency or city_agency(),
        acknowledgement_no=f"GD-{application.pk:05d}",
    )
    application = Application.objects.get(pk=application.pk)
    start_cultivation(application, starts_on)
    return Application.objects.get(pk=application.pk)


def ready_deliverables(line) -> None:
    """All five deliverables of a line, current and (where checked) passed, without files:
    for tests of ``submit_bank`` whose point is not the deliverables."""
    from evalorg.core import clock
    from evalorg.core.models import StoredFile
    from evalorg.cultivation.models import Deliverable
    from tests.applications.conftest import applicant_of

    user = applicant_of(line.application)
    for kind in Deliverable.Kind.values:
        stored = StoredFile.objects.create(
            original_name=f"{kind}.pdf",
            kind="pdf",
            content_type="application/pdf",
            size=1,
            sha256="0" * 64,
            uploaded_by=user,
        )
        Deliverable.objects.create(
            line=line, kind=kind, file=stored, uploaded_by=user, uploaded_at=clock.now()
        )


FINDINGS = {
    "specification": "鉴定点覆盖完整",
    "theory": "试题难度分布合理",
    "skill": "操作任务贴近岗位",
    "paper_plan": "题型比例符合要求",
    "marking": "评分细则可操作",
}


def reviewed(line, count: int = 2, recommendation: str = "pass", staff=None) -> list:
    """``count`` experts assigned to the submitted line's current review round by the center,
    each submitting a complete sheet (the service functions; the clock is the caller's)."""
    from evalorg.accounts.models import Agency, Role
    from evalorg.cultivation import bank_review
    from tests.factories import UserFactory

    staff = staff or UserFactory(
        role=Role.PROVINCE_STAFF, agency=Agency.objects.get(kind="province")
    )
    experts = [UserFactory(role=Role.EXPERT) for _ in range(count)]
    for expert in experts:
        assignment = bank_review.assign(line, expert, staff)
        bank_review.submit_sheet(assignment, FINDINGS, recommendation, expert)
    return experts
