"""Identity change requests (issue 21 item 1, N-5.2): the applicant asks, with evidence; the
supervising agency (the city agency of the institution's city, or the provincial center)
approves or rejects through the engine."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import role_required
from evalorg.core.actions import run_transition
from evalorg.core.files import UploadRefused, file_response
from evalorg.core.workflow import TransitionRefused, available_actions

from .forms import IdentityChangeForm
from .identity import CHANGES, changes_for, request_change, rows
from .models import IdentityChange, Institution
from .views import applicant_required

PAGE_SIZE = 50
STAFF_ONLY = _lazy("仅地市评价指导机构和省职业技能服务指导中心可以审核登记信息变更（N-5.2）。")


@applicant_required
@require_http_methods(["GET", "POST"])
def identity_change_new(request: HttpRequest, institution: Institution) -> HttpResponse:
    form = IdentityChangeForm(request.POST or None, request.FILES or None, institution=institution)
    if request.method == "POST" and form.is_valid():
        try:
            request_change(
                institution,
                request.user,
                after=form.identity(),
                explanation=form.cleaned_data["explanation"],
                evidence=form.cleaned_data["evidence"],
            )
        except UploadRefused as refused:
            form.add_error("evidence", refused.message)
        except TransitionRefused as refused:
            for refusal in refused.refusals:
                form.add_error(None, refusal.shown)
        else:
            messages.success(request, _("登记信息变更申请已提交，审核结果将通知贵机构。"))
            return redirect("institutions:profile")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "institution": institution}
    return render(request, "institutions/identity_change_new.html", context, status=status)


@role_required(Role.REVIEWING_STAFF, message=STAFF_ONLY)
@require_GET
def identity_changes(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", IdentityChange.Status.PENDING)
    changes = changes_for(request.user).only(
        "status",
        "before",
        "requested_at",
        "decided_at",
        "institution__name",
        "institution__uscc",
        "institution__city__name",
    )
    if status in IdentityChange.Status.values:
        changes = changes.filter(status=status)
    context = {
        "page": Paginator(changes, PAGE_SIZE).get_page(request.GET.get("page")),
        "status": status,
        "statuses": IdentityChange.Status.choices,
    }
    return render(request, "institutions/identity_changes.html", context)


def _change_for(request: HttpRequest, pk: int) -> IdentityChange:
    return get_object_or_404(changes_for(request.user).select_related("evidence"), pk=pk)


@role_required(Role.REVIEWING_STAFF, message=STAFF_ONLY)
@require_http_methods(["GET", "POST"])
def identity_change(request: HttpRequest, pk: int) -> HttpResponse:
    change = _change_for(request, pk)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in CHANGES.table:
            raise Http404
        return run_transition(
            request,
            change,
            action,
            back=reverse("institutions:identity_change", args=[change.pk]),
            data={"reason": request.POST.get("reason", "").strip()},
        )
    context = {
        "change": change,
        "rows": rows(change),
        "actions": available_actions(change, request.user),
    }
    return render(request, "institutions/identity_change.html", context)


@role_required(Role.REVIEWING_STAFF, message=STAFF_ONLY)
@require_GET
def identity_change_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    return file_response(_change_for(request, pk).evidence)
