"""Verification (材料初审, N-4.1.2, SPEC §6.2): the staff checklist, verify or return.

Each applicable checklist item gets present / complete / authentic and a note, kept as a
``VerificationCheck``. "初审通过" runs the workflow's ``verify`` (its guard wants every item
passed); "退回补正" runs ``return_for_correction`` with a reason composed from the failed items.
The checks are saved in the same transaction as the action, so a refused action changes nothing
and the page shows again with what the user typed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role
from evalorg.applications import access, workflow
from evalorg.applications.models import Application, State
from evalorg.applications.workflow import Refusal, TransitionRefused
from evalorg.core import audit
from evalorg.rounds.models import ChecklistItem

from .models import VerificationCheck
from .services import review_of, stage_now

VERIFICATION_ACTIONS = ("verify", "return_for_correction")
FLAGS = ("present", "complete", "authentic")
NOTE_MAX = 500
GENERAL_NOTE_MAX = 1000


def load_case(request: HttpRequest, pk: int, *, to_act: bool = False) -> Application:
    """The application if the user is staff of its receiving agency, or (to read) the
    provincial center for a case a city sent it; otherwise 404."""
    qs = Application.objects.select_related("round", "institution", "receiving_agency")
    application = access.get_for_user(qs, request.user, pk)
    if access.is_receiving_staff(application, request.user):
        return application
    if not to_act and has_role(request.user, Role.PROVINCE_STAFF):
        return application  # in scope only through its provincial selection record
    raise Http404


# ---- services -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckInput:
    """What staff entered for one checklist item."""

    code: str
    title: str
    optional: bool
    present: bool
    complete: bool
    authentic: bool
    note: str

    @property
    def passed(self) -> bool:
        return self.present and self.complete and self.authentic

    @property
    def failed(self) -> bool:
        """An optional item that was not submitted is not a failure."""
        if self.optional and not self.present:
            return False
        return not self.passed

    def opinion(self) -> str:
        """The note, or what failed when staff wrote none."""
        if self.note:
            return self.note
        if not self.present:
            return _("未提交")
        problems = []
        if not self.complete:
            problems.append(_("内容不完整"))
        if not self.authentic:
            problems.append(_("真实性存疑"))
        return "；".join(problems)

    def values(self) -> dict:
        return {
            "present": self.present,
            "complete": self.complete,
            "authentic": self.authentic,
            "note": self.note,
        }


def checks_for(application: Application, stage: str | None = None) -> dict[str, VerificationCheck]:
    """The checks of ``stage`` (default: the stage the case is in now)."""
    checks = VerificationCheck.objects.filter(
        review__application=application, review__stage=stage or stage_now(application)
    )
    return {c.item_code: c for c in checks}


def ensure_checkable(application: Application) -> None:
    if application.state != State.SUBMITTED:
        raise TransitionRefused(
            [
                Refusal(
                    "SPEC-5",
                    _("申请当前状态为“%(state)s”，只有“已提交”的申请可以核验材料。")
                    % {"state": application.get_state_display()},
                )
            ]
        )


def refuse_ticks_without_files(application: Application, checks: list[CheckInput]) -> None:
    """An item with no uploaded material cannot be ticked 已提交, 完整 or 真实 (N-5.1: staff
    check what was submitted); the page disables those boxes, this refuses a forged request."""
    uploaded = set(
        application.materials.filter(is_current=True).values_list("item_code", flat=True)
    )
    refusals = [
        Refusal(
            "N-5.1",
            _("材料“%(t)s”未上传，不能勾选“已提交”“完整”或“真实”。") % {"t": check.title},
        )
        for check in checks
        if check.code not in uploaded and (check.present or check.complete or check.authentic)
    ]
    if refusals:
        raise TransitionRefused(refusals)


def save_checks(application: Application, checks: list[CheckInput], user) -> list[dict]:
    """Upsert one ``VerificationCheck`` per item; audits the changed rows. Returns them.

    The case's row is locked first, before the check rows, as ``perform()`` does: a
    verification racing another staff member's transition on the same case waits for it and is
    then refused, instead of deadlocking (PostgreSQL)."""
    changed = []
    with transaction.atomic():
        workflow.lock(application)
        ensure_checkable(application)
        refuse_ticks_without_files(application, checks)
        existing = checks_for(application)
        review = review_of(application)
        for check in checks:
            values = check.values()
            row = existing.get(check.code)
            if row is not None and all(getattr(row, k) == v for k, v in values.items()):
                continue
            VerificationCheck.objects.update_or_create(
                review=review,
                item_code=check.code,
                defaults={**values, "checked_by": user},
            )
            changed.append({"item": check.code, **values})
        if changed:
            audit.record("verification_saved", application, actor=user, data={"items": changed})
    return changed


def pass_uploaded(
    application: Application, items: list[ChecklistItem], user
) -> tuple[list[ChecklistItem], list[ChecklistItem]]:
    """全部核验通过 (issue 22): every item whose file is uploaded is ticked present, complete
    and authentic, its note kept, through ``save_checks`` one item at a time, so each material
    gets its own audit event as a single tick would. Items without a file are left untouched
    (N-5.1: nothing to check). Returns (ticked, without a file)."""
    with transaction.atomic():
        workflow.lock(application)
        ensure_checkable(application)
        uploaded = set(
            application.materials.filter(is_current=True).values_list("item_code", flat=True)
        )
        existing = checks_for(application)
        ticked = [item for item in items if item.code in uploaded]
        for item in ticked:
            row = existing.get(item.code)
            check = CheckInput(
                code=item.code,
                title=item.title,
                optional=item.required_when == ChecklistItem.RequiredWhen.OPTIONAL,
                present=True,
                complete=True,
                authentic=True,
                note=row.note if row else "",
            )
            save_checks(application, [check], user)
    return ticked, [item for item in items if item.code not in uploaded]


def verify(application: Application, checks: list[CheckInput], user) -> Application:
    """Save the checks and verify; if the guard refuses, nothing is saved."""
    with transaction.atomic():
        save_checks(application, checks, user)
        return workflow.perform(application, "verify", user)


def compose_reason(items: list[dict], general_note: str) -> str:
    lines = [f"{item['title']}：{item['note']}" for item in items]
    if general_note:
        lines.append(general_note)
    return "\n".join(lines)


def return_for_correction(
    application: Application, checks: list[CheckInput], general_note: str, user
) -> Application:
    """Save the checks and return the case with one reason per failed item (N-4.1.2)."""
    general_note = general_note.strip()
    failed = [c for c in checks if c.failed]
    # A form left untouched (nothing ticked, no note) is no judgement: every item would read
    # 未提交 to the applicant. Staff must have looked at the items or written why.
    untouched = not any(c.present or c.complete or c.authentic or c.note for c in checks)
    if (not failed or untouched) and not general_note:
        raise TransitionRefused(
            [
                Refusal(
                    "N-4.1.2",
                    _("退回补正须说明理由：请标出未通过核验的材料，或填写退回意见。"),
                )
            ]
        )
    items = [{"code": c.code, "title": c.title, "note": c.opinion()} for c in failed]
    with transaction.atomic():
        save_checks(application, checks, user)
        return workflow.perform(
            application,
            "return_for_correction",
            user,
            reason=compose_reason(items, general_note),
            items=items,
        )


# ---- the checklist form ---------------------------------------------------------------------


# ---- view -----------------------------------------------------------------------------------


def told_passed(result: tuple[list[ChecklistItem], list[ChecklistItem]]) -> str:
    """What 全部核验通过 did, naming the items left without a file."""
    ticked, missing = result
    text = _("已将 %(n)s 项已上传的材料标记为核验通过。") % {"n": len(ticked)}
    if missing:
        text += _("以下材料未上传，未作改动：%(items)s。") % {
            "items": "、".join(item.title for item in missing)
        }
    return text


SUCCESS = {
    "verify": _lazy("初审通过。"),
    "return_for_correction": _lazy("已退回补正，申请机构将收到退回理由。"),
}
