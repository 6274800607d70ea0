"""Complaint pages (N-5.2): the public form from an organization's registry page with its
confirmation, the local agency's list with filters, one complaint page whose buttons come from
``available_actions``, and the evidence download (audited)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from evalorg.accounts import ratelimits
from evalorg.accounts.models import Role
from evalorg.accounts.permissions import role_required
from evalorg.catalog.models import Division
from evalorg.core import audit
from evalorg.core.actions import run_transition
from evalorg.core.files import UploadRefused, file_response
from evalorg.core.workflow import TransitionRefused, available_actions

from .complaints import (
    complaints_for,
    file_complaint,
    get_filed_organization,
    get_for_user,
    with_rows,
)
from .forms import ComplaintForm
from .models import Complaint

PAGE_SIZE = 50
# Per client address, as for objections (issue 22): 5 accepted complaints an hour, and 30
# attempts of any outcome against captcha guessing; a refused attempt costs only an attempt.
ACCEPTED = (ratelimits.Limit("complaint-accepted-ip", "5/h", ratelimits.ip_key),)
ATTEMPTS = (ratelimits.Limit("complaint-attempt-ip", "30/h", ratelimits.ip_key),)
ACK_SESSION_KEY = "complaint_ack"


def _url(complaint: Complaint) -> str:
    return reverse("complaints:detail", args=[complaint.pk])


# ---- public pages (no login) ------------------------------------------------------------------


def complaint_new(request: HttpRequest, pk: int) -> HttpResponse:
    institution, _agency = get_filed_organization(pk)
    form = ComplaintForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"institution": institution, "form": form, "refusal": None}
    if request.method == "POST" and _over_limit(request):
        context["limited"] = _(
            "提交过于频繁：同一网络地址一小时内最多受理 5 件投诉。"
            "您填写的内容已保留，请一小时后再提交。"
        )
        return render(request, "complaints/form.html", context, status=429)
    if request.method == "POST":
        ratelimits.count(request, ATTEMPTS)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            complaint = file_complaint(
                institution.pk,
                name=data["complainant_name"],
                phone=data["complainant_phone"],
                email=data["complainant_email"],
                facts=data["facts"],
                evidence=data["evidence"],
            )
        except TransitionRefused as refused:
            context["refusal"] = "；".join(r.shown for r in refused.refusals)
        except UploadRefused as refused:
            form.add_error("evidence", refused.message)
        else:
            ratelimits.count(request, ACCEPTED)
            request.session[ACK_SESSION_KEY] = {"org": institution.pk, "number": complaint.number}
            return redirect("complaints_public:done", institution.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "complaints/form.html", context, status=status)


def _over_limit(request: HttpRequest) -> bool:
    return ratelimits.exceeded(request, ACCEPTED) or ratelimits.exceeded(request, ATTEMPTS)


def complaint_done(request: HttpRequest, pk: int) -> HttpResponse:
    institution, _agency = get_filed_organization(pk)
    ack = request.session.get(ACK_SESSION_KEY) or {}
    if ack.get("org") != institution.pk:
        return redirect("registry:organization", institution.pk)
    context = {"institution": institution, "number": ack["number"]}
    return render(request, "complaints/done.html", context)


# ---- the local agency's pages -----------------------------------------------------------------


@role_required(Role.AGENCY_STAFF)
def complaint_list(request: HttpRequest) -> HttpResponse:
    rows = with_rows(complaints_for(request.user))
    params = request.GET
    if (status := params.get("status", "")) in Complaint.Status.values:
        rows = rows.filter(status=status)
    if city := params.get("city", ""):
        rows = rows.filter(institution__city_id=city)
    if q := params.get("q", "").strip():
        rows = rows.filter(institution__name__icontains=q)
    page = Paginator(rows, PAGE_SIZE).get_page(params.get("page"))
    query = params.copy()
    query.pop("page", None)
    return render(
        request,
        "complaints/list.html",
        {
            "page": page,
            "params": params,
            "query": query.urlencode(),
            "statuses": Complaint.Status.choices,
            "cities": Division.objects.filter(
                level=Division.Level.PREFECTURE, code__startswith="44"
            ).order_by("code"),
        },
    )


@role_required(Role.AGENCY_STAFF)
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = get_for_user(request.user, pk)
    context = {"complaint": complaint, "actions": available_actions(complaint, request.user)}
    return render(request, "complaints/detail.html", context)


@require_POST
@role_required(Role.REVIEWING_STAFF)
def complaint_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    complaint = get_for_user(request.user, pk)
    return run_transition(
        request,
        complaint,
        action,
        back=_url(complaint),
        data={"reason": request.POST.get("reason", "")},
    )


@role_required(Role.AGENCY_STAFF)
def complaint_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """The complainant's evidence (staff only; every read audited)."""
    complaint = get_for_user(request.user, pk)
    if complaint.evidence is None:
        raise PermissionDenied
    audit.record("complaint_evidence_viewed", complaint, actor=request.user)
    return file_response(complaint.evidence)
