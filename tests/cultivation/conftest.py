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


def stored_file(name: str, data: bytes, kind: str = "xlsx", user=None):
    """A stored file holding ``data`` (saved to the storage, unlike ``ready_deliverables``)."""
    import hashlib

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from evalorg.core.files import CONTENT_TYPES
    from evalorg.core.models import StoredFile

    stored = StoredFile(
        original_name=name,
        kind=kind,
        content_type=CONTENT_TYPES[kind],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=user,
    )
    default_storage.save(stored.storage_path, ContentFile(data))
    stored.save()
    return stored


def theory_with_a_problem(line):
    """The line's current theory bank becomes a one-item workbook whose stored report has one
    bad answer at I2 (for pages that read the file and its report)."""
    from evalorg.cultivation.banks.layout import THEORY_COLUMNS, THEORY_SHEET
    from evalorg.cultivation.banks.samples import xlsx
    from evalorg.cultivation.models import Deliverable

    row = ["T1", "单选", "题干", "甲", "乙", None, None, None, "Z", "A.A.001", 5, 3, 1]
    data = xlsx(THEORY_SHEET, THEORY_COLUMNS, [row])
    problem = {
        "severity": "error",
        "kind": "bad_answer",
        "sheet": THEORY_SHEET,
        "row": 2,
        "field": "答案",
        "cell": "I2",
        "message": "答案「Z」不是已填写的选项（AB）。",
        "text": "[错误] 理论知识试题 第 2 行「答案」（I2）：答案「Z」不是已填写的选项（AB）。",
    }
    theory = Deliverable.objects.get(line=line, kind="theory", is_current=True)
    meta = {"counts": {"bad_answer": {"error": 1, "warning": 0}}, "summary": {}}
    Deliverable.objects.filter(pk=theory.pk).update(
        file=stored_file("理论知识试题.xlsx", data), report=[problem], report_meta=meta
    )
    return Deliverable.objects.get(pk=theory.pk)


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
