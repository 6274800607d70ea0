"""One random inspection's page (N-5.2, ``/supervision/inspection/<id>/``): the inspector
records findings and concludes, the organization answers a rectification order with its files,
its local agency closes or escalates (an escalation drafts a sanction). The buttons and forms
shown are the actions ``available_actions`` offers the reader; every step goes through the
engine (``inspection_records.py``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role, role_required
from evalorg.core import audit
from evalorg.core.actions import run, run_transition
from evalorg.core.audit import Audience
from evalorg.core.files import UploadRefused, atomic_uploads, file_response
from evalorg.core.workflow import Refusal, TransitionRefused, available_actions, check, perform

from .findings import add_finding, file_of, finding_refusals, get_for_user, store_evidence
from .forms_inspections import AnswerForm, EscalateForm, FindingForm, RectifyForm
from .inspection_records import CLAUSE, ESCALATE, NO_FINDINGS
from .models import Inspection

READERS = (Role.PROVINCE_STAFF, Role.DEPARTMENT, Role.CITY_STAFF, Role.EXPERT, Role.APPLICANT)
PLAIN = {"record_no_findings", "close_inspection"}
FORMS: dict[str, type[forms.Form]] = {
    "order_rectification": RectifyForm,
    "answer_rectification": AnswerForm,
    "escalate_inspection": EscalateForm,
}


def _url(inspection: Inspection) -> str:
    return reverse("supervision:inspection", args=[inspection.pk])


@role_required(*READERS)
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, get_for_user(request.user, pk))


def _page(
    request: HttpRequest,
    inspection: Inspection,
    bound: dict[str, forms.Form] | None = None,
) -> HttpResponse:
    bound = bound or {}
    actions = available_actions(inspection, request.user)
    offered = {a.action for a in actions}
    may_record = not finding_refusals(inspection, request.user)
    findings = list(inspection.finding_rows.select_related("evidence"))
    if findings:  # the guard would refuse it: not offered once a finding is recorded
        actions = [a for a in actions if a.action != "record_no_findings"]
    context = {
        "inspection": inspection,
        "findings": findings,
        "files": inspection.rectification_files.select_related("file"),
        "plain": [a for a in actions if a.action in PLAIN],
        "finding_form": bound.get("finding", FindingForm()) if may_record else None,
        "forms": {
            name: bound.get(name, form_class())
            for name, form_class in FORMS.items()
            if name in offered
        },
        "no_findings_confirm": NO_FINDINGS.confirm,
        "escalate_confirm": ESCALATE.confirm,
        "staff": has_role(request.user, Role.AGENCY_STAFF),
        # The organization is not told who inspected it on the page (nor the public).
        "show_inspector": not has_role(request.user, Role.APPLICANT),
    }
    status = 400 if any(f.errors for f in bound.values()) else 200
    return render(request, "supervision/inspection.html", context, status=status)


@require_POST
@role_required(Role.EXPERT)
def finding_add(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = get_for_user(request.user, pk)
    form = FindingForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, inspection, {"finding": form})
    data = form.cleaned_data

    def record() -> Any:
        try:
            return add_finding(
                inspection, request.user, data["category"], data["description"], data["evidence"]
            )
        except UploadRefused as refused:
            raise TransitionRefused([Refusal(CLAUSE, str(refused))]) from None

    return run(request, record, back=_url(inspection), success=_("已记录一个问题。"))


@require_POST
@role_required(*READERS)
def inspection_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    inspection = get_for_user(request.user, pk)
    if action in PLAIN:
        return run_transition(request, inspection, action, back=_url(inspection))
    form_class = FORMS.get(action)
    if form_class is None:
        return redirect(_url(inspection))
    form = form_class(request.POST, request.FILES)
    if not form.is_valid():
        if action in {a.action for a in available_actions(inspection, request.user)}:
            return _page(request, inspection, {action: form})
        return redirect(_url(inspection))
    data = dict(form.cleaned_data)
    if action == "answer_rectification":
        return _answer(request, inspection, data)
    return run_transition(request, inspection, action, back=_url(inspection), data=data)


def _answer(request: HttpRequest, inspection: Inspection, data: dict[str, Any]) -> HttpResponse:
    """The answer and its files, stored in the transition's transaction (a refusal keeps
    neither the answer nor the bytes)."""
    uploads = data.pop("files")

    def answer() -> Inspection:
        with atomic_uploads():
            try:
                stored = [store_evidence(f, request.user) for f in uploads]
            except UploadRefused as refused:
                raise TransitionRefused([Refusal(CLAUSE, str(refused))]) from None
            done: Inspection = perform(
                inspection, "answer_rectification", request.user, files=stored, **data
            )
            return done

    return run(
        request,
        answer,
        back=_url(inspection),
        success=_("整改情况已报告，等待属地监管机构审核。"),
        precheck=lambda: check(inspection, "answer_rectification", request.user, data),
    )


@role_required(*READERS)
def inspection_file(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    """A file of the record, to those who read the inspection; every read audited."""
    inspection = get_for_user(request.user, pk)
    stored = file_of(inspection, file_pk)
    audit.record(
        "inspection_file_read",
        inspection,
        actor=request.user,
        data={"file": stored.sha256},
        audience=Audience.STAFF,
    )
    return file_response(stored)
