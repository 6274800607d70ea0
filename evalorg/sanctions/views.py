"""Sanction pages (N-5.2): the staff's list with filters, drafting, one sanction page whose
buttons come from ``available_actions`` (the department records the leadership group's
decision there with the minutes), the minutes and evidence downloads; the public notice of
effective suspensions and revocations."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role, role_required
from evalorg.applications.models import ApplicationOccupation
from evalorg.catalog.models import Division
from evalorg.core import audit
from evalorg.core.actions import run, run_transition
from evalorg.core.files import UploadRefused, atomic_uploads, file_response, store_upload
from evalorg.core.workflow import Refusal, TransitionRefused, available_actions, lock, perform
from evalorg.documents.minutes import MINUTES_KINDS, MINUTES_MAX_BYTES, MinutesForm, store_minutes

from .forms import DraftForm
from .models import Sanction
from .sanctions import (
    create_draft,
    get_for_user,
    sanctions_for,
    supervised_institutions,
    with_rows,
)
from .transitions import APPROVE

PAGE_SIZE = 50
# Actions posted to ``action``; the leadership approval has its form (``approve``).
SIMPLE_ACTIONS = {
    "issue_warning",
    "submit_sanction",
    "review_sanction",
    "return_sanction",
    "restore_sanction",
    "withdraw_sanction",
}
# Which actions fit which kind (the guards refuse the others; the page does not offer them).
FOR_KIND = {
    "issue_warning": {Sanction.Kind.WARNING},
    "submit_sanction": {Sanction.Kind.SUSPENSION, Sanction.Kind.REVOCATION},
    "restore_sanction": {Sanction.Kind.SUSPENSION},
}


def _url(sanction: Sanction) -> str:
    return reverse("sanctions:detail", args=[sanction.pk])


@role_required(Role.AGENCY_STAFF)
def sanction_list(request: HttpRequest) -> HttpResponse:
    rows = with_rows(sanctions_for(request.user))
    params = request.GET
    if (status := params.get("status", "")) in Sanction.Status.values:
        rows = rows.filter(status=status)
    if (kind := params.get("kind", "")) in Sanction.Kind.values:
        rows = rows.filter(kind=kind)
    if city := params.get("city", ""):
        rows = rows.filter(institution__city_id=city)
    if q := params.get("q", "").strip():
        rows = rows.filter(institution__name__icontains=q)
    page = Paginator(rows, PAGE_SIZE).get_page(params.get("page"))
    query = params.copy()
    query.pop("page", None)
    return render(
        request,
        "sanctions/list.html",
        {
            "page": page,
            "params": params,
            "query": query.urlencode(),
            "statuses": Sanction.Status.choices,
            "kinds": Sanction.Kind.choices,
            "cities": Division.objects.filter(
                level=Division.Level.PREFECTURE, code__startswith="44"
            ).order_by("code"),
            "may_draft": has_role(request.user, Role.REVIEWING_STAFF),
        },
    )


@role_required(Role.REVIEWING_STAFF)
def sanction_new(request: HttpRequest) -> HttpResponse:
    institutions = supervised_institutions(request.user)
    lines = ApplicationOccupation.objects.filter(
        application__institution__in=institutions,
        status=ApplicationOccupation.Status.FILED,
    ).select_related("occupation", "application__institution")
    initial = {"institution": request.GET.get("institution")}
    form = DraftForm(
        request.POST or None,
        request.FILES or None,
        institutions=institutions,
        lines=lines,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        institution = form.cleaned_data["institution"]
        upload = form.cleaned_data.get("evidence_file")

        def draft() -> Sanction:
            data = form.draft_data()
            with atomic_uploads():
                if upload:
                    try:
                        data["evidence_file"] = store_upload(
                            upload,
                            allowed_kinds=MINUTES_KINDS,
                            max_bytes=MINUTES_MAX_BYTES,
                            user=request.user,
                        )
                    except UploadRefused as refused:
                        raise TransitionRefused([Refusal("N-5.2", str(refused))]) from None
                return create_draft(request.user, institution, data)

        return run(
            request,
            draft,
            back=reverse("sanctions:new"),
            success=_("处理决定草稿已保存。"),
            done_url=_url,
            refused=lambda refusals: _form_page(request, form, refusals),
        )
    return _form_page(request, form, [])


def _form_page(request: HttpRequest, form: DraftForm, refusals: list[Refusal]) -> HttpResponse:
    for refusal in refusals:
        form.add_error(None, refusal.shown)
    status = 400 if form.errors else 200
    return render(request, "sanctions/form.html", {"form": form}, status=status)


@role_required(Role.APPLICANT, Role.AGENCY_STAFF)
def sanction_detail(
    request: HttpRequest, pk: int, minutes_form: MinutesForm | None = None
) -> HttpResponse:
    sanction = get_for_user(request.user, pk)
    actions = [
        a
        for a in available_actions(sanction, request.user)
        if sanction.kind in FOR_KIND.get(a.action, {sanction.kind})
    ]
    offered = {a.action for a in actions}
    context = {
        "sanction": sanction,
        "actions": [a for a in actions if a.action in SIMPLE_ACTIONS],
        "minutes_form": (minutes_form or MinutesForm()) if "approve_sanction" in offered else None,
        "staff": has_role(request.user, Role.AGENCY_STAFF),
        "approve_confirm": APPROVE.confirm,
    }
    status = 400 if minutes_form is not None and minutes_form.errors else 200
    return render(request, "sanctions/detail.html", context, status=status)


@require_POST
@role_required(Role.AGENCY_STAFF)
def sanction_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    sanction = get_for_user(request.user, pk)
    if action not in SIMPLE_ACTIONS:
        return redirect(_url(sanction))
    return run_transition(
        request,
        sanction,
        action,
        back=_url(sanction),
        data={"reason": request.POST.get("reason", "")},
    )


@require_POST
@role_required(Role.DEPARTMENT)
def sanction_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """The leadership group's decision as the department records it: date, meeting, minutes."""
    sanction = get_for_user(request.user, pk)
    form = MinutesForm(request.POST, request.FILES)
    if not form.is_valid():
        return sanction_detail(request, pk, minutes_form=form)
    data = form.cleaned_data

    def approve() -> Sanction:
        with atomic_uploads():
            locked = lock(sanction, "approve_sanction")
            try:
                minutes = store_minutes(data["minutes"], request.user)
            except UploadRefused as refused:
                raise TransitionRefused([Refusal("N-5.2", str(refused))]) from None
            return perform(
                locked,
                "approve_sanction",
                request.user,
                decided_on=data["decided_on"],
                meeting_ref=data["meeting_ref"],
                minutes=minutes,
            )

    return run(
        request,
        approve,
        back=_url(sanction),
        success=_("已记录领导小组审定，处理决定生效并已公布。"),
    )


@role_required(Role.AGENCY_STAFF)
def sanction_file(request: HttpRequest, pk: int, which: str) -> HttpResponse:
    """The evidence or the minutes (staff only; every read audited)."""
    sanction = get_for_user(request.user, pk)
    stored = {"evidence": sanction.evidence_file, "minutes": sanction.minutes}.get(which)
    if stored is None:
        raise PermissionDenied
    action = "sanction_evidence_viewed" if which == "evidence" else "sanction_minutes_viewed"
    audit.record(action, sanction, actor=request.user)
    return file_response(stored)


# ---- public pages (no login) ------------------------------------------------------------------


@require_GET
def public_list(request: HttpRequest) -> HttpResponse:
    """The public notice (N-5.2): suspensions and revocations that took effect, newest first;
    no personal data."""
    rows = (
        with_rows(Sanction.objects.filter(effective_on__isnull=False))
        .filter(kind__in=[Sanction.Kind.SUSPENSION, Sanction.Kind.REVOCATION])
        .filter(status__in=[Sanction.Status.EFFECTIVE, Sanction.Status.RESTORED])
        .order_by("-effective_on", "-pk")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "sanctions/public_list.html", {"page": page})
