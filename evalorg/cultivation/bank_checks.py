"""Checking a line's five question-bank deliverables, each an XLSX workbook (issues 9 and
20, N-4.2, 附件6), against the round's requirements, the line's level and each other.

Small files are checked in the upload's request. A file larger than
``settings.BANK_CHECK_ASYNC_BYTES``, whose sheet states more rows than
``settings.BANK_CHECK_ASYNC_ROWS``, or whose rows counted while the request reads them pass that
number (the stated <dimension> can lie: issue 21 item 2) gets a ``BankCheck`` row instead and
is checked by the ``check_bank`` task (django-tasks, enqueued on commit), which writes its stage
and rows read to that row as it goes so the page can show progress. Every read stops at the
round's hard limits (rows, items per level, cell length: ``parse.ReadLimits``) with a problem
saying so, and the near-duplicate search at ``settings.BANK_NEAR_DUPLICATE_BUDGET``.
Until the check is done and passed the deliverable counts as not passed, and ``submit_bank`` is
refused (``deliverables.missing_refusals``). A newer check of the same
deliverable supersedes an older one still pending; a check left running longer than
``settings.BANK_CHECK_STALE`` (its worker died) is failed by the ``bank_checks`` sweep, and a
queued one whose task was lost is enqueued again.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
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
from .banks.checks import Similarity, check_theory_bank
from .banks.layout import MARKING_SHEET, SKILL_PLAN_SHEET, SKILL_SHEET, SPEC_SHEET, THEORY_SHEET
from .banks.parse import (
    LIMIT_KINDS,
    Progress,
    ReadLimits,
    SkillTask,
    SpecRow,
    TooLargeForRequest,
    estimated_rows,
    read_marking_scheme,
    read_paper_plan,
    read_skill_bank,
    read_specification,
    read_theory_bank,
)
from .banks.plan import check_paper_plan
from .banks.report import Problem, Report, error
from .banks.requirements import BankRequirements
from .banks.skill import check_marking_scheme, check_skill_bank, tasks_summary
from .banks.specification import check_specification, points_summary
from .models import BankCheck, Deliverable

logger = logging.getLogger(__name__)
Kind = Deliverable.Kind
Status = BankCheck.Status
Stage = BankCheck.Stage
CHECKED = tuple(Kind)
REQUEUE_AFTER = timedelta(minutes=10)


class Tracker:
    """Writes a running check's stage and rows read to its row, each in its own UPDATE (the
    task runs outside a transaction, so the page's poll sees them while the task runs).
    ``foreground_rows``: in the upload's request, the most rows a read may take before the
    check moves to the task (``TooLargeForRequest``)."""

    def __init__(self, check_id: int | None = None, foreground_rows: int | None = None) -> None:
        self.check_id = check_id
        self.foreground_rows = foreground_rows

    @property
    def similarity(self) -> Similarity:
        """In the request a smaller near-duplicate budget, past which the check moves to the
        task; in the task the whole budget, past which the search stops and says so."""
        if self.foreground_rows is None:
            return Similarity()
        return Similarity(settings.BANK_NEAR_DUPLICATE_BUDGET_IN_REQUEST, in_request=True)

    def limits(self, req: BankRequirements) -> ReadLimits:
        """The reads' hard limits: the round's, and the request's row cap."""
        return ReadLimits(
            max_rows=req.max_rows,
            max_cell_chars=req.max_cell_chars,
            max_items_per_level=req.max_items_per_level,
            foreground_rows=self.foreground_rows,
        )

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


def _current(row: Deliverable, kind: str) -> Deliverable | None:
    return (
        Deliverable.objects.filter(line_id=row.line_id, kind=kind, is_current=True)
        .select_related("file")
        .first()
    )


STRUCTURAL = ("unreadable_file", "missing_sheet", "missing_header", *LIMIT_KINDS)
# The kind of problem when the deliverable another is checked against is missing or unreadable.
MISSING = {Kind.SPECIFICATION: "missing_specification", Kind.SKILL: "missing_skill_bank"}


def _first_upload(row: Deliverable, other: str) -> Problem:
    """The deliverable ``row`` is checked against is missing: say so on that one's sheet."""
    message = _(
        "请先上传“%(other)s”（工作表「%(sheet)s」）：“%(kind)s”须对照其检查，"
        "上传后本文件会自动重新检查（附件6）。"
    ) % {"other": Kind(other).label, "sheet": MAIN_SHEET[other], "kind": row.get_kind_display()}
    return error(MAIN_SHEET[other], None, "", message, MISSING[other])


