"""Checking a deliverable's specification table or theory bank (issue 9, N-4.2, 附件6).

Small files are checked in the upload's request. A file with more data rows than
``settings.BANK_CHECK_ASYNC_ROWS`` or larger than ``settings.BANK_CHECK_ASYNC_BYTES`` gets a
``BankCheck`` row instead and is checked by the ``check_bank`` task (django-tasks, enqueued on
commit), which writes its stage and rows read to that row as it goes so the page can show
progress. Until the check is done and passed the deliverable counts as not passed, and
``submit_bank`` is refused (``deliverables.missing_refusals``). A newer check of the same
deliverable supersedes an older one still pending; a check left running longer than
``settings.BANK_CHECK_STALE`` (its worker died) is failed by the ``bank_checks`` sweep, and a
queued one whose task was lost is enqueued again.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from evalorg.accounts.system import system_actor
from evalorg.core import audit, clock
from evalorg.core.audit import Audience
from evalorg.core.files import open_stored

from .banks.cells import locate
from .banks.checks import check_theory_bank
from .banks.layout import SPEC_SHEET, THEORY_SHEET
from .banks.parse import Progress, estimated_rows, read_specification, read_theory_bank
from .banks.report import Problem, Report, error
from .banks.requirements import BankRequirements
from .banks.specification import check_specification, points_summary
from .models import BankCheck, Deliverable

logger = logging.getLogger(__name__)
Kind = Deliverable.Kind
Status = BankCheck.Status
Stage = BankCheck.Stage
CHECKED = (Kind.SPECIFICATION, Kind.THEORY)
REQUEUE_AFTER = timedelta(minutes=10)


class Tracker:
    """Writes a running check's stage and rows read to its row, each in its own UPDATE (the
    task runs outside a transaction, so the page's poll sees them while the task runs)."""

    def __init__(self, check_id: int | None = None) -> None:
        self.check_id = check_id

    def stage(self, name: str) -> None:
        if self.check_id is not None:
            BankCheck.objects.filter(pk=self.check_id).update(stage=name)

    def rows(self, done: int, total: int | None) -> None:
        """Rows read; without a stated total the estimate stored at upload stays."""
        if self.check_id is not None:
            fields = {"rows_done": done} | ({"rows_total": total} if total else {})
            BankCheck.objects.filter(pk=self.check_id).update(**fields)

    @property
    def progress(self) -> Progress | None:
        return self.rows if self.check_id is not None else None


# ---- the checks themselves ---------------------------------------------------------------------


def read(row: Deliverable) -> bytes:
    with open_stored(row.file) as handle:
        return handle.read()


def _current_spec(row: Deliverable) -> Deliverable | None:
    return (
        Deliverable.objects.filter(line_id=row.line_id, kind=Kind.SPECIFICATION, is_current=True)
        .select_related("file")
        .first()
    )


STRUCTURAL = ("unreadable_file", "missing_sheet", "missing_header")


def check_report(row: Deliverable, req: BankRequirements, tracker: Tracker, data: bytes) -> Report:
    """The report of one specification table or theory bank (the theory bank against the
    line's current specification table), each problem located at its cell. A file that cannot
    be read as the deliverable (unreadable, its sheet or header missing) is reported once,
    without the per-row and per-point problems that would follow from it."""
    report = Report(keep_per_kind=settings.BANK_REPORT_KEEP_PER_KIND)
    if row.kind == Kind.SPECIFICATION:
        _specification_report(report, req, tracker, data)
    else:
        _theory_report(report, row, req, tracker, data)
    report.problems = locate(data, report.problems)
    return report


def _specification_report(
    report: Report, req: BankRequirements, tracker: Tracker, data: bytes
) -> None:
    tracker.stage(Stage.READING)
    rows, problems = read_specification(data, tracker.progress)
    report.extend(problems)
    if report.has_kind(*STRUCTURAL):
        return
    tracker.stage(Stage.CHECKING)
    report.summary["points"] = points_summary(rows)
    checked = check_specification(rows, req)
    report.extend(checked.problems)
    _merge_counts(report, checked)


