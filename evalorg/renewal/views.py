"""Renewal pages (N-5.2): the list (the organization's renewals and whether it may apply; the
local agency's renewals and its organizations whose filing ends within 90 days, with the urge
button), applying (the profile reused, the activity record shown), one renewal page whose
buttons come from ``available_actions``."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role, role_required
from evalorg.core.actions import run, run_transition
from evalorg.core.workflow import available_actions
from evalorg.filing.models import FilingLetter
from evalorg.institutions.models import institution_of

from .models import Renewal
from .renewals import (
    activity,
    apply_refusals,
    create_renewal,
    get_for_user,
    new_validity,
    renewals_for,
    with_rows,
)
from .todo import expiring_letters
from .transitions import URGE, letter_of_local_agency
from .validity import root_of

PAGE_SIZE = 50
ACTIONS = {"accept_renewal", "return_renewal", "resubmit_renewal"}


def _url(renewal: Renewal) -> str:
    return reverse("renewal:detail", args=[renewal.pk])


@role_required(Role.APPLICANT, Role.AGENCY_STAFF)
def renewal_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    rows = with_rows(renewals_for(user))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context: dict = {"page": page, "query": ""}
    if has_role(user, Role.APPLICANT) and (institution := institution_of(user)):
        letter = root_of(institution.pk)
        context["letter"] = letter
        context["may_apply"] = letter is not None and not apply_refusals(institution, letter)
    if has_role(user, Role.REVIEWING_STAFF):
        context["expiring"] = list(expiring_letters(user.agency_id))
        context["urge"] = URGE
    return render(request, "renewal/list.html", context)


@role_required(Role.APPLICANT)
def renewal_new(request: HttpRequest) -> HttpResponse:
    institution = institution_of(request.user)
    if institution is None:
        raise Http404
    letter = root_of(institution.pk)
    refusals = apply_refusals(institution, letter)
    if request.method == "POST" and not refusals:
        statement = request.POST.get("statement", "")[: Renewal.MAX_STATEMENT]
        return run(
            request,
            lambda: create_renewal(request.user, institution, statement),
            back=reverse("renewal:new"),
            success=_("延续申请已提交，等待属地监管机构审核。"),
            done_url=_url,
        )
    context = {
        "institution": institution,
        "letter": letter,
        "refusals": [r.shown for r in refusals],
        "new_until": new_validity(letter.valid_until) if letter else None,
        "activity": activity(institution.pk),
    }
    return render(request, "renewal/form.html", context)


@role_required(Role.APPLICANT, Role.AGENCY_STAFF)
def renewal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    renewal = get_for_user(request.user, pk)
    context = {
        "renewal": renewal,
        "actions": [a for a in available_actions(renewal, request.user) if a.action in ACTIONS],
        "activity": activity(renewal.institution_id),
        "staff": has_role(request.user, Role.AGENCY_STAFF),
    }
    return render(request, "renewal/detail.html", context)


@require_POST
@role_required(Role.APPLICANT, Role.REVIEWING_STAFF)
def renewal_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    renewal = get_for_user(request.user, pk)
    if action not in ACTIONS:
        raise Http404
    return run_transition(
        request,
        renewal,
        action,
        back=_url(renewal),
        data={"reason": request.POST.get("reason", "")},
    )


@require_POST
@role_required(Role.REVIEWING_STAFF)
def renewal_urge(request: HttpRequest, pk: int) -> HttpResponse:
    """The local agency urges an organization whose filing ends within 90 days."""
    letter = FilingLetter.objects.select_related("application").filter(pk=pk).first()
    if letter is None or not letter_of_local_agency(letter, request.user):
        raise Http404
    return run_transition(
        request,
        letter,
        "urge_renewal",
        back=reverse("renewal:list"),
        success=_("已督促该机构申请延续。"),
    )
