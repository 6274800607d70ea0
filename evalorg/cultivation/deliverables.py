"""Question-bank deliverables per occupation line (issue 9, N-4.2, 附件6).

The applicant uploads five deliverables per line; the specification table and the theory bank
are checked at once with ``banks`` (the theory bank against the current specification) and the
report is stored beside the file. ``submit_bank`` is refused (guard ``deliverables_ready``)
until all five are present, both reports passed and the period's last day has not ended.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from evalorg.applications.models import ApplicationOccupation
from evalorg.applications.workflow import Refusal, TransitionRefused
from evalorg.core import audit, clock
from evalorg.core.audit import Audience
from evalorg.core.files import atomic_uploads, open_stored, store_upload

from .banks.checks import check_theory_bank
from .banks.parse import read_specification, read_theory_bank
from .banks.report import Problem, Report, error
from .banks.requirements import BankRequirements
from .banks.specification import check_specification
from .models import CultivationPeriod, Deliverable

CLAUSE = "N-4.2"
Kind = Deliverable.Kind
Line = ApplicationOccupation.Status
CHECKED = (Kind.SPECIFICATION, Kind.THEORY)
ALLOWED_KINDS = {
    Kind.SPECIFICATION: ["xlsx"],
    Kind.THEORY: ["xlsx"],
    Kind.SKILL: ["pdf", "docx"],
    Kind.PAPER_PLAN: ["pdf", "docx"],
    Kind.MARKING: ["pdf", "docx"],
}
MAX_BYTES = 20 * 1024 * 1024
OPEN_LINE = frozenset({Line.CULTIVATING, Line.BANK_FAILED})


def current(line: ApplicationOccupation) -> dict[str, Deliverable]:
    rows = Deliverable.objects.filter(line=line, is_current=True).select_related("file")
    return {row.kind: row for row in rows}


def _period(line: ApplicationOccupation) -> CultivationPeriod | None:
    return CultivationPeriod.objects.filter(application_id=line.application_id).first()


def period_refusal(line: ApplicationOccupation) -> Refusal | None:
    period = _period(line)
    if period is None:
        return Refusal(CLAUSE, _("该申请没有培育辅导期记录。"))
    if clock.is_past(period.last_day):
        return Refusal(
            CLAUSE,
            _("培育辅导期已于 %(last)s 24 时（北京时间）届满，不能再提交题库。")
            % {"last": f"{period.last_day:%Y年%m月%d日}"},
        )
    return None


def missing_refusals(line: ApplicationOccupation) -> list[Refusal]:
    present = current(line)
    refusals = [
        Refusal(CLAUSE, _("请上传“%(kind)s”。") % {"kind": label})
        for kind, label in Kind.choices
        if kind not in present
    ]
    for kind in CHECKED:
        row = present.get(kind)
        if row is not None and not row.passed:
            refusals.append(
                Refusal(
                    CLAUSE,
                    _("“%(kind)s”未通过检查，请按检查结果修改后重新上传。")
                    % {"kind": row.get_kind_display()},
                )
            )
    return refusals


def deliverables_ready(line: ApplicationOccupation, actor, data: dict) -> list[Refusal]:
    """Guard on ``submit_bank``: the period not over, all five present, both checks passed."""
    refusal = period_refusal(line)
    return [refusal] if refusal is not None else missing_refusals(line)


def _problem_dicts(problems: list[Problem]) -> list[dict]:
    return [
        {
            "severity": p.severity,
            "sheet": p.sheet,
            "row": p.row,
            "field": p.field,
            "message": p.message,
            "text": p.as_text(),
        }
        for p in problems
    ]


def _read(row: Deliverable) -> bytes:
    with open_stored(row.file) as handle:
        return handle.read()


def _check_spec(data: bytes, req: BankRequirements) -> Report:
    rows, problems = read_specification(data)
    report = Report(list(problems))
    report.extend(check_specification(rows, req).problems)
    return report


def _check_theory(data: bytes, spec_data: bytes | None, req: BankRequirements) -> Report:
    items, problems = read_theory_bank(data)
    report = Report(list(problems))
    if spec_data is None:
        report.extend(
            [error("", None, "", _("请先上传鉴定要素细目表，理论知识试题须对照其检查。"))]
        )
        return report
    spec_rows, _spec_problems = read_specification(spec_data)
    report.extend(check_theory_bank(spec_rows, items, req).problems)
    return report


def _apply(row: Deliverable, report: Report) -> None:
    row.report = _problem_dicts(report.problems)
    row.passed = report.passed


def upload_refusal(line: ApplicationOccupation, user) -> Refusal | None:
    from evalorg.applications import access

    if not access.is_own(line.application, user):
        return Refusal("SPEC-1", _("只有本机构的账号可以上传题库成果。"))
    if line.status not in OPEN_LINE:
        return Refusal(
            CLAUSE,
            _("该职业（工种）当前状态为“%(state)s”，不能上传题库成果。")
            % {"state": line.get_status_display()},
        )
    return period_refusal(line)


def upload(line: ApplicationOccupation, kind: str, uploaded, user) -> Deliverable:
    """Store, check (specification and theory) and make current; raises ``TransitionRefused``
    or ``UploadRefused`` and stores nothing when refused."""
    refusal = upload_refusal(line, user)
    if refusal is not None:
        raise TransitionRefused([refusal])
    req = BankRequirements.from_round(line.application.round)
    with atomic_uploads():
        ApplicationOccupation.objects.select_for_update().get(pk=line.pk)
        stored = store_upload(
            uploaded, allowed_kinds=ALLOWED_KINDS[kind], max_bytes=MAX_BYTES, user=user
        )
        present = current(line)
        row = Deliverable(
            line=line, kind=kind, file=stored, uploaded_by=user, uploaded_at=clock.now()
        )
        if kind in CHECKED:
            data = _read(row)
            if kind == Kind.SPECIFICATION:
                _apply(row, _check_spec(data, req))
            else:
                spec = present.get(Kind.SPECIFICATION)
                _apply(row, _check_theory(data, _read(spec) if spec else None, req))
        Deliverable.objects.filter(line=line, kind=kind, is_current=True).update(is_current=False)
        row.save()
        theory = present.get(Kind.THEORY)
        if kind == Kind.SPECIFICATION and theory is not None:
            # The theory bank is checked against the current specification: check it again.
            _apply(theory, _check_theory(_read(theory), data, req))
            theory.save(update_fields=["report", "passed"])
        audit.record(
            "deliverable_uploaded",
            line,
            actor=user,
            data={
                "deliverable": row.pk,
                "kind": kind,
                "file": stored.pk,
                "sha256": stored.sha256,
                "passed": row.passed,
                "errors": sum(1 for p in row.report if p["severity"] == "error"),
            },
            audience=Audience.APPLICANT,
        )
    return row