def _theory_report(
    report: Report, row: Deliverable, req: BankRequirements, tracker: Tracker, data: bytes
) -> None:
    spec = _current_spec(row)
    if spec is None:
        message = _(
            "请先上传“鉴定要素细目表”（工作表「%(sheet)s」）：理论知识试题须对照其鉴定点检查，"
            "上传后本文件会自动重新检查（附件6）。"
        ) % {"sheet": SPEC_SHEET}
        report.extend([error(SPEC_SHEET, None, "", message, "missing_specification")])
        return
    tracker.stage(Stage.READING)
    items, problems = read_theory_bank(data, tracker.progress)
    report.extend(problems)
    if report.has_kind(*STRUCTURAL):
        return
    tracker.stage(Stage.SPECIFICATION)
    spec_rows, spec_problems = read_specification(read(spec))
    if any(p.kind in STRUCTURAL for p in spec_problems):
        message = _(
            "当前的“鉴定要素细目表”无法读取（%(reason)s），请先重新上传细目表（附件6）。"
        ) % {"reason": spec_problems[0].message}
        report.extend([error(SPEC_SHEET, None, "", message, "missing_specification")])
        return
    report.summary["points"] = points_summary(spec_rows)
    keep = report.keep_per_kind
    theory = check_theory_bank(spec_rows, items, req, on_stage=tracker.stage, keep_per_kind=keep)
    report.summary.update(theory.summary)
    report.extend(theory.problems)
    _merge_counts(report, theory)


def _merge_counts(report: Report, part: Report) -> None:
    """Count the problems ``part`` found but did not keep (``extend`` counted the kept)."""
    kept = Counter((p.kind, p.severity) for p in part.problems)
    for key, n in part.counts.items():
        report.counts[key] += n - kept[key]


def problem_dicts(problems: list[Problem]) -> list[dict]:
    return [
        {
            "severity": p.severity,
            "kind": p.kind,
            "sheet": p.sheet,
            "row": p.row,
            "field": p.field,
            "cell": p.cell,
            "message": p.message,
            "text": p.as_text(),
        }
        for p in problems
    ]


def report_meta(report: Report) -> dict:
    """What ``Deliverable.report_meta`` stores: every problem counted per kind and severity,
    how many of each kind were kept, and the figures found (``Report.summary``)."""
    counts: dict[str, dict[str, int]] = {}
    for (kind, severity), n in report.counts.items():
        counts.setdefault(kind, {"error": 0, "warning": 0})[severity] += n
    return {"counts": counts, "kept_per_kind": report.keep_per_kind, "summary": report.summary}


def apply(row: Deliverable, report: Report) -> None:
    row.report = problem_dicts(report.problems)
    row.report_meta = report_meta(report)
    row.passed = report.passed
    row.save(update_fields=["report", "report_meta", "passed"])


def error_count(row: Deliverable) -> int:
    counts = (row.report_meta or {}).get("counts")
    if counts is not None:
        return sum(c["error"] for c in counts.values())
    return sum(1 for p in row.report if p["severity"] == "error")


# ---- in the request or in the background ----------------------------------------------------


def check(row: Deliverable, req: BankRequirements) -> BankCheck | None:
    """Check a saved specification or theory deliverable: at once when small (its report is
    saved), else queue a background check and return it."""
    data = read(row)
    rows = estimated_rows(data, SPEC_SHEET if row.kind == Kind.SPECIFICATION else THEORY_SHEET)
    large_rows = rows is not None and rows - 1 > settings.BANK_CHECK_ASYNC_ROWS  # less the header
    if row.file.size > settings.BANK_CHECK_ASYNC_BYTES or large_rows:
        return queue(row, rows)
    apply(row, check_report(row, req, Tracker(), data))
    return None


def queue(row: Deliverable, rows_total: int | None = None) -> BankCheck:
    """A new background check of ``row`` (superseding one still pending); the deliverable
    counts as not passed until it is done. Enqueued when the transaction commits."""
    now = clock.now()
    BankCheck.objects.filter(deliverable=row, status__in=BankCheck.PENDING).update(
        status=Status.SUPERSEDED, finished_at=now
    )
    row.passed, row.report, row.report_meta = False, [], {}
    row.save(update_fields=["report", "report_meta", "passed"])
    bank_check = BankCheck.objects.create(deliverable=row, created_at=now, rows_total=rows_total)
    transaction.on_commit(partial(enqueue, bank_check.pk), robust=True)
    return bank_check


