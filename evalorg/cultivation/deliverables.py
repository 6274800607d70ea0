"""Question-bank deliverables per occupation line (issue 9, N-4.2, 附件6).

The applicant uploads five deliverables per line, each an XLSX workbook (with an optional
scanned PDF or DOCX beside it); each is checked with ``banks`` against the round's requirements,
the line's level and the deliverables it depends on (``bank_checks.DEPENDANTS``), at once or,
for a large file, by a background task, and the report is stored beside the file.
``submit_bank`` is refused (guard ``deliverables_ready``) until all five are present, their
checks done and passed and while the period's last day has not ended.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from evalorg.applications.models import ApplicationOccupation
from evalorg.applications.workflow import Refusal, TransitionRefused
from evalorg.core import audit, clock
from evalorg.core.audit import Audience
from evalorg.core.files import atomic_uploads, store_upload
from evalorg.core.models import StoredFile

from . import bank_checks
from .banks.requirements import BankRequirements
from .models import BankCheck, CultivationPeriod, Deliverable

CLAUSE = "N-4.2"
Kind = Deliverable.Kind
Line = ApplicationOccupation.Status
CHECKED = bank_checks.CHECKED
# Every deliverable is a workbook the checks read; a scanned copy (signed, stamped) may be
# attached beside it, never instead of it.
ALLOWED_KINDS: dict[str, list[str]] = {kind: ["xlsx"] for kind in Kind}
ATTACHMENT_KINDS = ["pdf", "docx"]
MAX_BYTES = 20 * 1024 * 1024
OPEN_LINE = frozenset({Line.CULTIVATING, Line.BANK_FAILED})


def current(line: ApplicationOccupation) -> dict[str, Deliverable]:
    """The current deliverable of each kind, with its background checks newest first."""
    checks = Prefetch("checks", queryset=BankCheck.objects.order_by("-pk"), to_attr="check_list")
    rows = (
        Deliverable.objects.filter(line=line, is_current=True)
        .select_related("file")
        .prefetch_related(checks)
    )
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


def review_in_period(line: ApplicationOccupation, actor, data: dict) -> Refusal | None:
    """Guard on ``pass_bank`` and ``fail_bank``: a bank is reviewed within the line's period,
    up to its case's day 180, whatever the case's state (filed early included); after it the
    line is eliminated (N-4.3: 在180天培育期内完成…通过评审)."""
    period = _period(line)
    if period is not None and clock.is_past(period.last_day):
        return Refusal(
            "N-4.3",
            _(
                "培育辅导期已于 %(last)s 24 时（北京时间）届满，期内未通过审核的职业（工种）"
                "予以自然淘汰，不能再审核。"
            )
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
        if row is not None:
            refusal = check_refusal(row)
            if refusal is not None:
                refusals.append(refusal)
    return refusals


def check_refusal(row: Deliverable) -> Refusal | None:
    """Why a checked deliverable cannot go to review: its check pending, failed or not passed."""
    args = {"kind": row.get_kind_display()}
    if row.checking:
        message = _("“%(kind)s”正在后台检查，检查完成并通过后才能提交审核。")
    elif row.check_failed:
        message = _("“%(kind)s”的后台检查未能完成，请重新上传后再提交审核。")
    elif not row.passed:
        message = _("“%(kind)s”未通过检查，请按检查结果修改后重新上传。")
    else:
        return None
    return Refusal(CLAUSE, message % args)


def deliverables_ready(line: ApplicationOccupation, actor, data: dict) -> list[Refusal]:
    """Guard on ``submit_bank``: the period not over, all five present, both checks passed."""
    refusal = period_refusal(line)
    return [refusal] if refusal is not None else missing_refusals(line)


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


def _store_attachment(uploaded, user) -> StoredFile | None:
    if not uploaded:
        return None
    return store_upload(uploaded, allowed_kinds=ATTACHMENT_KINDS, max_bytes=MAX_BYTES, user=user)


def upload(line: ApplicationOccupation, kind: str, uploaded, user, attachment=None) -> Deliverable:
    """Store, check (at once, or in the background when large) and make current, and check
    again the current deliverables checked against this kind; raises ``TransitionRefused`` or
    ``UploadRefused`` and stores nothing when refused. ``attachment``: an optional scanned
    PDF or DOCX kept beside the workbook."""
    refusal = upload_refusal(line, user)
    if refusal is not None:
        raise TransitionRefused([refusal])
    req = BankRequirements.from_round(line.application.round)
    with atomic_uploads():
        ApplicationOccupation.objects.select_for_update().get(pk=line.pk)
        stored = store_upload(
            uploaded, allowed_kinds=ALLOWED_KINDS[kind], max_bytes=MAX_BYTES, user=user
        )
        scan = _store_attachment(attachment, user)
        present = current(line)
        Deliverable.objects.filter(line=line, kind=kind, is_current=True).update(is_current=False)
        row = Deliverable.objects.create(
            line=line,
            kind=kind,
            file=stored,
            attachment=scan,
            uploaded_by=user,
            uploaded_at=clock.now(),
        )
        queued = bank_checks.check(row, req)
        for dependant in bank_checks.DEPENDANTS.get(kind, ()):
            if dependant in present:  # checked against this kind: check it again
                bank_checks.check(present[dependant], req)
        audit.record(
            "deliverable_uploaded",
            line,
            actor=user,
            data={
                "deliverable": row.pk,
                "kind": kind,
                "file": stored.pk,
                "sha256": stored.sha256,
                "attachment": scan.pk if scan else None,
                "passed": row.passed,
                "errors": bank_checks.error_count(row),
                "background_check": queued.pk if queued else None,
            },
            audience=Audience.APPLICANT,
        )
    return row


def recheck_round(round_, user) -> int:
    """The round's question-bank requirements changed: queue a background check of every
    current deliverable of its open lines (cultivating or failed), returns how many."""
    rows = list(
        Deliverable.objects.filter(
            is_current=True,
            line__application__round=round_,
            line__status__in=OPEN_LINE,
        ).select_related("file")
    )
    for row in rows:
        bank_checks.queue(row)
    if rows:
        audit.record(
            "bank_requirements_changed",
            round_,
            actor=user,
            data={"rechecked": len(rows)},
            audience=Audience.STAFF,
        )
    return len(rows)