def _unreadable_current(other: str, problems: Sequence[Problem]) -> Problem | None:
    """The current ``other`` deliverable cannot be read: checking against it would only repeat
    that, so one problem says to upload it again."""
    broken = [p for p in problems if p.kind in STRUCTURAL]
    if not broken:
        return None
    message = _("当前的“%(other)s”无法读取（%(reason)s），请先重新上传（附件6）。") % {
        "other": Kind(other).label,
        "reason": broken[0].message,
    }
    return error(MAIN_SHEET[other], None, "", message, MISSING[other])


def _spec_rows(row: Deliverable, limits: ReadLimits) -> tuple[list[SpecRow], Problem | None]:
    spec = _current(row, Kind.SPECIFICATION)
    if spec is None:
        return [], _first_upload(row, Kind.SPECIFICATION)
    rows, problems = read_specification(read(spec), limits=limits)
    return rows, _unreadable_current(Kind.SPECIFICATION, problems)


def _skill_tasks(row: Deliverable, limits: ReadLimits) -> tuple[list[SkillTask], Problem | None]:
    skill = _current(row, Kind.SKILL)
    if skill is None:
        return [], _first_upload(row, Kind.SKILL)
    tasks, problems = read_skill_bank(read(skill), limits=limits)
    return tasks, _unreadable_current(Kind.SKILL, problems)


def _take(report: Report, part: Report) -> None:
    """Add ``part``'s problems, counts and figures to ``report`` (``extend`` counts the problems
    ``part`` kept, the rest are added from its counts)."""
    report.extend(part.problems)
    kept = Counter((p.kind, p.severity) for p in part.problems)
    for key, n in part.counts.items():
        report.counts[key] += n - kept[key]
    report.summary.update(part.summary)


def _check_specification(
    report: Report, row: Deliverable, req: BankRequirements, tracker: Tracker, data: bytes
) -> None:
    rows, problems = read_specification(data, tracker.progress, tracker.limits(req))
    report.extend(problems)
    if report.has_kind(*STRUCTURAL):
        return
    tracker.stage(Stage.CHECKING)
    report.summary["points"] = points_summary([r for r in rows if r.level == row.line.level])
    _take(report, check_specification(rows, req, level=row.line.level))


def _check_theory(
    report: Report, row: Deliverable, req: BankRequirements, tracker: Tracker, data: bytes
) -> None:
    items, problems = read_theory_bank(data, tracker.progress, tracker.limits(req))
    report.extend(problems)
    if report.has_kind(*STRUCTURAL):
        return
    tracker.stage(Stage.SPECIFICATION)
    spec, missing = _spec_rows(row, tracker.limits(req))
    if missing is not None:
        report.extend([missing])
        return
    level = row.line.level
    report.summary["points"] = points_summary([r for r in spec if r.level == level])
    theory = check_theory_bank(
        spec,
        items,
        req,
        on_stage=tracker.stage,
        level=level,
        keep_per_kind=report.keep_per_kind,
        similarity=tracker.similarity,
    )
    _take(report, theory)


def _check_skill(
    report: Report, row: Deliverable, req: BankRequirements, tracker: Tracker, data: bytes
) -> None:
    tasks, problems = read_skill_bank(data, tracker.progress, tracker.limits(req))
    report.extend(problems)
    if report.has_kind(*STRUCTURAL):
        return
    report.summary["tasks"] = tasks_summary(tasks)
    tracker.stage(Stage.SPECIFICATION)
    spec, missing = _spec_rows(row, tracker.limits(req))
    if missing is not None:
        report.extend([missing])
        return
    tracker.stage(Stage.CHECKING)
    _take(report, check_skill_bank(spec, tasks, req, row.line.level))


def _check_marking(
    report: Report, row: Deliverable, req: BankRequirements, tracker: Tracker, data: bytes
) -> None:
    items, problems = read_marking_scheme(data, tracker.progress, tracker.limits(req))
    report.extend(problems)
    if report.has_kind(*STRUCTURAL):
        return
    tasks, missing = _skill_tasks(row, tracker.limits(req))
    if missing is not None:
        report.extend([missing])
        return
    tracker.stage(Stage.CHECKING)
    _take(report, check_marking_scheme(tasks, items, row.line.level))


