"""The verification page (初审, N-5.1): the checklist ticked per material, then 初审通过 or
退回补正. What is saved and performed is in ``verification``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from evalorg.applications import workflow
from evalorg.applications.materials import applicable_items, current_materials
from evalorg.applications.models import Application, State
from evalorg.applications.workflow import Refusal
from evalorg.core.actions import run, trial_refusals

from .forms import VerificationForm
from .models import VerificationCheck
from .verification import (
    SUCCESS,
    VERIFICATION_ACTIONS,
    checks_for,
    load_case,
    pass_uploaded,
    return_for_correction,
    save_checks,
    told_passed,
    verify,
)

PASS_UPLOADED = "pass_uploaded"
RETURN = "return_for_correction"


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
    back = reverse("review_inbox:verify", args=[application.pk])
    if request.method == "POST" and request.POST.get("action") == PASS_UPLOADED:
        return run(
            request,
            lambda: pass_uploaded(application, items, request.user),
            back=back,
            success=told_passed,
        )
    checks = checks_for(application)
    form = VerificationForm(
        request.POST or None, items=items, initial=VerificationForm.initial_from(checks)
    )
    if request.method != "POST" or not form.is_valid():
        return _page(request, application, form, checks, [])
    action = request.POST.get("action", "save")

    def refused(refusals: list[Refusal]) -> HttpResponse:
        """Shown again with what was typed, and why (nothing was saved); a refused 退回补正
        wants a reason, which the general note gives: the refusal is read with it."""
        return _page(request, application, form, checks, refusals, note_refused=action == RETURN)

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
        done_url=reverse("applications:detail", args=[application.pk]),
        refused=refused,
    )


def _page(
    request: HttpRequest,
    application: Application,
    form: VerificationForm,
    checks: dict[str, VerificationCheck],
    refusals: list[Refusal],
    *,
    note_refused: bool = False,
) -> HttpResponse:
    editable = application.state == State.SUBMITTED
    if not editable:
        form.disable()
    files = current_materials(application)
    rows = form.rows()
    for row in rows:
        row["files"] = files.get(row["item"].code, [])
        row["no_file"] = not row["files"]  # nothing to tick (N-5.1): the boxes are disabled
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
            "note_refused": note_refused,
            "editable": editable,
        },
        status=400 if request.method == "POST" else 200,  # a POST shown again was refused
    )
