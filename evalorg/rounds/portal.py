"""The front door (issue 10): ``/`` is a public portal for anonymous visitors and the role's
home page for everyone logged in.

The portal shows the round open now (or the latest) with its deadlines and a countdown, the
notice it comes from, how to apply, the material checklist, links to sign up and log in, the
public pages of later stages when they exist, and the contacts of the agencies."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from evalorg.accounts.models import Agency
from evalorg.accounts.views import home
from evalorg.core import clock

from .models import GOVERNING_NOTICE_ISSUER, Round

# Public pages that later stages add; shown once their URL exists.
PUBLIC_LINKS = [
    ("public:notices", "公示公告"),
    ("registry:list", "已备案社会培训评价组织名录"),
]


def current_round() -> Round | None:
    """The round accepting applications now, else the latest one published (never the
    reference copy of the 2023 notice when a real round exists)."""
    rounds = Round.objects.filter(published_on__lte=clock.today()).order_by(
        "is_reference", "-published_on", "-pk"
    )
    open_now = [r for r in rounds[:10] if r.is_accepting_applications()]
    return open_now[0] if open_now else rounds.first()


def _public_links() -> list[tuple[str, str]]:
    links = []
    for name, label in PUBLIC_LINKS:
        try:
            links.append((reverse(name), label))
        except NoReverseMatch:
            continue
    return links


def _agency_contacts() -> dict:
    """The receiving agencies with the contact columns that hold something (issue 22): an
    empty column is left out rather than shown as 22 blank cells; admins fill them in."""
    agencies = list(Agency.objects.exclude(kind=Agency.Kind.DEPARTMENT).select_related("division"))
    return {
        "agencies": agencies,
        "agency_phones": any(a.phone for a in agencies),
        "agency_emails": any(a.email for a in agencies),
    }


def portal(request: HttpRequest) -> HttpResponse:
    round_ = current_round()
    days_left = None
    if round_ is not None and round_.is_accepting_applications():
        days_left = (round_.application_deadline - clock.today()).days
    return render(
        request,
        "portal.html",
        {
            "round": round_,
            "days_left": days_left,
            "deadline_end": clock.deadline_end(round_.application_deadline) if round_ else None,
            "checklist": round_.checklist.all() if round_ else [],
            **_agency_contacts(),
            "public_links": _public_links(),
            "notice_issuer": GOVERNING_NOTICE_ISSUER,
        },
    )


def front_door(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return home(request)
    return portal(request)