def _check_plan(
    report: Report, row: Deliverable, req: BankRequirements, tracker: Tracker, data: bytes
) -> None:
    """The theory paper's plan is checked even before the skill-operation bank is uploaded;
    the skill paper's draws only against it."""
    papers, draws, problems = read_paper_plan(data, tracker.progress, tracker.limits(req))
    report.extend(problems)
    if report.has_kind(*STRUCTURAL):
        return
    tasks, missing = _skill_tasks(row, tracker.limits(req))
    if missing is not None:
        report.extend([missing])
    tracker.stage(Stage.CHECKING)
    level = row.line.level
    _take(report, check_paper_plan(papers, draws, None if missing else tasks, req, level))


Checker = Callable[[Report, Deliverable, BankRequirements, Tracker, bytes], None]
CHECKERS: dict[str, Checker] = {
    Kind.SPECIFICATION: _check_specification,
    Kind.THEORY: _check_theory,
    Kind.SKILL: _check_skill,
    Kind.MARKING: _check_marking,
    Kind.PAPER_PLAN: _check_plan,
}
# The sheet whose rows decide whether a check runs in the background.
MAIN_SHEET = {
    Kind.SPECIFICATION: SPEC_SHEET,
    Kind.THEORY: THEORY_SHEET,
    Kind.SKILL: SKILL_SHEET,
    Kind.MARKING: MARKING_SHEET,
    Kind.PAPER_PLAN: SKILL_PLAN_SHEET,
}
# What is checked against a deliverable, so checked again when a new one of its kind comes.
DEPENDANTS = {
    Kind.SPECIFICATION: (Kind.THEORY, Kind.SKILL, Kind.MARKING, Kind.PAPER_PLAN),
    Kind.SKILL: (Kind.MARKING, Kind.PAPER_PLAN),
}


def check_report(row: Deliverable, req: BankRequirements, tracker: Tracker, data: bytes) -> Report:
    """The report of one deliverable of the line's level, each problem located at its cell: the
    specification table on its own, the theory and skill banks against the current
    specification table, the marking scheme and the paper-assembly plan against the current
    skill-operation bank. A file that cannot be read as the deliverable (unreadable, its sheet
    or header missing) is reported once, without the problems that would follow from it."""
    tracker.stage(Stage.READING)
    report = Report(keep_per_kind=settings.BANK_REPORT_KEEP_PER_KIND)
    CHECKERS[row.kind](report, row, req, tracker, data)
    report.problems = locate(data, report.problems)
    return report


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
    """Check a saved deliverable (any of the five workbooks): at once when small (its report is
    saved), else queue a background check and return it."""
    data = read(row)
    # The stated size only sends a check to the task sooner; the request's reads count the rows
    # themselves and stop past the same number, so a sheet stating 3 rows and holding 1,500
    # goes to the task too.
    rows = estimated_rows(data, MAIN_SHEET[row.kind])
    large_rows = rows is not None and rows - 1 > settings.BANK_CHECK_ASYNC_ROWS  # less the header
    if row.file.size > settings.BANK_CHECK_ASYNC_BYTES or large_rows:
        return queue(row, rows)
    in_request = Tracker(foreground_rows=settings.BANK_CHECK_ASYNC_ROWS)
    try:
        report = check_report(row, req, in_request, data)
    except TooLargeForRequest:
        return queue(row)
    apply(row, report)
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
        over = over_limit_message() if isinstance(exc, MemoryError) else None
        _fail(check_id, f"{type(exc).__name__}: {exc}", over)
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


def over_limit_message() -> str:
    """What the applicant reads when its check was stopped at a limit (bank_isolation.py)."""
    return _(
        "检查超出时间/内存上限，已终止（上限 %(seconds)s 秒、%(megabytes)s MB）："
        "请删去重复或过长的内容后重新上传（N-4.2）。"
    ) % {
        "seconds": settings.BANK_CHECK_TIME_LIMIT_SECONDS,
        "megabytes": settings.BANK_CHECK_MEMORY_LIMIT_MB,
    }


def _fail(check_id: int, reason: str, message: str | None = None) -> None:
    """Fail a pending check: ``reason`` is for the operator, ``message`` for the applicant."""
    with transaction.atomic():
        bank_check = _locked(check_id)
        if bank_check is None or not bank_check.pending:
            return
        message = message or _(
            "后台检查未能完成，请重新上传该文件；如仍出错请联系省职业技能服务指导中心。"
        )
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
