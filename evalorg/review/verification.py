"""Verification (材料初审, N-4.1.2, SPEC §6.2): the staff checklist, verify or return.

Each applicable checklist item gets present / complete / authentic and a note, kept as a
``VerificationCheck``. "初审通过" runs the workflow's ``verify`` (its guard wants every item
passed); "退回补正" runs ``return_for_correction`` with a reason composed from the failed items.
The checks are saved in the same transaction as the action, so a refused action changes nothing
and the page shows again with what the user typed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role
from evalorg.applications import access, workflow
from evalorg.applications.materials import applicable_items, current_materials
from evalorg.applications.models import Application, State
from evalorg.applications.workflow import Refusal, TransitionRefused
from evalorg.core import audit
from evalorg.core.actions import run, trial_refusals
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


def save_checks(application: Application, checks: list[CheckInput], user) -> list[dict]:
    """Upsert one ``VerificationCheck`` per item; audits the changed rows. Returns them.

    The case's row is locked first, before the check rows, as ``perform()`` does: a
    verification racing another staff member's transition on the same case waits for it and is
    then refused, instead of deadlocking (PostgreSQL)."""
    changed = []
    with transaction.atomic():
        workflow.lock(application)
        ensure_checkable(application)
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


class VerificationForm(forms.Form):
    """One row per applicable item: three checkboxes and a note; plus a general note."""

    general_note = forms.CharField(
        label=_lazy("退回补正的其他意见"),
        max_length=GENERAL_NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, items: list[ChecklistItem], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        labels = {
            "present": _lazy("已提交"),
            "complete": _lazy("完整"),
            "authentic": _lazy("真实"),
        }
        for item in items:
            for flag in FLAGS:
                self.fields[f"{item.code}-{flag}"] = forms.BooleanField(
                    label=labels[flag], required=False
                )
            self.fields[f"{item.code}-note"] = forms.CharField(
                label=_lazy("意见"),
                max_length=NOTE_MAX,
                required=False,
                widget=forms.TextInput(attrs={"placeholder": _lazy("未通过时请写明需补正的内容")}),
            )

    @staticmethod
    def initial_from(checks: dict[str, VerificationCheck]) -> dict:
        initial = {}
        for code, check in checks.items():
            for flag in FLAGS:
                initial[f"{code}-{flag}"] = getattr(check, flag)
            initial[f"{code}-note"] = check.note
        return initial

    def rows(self) -> list[dict]:
        return [
            {
                "item": item,
                "flags": [self[f"{item.code}-{flag}"] for flag in FLAGS],
                "note": self[f"{item.code}-note"],
            }
            for item in self.items
        ]

    def checks(self) -> list[CheckInput]:
        data = self.cleaned_data
        return [
            CheckInput(
                code=item.code,
                title=item.title,
                optional=item.required_when == ChecklistItem.RequiredWhen.OPTIONAL,
                present=data[f"{item.code}-present"],
                complete=data[f"{item.code}-complete"],
                authentic=data[f"{item.code}-authentic"],
                note=data[f"{item.code}-note"].strip(),
            )
            for item in self.items
        ]

    def disable(self) -> None:
        for field in self.fields.values():
            field.disabled = True


# ---- view -----------------------------------------------------------------------------------


SUCCESS = {
    "verify": _lazy("初审通过。"),
    "return_for_correction": _lazy("已退回补正，申请机构将收到退回理由。"),
}


def _perform(action: str, application: Application, form: VerificationForm, user) -> None:
    """Run the button's action (with the checks typed on the page); raises TransitionRefused."""
    checks = form.checks()
    if action == "verify":
        verify(application, checks, user)
    else:
        return_for_correction(application, checks, form.cleaned_data["general_note"], user)


@login_required
def verify_page(request: HttpRequest, pk: int) -> HttpResponse:
    application = load_case(request, pk, to_act=True)
    items = applicable_items(application)
    checks = checks_for(application)
    form = VerificationForm(
        request.POST or None, items=items, initial=VerificationForm.initial_from(checks)
    )
    if request.method != "POST" or not form.is_valid():
        return _page(request, application, form, checks, [])
    action = request.POST.get("action", "save")
    back = reverse("review_inbox:verify", args=[application.pk])

    def refused(refusals: list[Refusal]) -> HttpResponse:
        """Shown again with what was typed, and why (nothing was saved)."""
        return _page(request, application, form, checks, refusals)

    if action not in VERIFICATION_ACTIONS:
        return run(
            request,
            lambda: save_checks(application, form.checks(), request.user),
            back=back,
            success=lambda changed: _("核验结果已保存。") if changed else _("核验结果没有变化。"),
            refused=refused,
        )
    # The form and the guards first (tried and rolled back: the guards read the saved checks),
    # shown on the page with what was typed; only an action that would be done asks "不能撤回"
    # (the server's confirm page; no browser dialog, which would ask before the check), then done.
    return run(
        request,
        lambda: _perform(action, application, form, request.user),
        back=back,
        success=str(SUCCESS[action]),
        question=workflow.TABLE[action].confirm,
        precheck=lambda: trial_refusals(lambda: _perform(action, application, form, request.user)),
        done_url=reverse("review_inbox:case", args=[application.pk]),
        refused=refused,
    )


def _page(
    request: HttpRequest,
    application: Application,
    form: VerificationForm,
    checks: dict[str, VerificationCheck],
    refusals: list[Refusal],
) -> HttpResponse:
    editable = application.state == State.SUBMITTED
    if not editable:
        form.disable()
    files = current_materials(application)
    rows = form.rows()
    for row in rows:
        row["files"] = files.get(row["item"].code, [])
        row["check"] = checks.get(row["item"].code)
        row["updated"] = bool(
            row["check"] and any(m.file.uploaded_at > row["check"].checked_at for m in row["files"])
        )
    return render(
        request,
        "review/inbox/verify.html",
        {
            "application": application,
            "form": form,
            "rows": rows,
            "refusals": refusals,
            "editable": editable,
        },
        status=400 if request.method == "POST" else 200,  # a POST shown again was refused
    )
