"""The case page's cultivation section: the countdown (``countdown.for_case``: days left, the
last day; the line pages read the same clock), the commitment letter (sign / signed), whether
the institution's staff attended exam-administration training, and each line's page with its
own clock. Shown to whoever may see the case (the applicant and the staff)."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role
from evalorg.applications import access
from evalorg.applications.models import ApplicationOccupation, State

from . import countdown
from .models import CommitmentLetter, CultivationPeriod, TrainingAttendance

Line = ApplicationOccupation.Status


def _line_links(
    request: HttpRequest, application, period: CultivationPeriod, lines: list, signed: bool
) -> list[tuple[object, str, countdown.Countdown]]:
    """Each started line with its question-bank page (the applicant's once the letter is
    signed, or the province staff's review page; nobody else gets a link) and its clock, the
    one its page shows."""
    user = request.user
    if access.is_own(application, user):
        if not signed:
            return []
        name = "cultivation:line"
    elif has_role(user, Role.PROVINCE_STAFF):
        name = "cultivation:line_review"
    else:
        return []
    started = [line for line in lines if line.status not in (Line.REQUESTED, Line.EXCLUDED)]
    return [
        (line, reverse(name, args=[line.pk]), countdown.for_line(period, line)) for line in started
    ]


def cultivation_section(request: HttpRequest, application) -> str:
    period = CultivationPeriod.objects.filter(application=application).first()
    if period is None:
        return ""
    lines = list(application.occupations.select_related("occupation"))
    for line in lines:
        line.application = application  # the line's clock reads its case's state
    letter = CommitmentLetter.objects.filter(application=application).first()
    attendances = list(
        TrainingAttendance.objects.filter(institution_id=application.institution_id)
        .select_related("session__organiser")
        .order_by("session__held_on", "pk")
    )
    context = {
        "application": application,
        "period": period,
        "countdown": countdown.for_case(period, application, lines),
        "letter": letter,
        "can_sign": letter is None
        and application.state == State.CULTIVATING
        and access.is_own(application, request.user),
        "attendances": attendances,
        "attended": any(a.attended for a in attendances),
        "lines": _line_links(request, application, period, lines, letter is not None),
    }
    return render_to_string("cultivation/_case_section.html", context, request=request)
