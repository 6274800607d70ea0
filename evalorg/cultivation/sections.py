"""The case page's cultivation section: the countdown (days left, the last day), the commitment
letter (sign / signed) and whether the institution's staff attended exam-administration
training. Shown to whoever may see the case (the applicant and the staff)."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role
from evalorg.applications import access
from evalorg.applications.models import ApplicationOccupation, State
from evalorg.core import clock

from .deadlines import days_left
from .models import CommitmentLetter, CultivationPeriod, TrainingAttendance

Line = ApplicationOccupation.Status


def _line_links(request: HttpRequest, application, signed: bool) -> list[tuple[object, str]]:
    """Each started line with its question-bank page: the applicant's (once the letter is
    signed) or the province staff's review page; nobody else gets a link."""
    user = request.user
    if access.is_own(application, user):
        if not signed:
            return []
        name = "cultivation:line"
    elif has_role(user, Role.PROVINCE_STAFF):
        name = "cultivation:line_review"
    else:
        return []
    lines = application.occupations.exclude(
        status__in=[Line.REQUESTED, Line.EXCLUDED]
    ).select_related("occupation")
    return [(line, reverse(name, args=[line.pk])) for line in lines]


def cultivation_section(request: HttpRequest, application) -> str:
    period = CultivationPeriod.objects.filter(application=application).first()
    if period is None:
        return ""
    left = days_left(period, clock.today())
    letter = CommitmentLetter.objects.filter(application=application).first()
    attendances = list(
        TrainingAttendance.objects.filter(institution_id=application.institution_id)
        .select_related("session__organiser")
        .order_by("session__held_on", "pk")
    )
    context = {
        "application": application,
        "period": period,
        "days_left": left,
        "running": application.state == State.CULTIVATING and left >= 0,
        "letter": letter,
        "can_sign": letter is None
        and application.state == State.CULTIVATING
        and access.is_own(application, request.user),
        "attendances": attendances,
        "attended": any(a.attended for a in attendances),
        "lines": _line_links(request, application, letter is not None),
    }
    return render_to_string("cultivation/_case_section.html", context, request=request)