def enqueue(check_id: int) -> None:
    from .tasks import check_bank

    result = check_bank.enqueue(check_id)
    BankCheck.objects.filter(pk=check_id, task_id="").update(task_id=str(result.id)[:64])


# ---- the task's work -------------------------------------------------------------------------


def run(check_id: int) -> str:
    """Run one queued check (the ``check_bank`` task); a check already claimed, finished or
    superseded is left alone, so running the same check twice does the work once."""
    bank_check = _start(check_id)
    if bank_check is None:
        return "skipped"
    row = bank_check.deliverable
    req = BankRequirements.from_round(row.line.application.round)
    try:
        report = check_report(row, req, Tracker(bank_check.pk), read(row))
    except Exception as exc:  # an unexpected fault must not leave the check running forever
        logger.exception("bank check %s failed", check_id)
        _fail(check_id, f"{type(exc).__name__}: {exc}")
        return "failed"
    return _finish(check_id, report)


def _locked(check_id: int) -> BankCheck | None:
    return (
        BankCheck.objects.select_for_update(of=("self",))
        .select_related("deliverable__file", "deliverable__line__application__round")
        .filter(pk=check_id)
        .first()
    )


def _start(check_id: int) -> BankCheck | None:
    with transaction.atomic():
        bank_check = _locked(check_id)
        if bank_check is None or bank_check.status != Status.QUEUED:
            return None
        if not bank_check.deliverable.is_current:
            bank_check.status, bank_check.finished_at = Status.SUPERSEDED, clock.now()
            bank_check.save(update_fields=["status", "finished_at"])
            return None
        bank_check.status, bank_check.started_at = Status.RUNNING, clock.now()
        bank_check.stage = Stage.READING
        bank_check.save(update_fields=["status", "started_at", "stage"])
        return bank_check


def _finish(check_id: int, report: Report) -> str:
    with transaction.atomic():
        bank_check = _locked(check_id)
        if bank_check is None or bank_check.status != Status.RUNNING:
            return "superseded"  # a newer upload or check replaced this one meanwhile
        row = bank_check.deliverable
        apply(row, report)
        bank_check.status, bank_check.stage = Status.DONE, Stage.DONE
        bank_check.finished_at = clock.now()
        bank_check.save(update_fields=["status", "stage", "finished_at"])
        _audit("bank_check_finished", bank_check, passed=row.passed, errors=error_count(row))
    return "passed" if row.passed else "not passed"


def _fail(check_id: int, reason: str) -> None:
    with transaction.atomic():
        bank_check = _locked(check_id)
        if bank_check is None or not bank_check.pending:
            return
        message = _("后台检查未能完成，请重新上传该文件；如仍出错请联系省职业技能服务指导中心。")
        row = bank_check.deliverable
        apply(row, Report([error("", None, "", message, "check_failed")]))
        bank_check.status, bank_check.error = Status.FAILED, reason[:300]
        bank_check.finished_at = clock.now()
        bank_check.save(update_fields=["status", "error", "finished_at"])
        _audit("bank_check_failed", bank_check, passed=False, errors=1)


def _audit(action: str, bank_check: BankCheck, *, passed: bool, errors: int) -> None:
    row = bank_check.deliverable
    audit.record(
        action,
        row.line,
        actor=system_actor(),
        data={
            "deliverable": row.pk,
            "kind": row.kind,
            "check": bank_check.pk,
            "passed": passed,
            "errors": errors,
        },
        audience=Audience.APPLICANT,
    )


def sweep() -> str:
    """Catch up on lost work: fail checks running too long, enqueue again queued ones whose
    task seems lost (``run`` ignores a check already claimed, so a duplicate task is harmless)."""
    now = clock.now()
    stale = BankCheck.objects.filter(
        status=Status.RUNNING, started_at__lt=now - settings.BANK_CHECK_STALE
    ).values_list("pk", flat=True)
    failed = 0
    for check_id in list(stale):
        _fail(check_id, "stale: no result within BANK_CHECK_STALE")
        failed += 1
    waiting = list(
        BankCheck.objects.filter(
            status=Status.QUEUED, created_at__lt=now - REQUEUE_AFTER
        ).values_list("pk", flat=True)
    )
    for check_id in waiting:
        transaction.on_commit(partial(enqueue, check_id), robust=True)
    return f"题库后台检查：{failed} 个超时判为出错，{len(waiting)} 个重新排队"
