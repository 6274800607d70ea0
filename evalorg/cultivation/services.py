"""Starting a case's cultivation period; the next stage builds reminders and elimination on it."""

from __future__ import annotations

from datetime import date, timedelta

from evalorg.applications.models import Application, ApplicationOccupation
from evalorg.core.workflow import current_batch, perform

from .models import CultivationPeriod


def last_day_for(application: Application, starts_on: date) -> date:
    """Day N of an N-day period counted from ``starts_on`` (day 1), calendar days (N-4.2)."""
    return starts_on + timedelta(days=application.round.cultivation_days - 1)


def start_period(application: Application, starts_on: date) -> CultivationPeriod:
    """The case's period, created once: a second call returns the first period unchanged."""
    period, _created = CultivationPeriod.objects.get_or_create(
        application=application,
        defaults={
            "starts_on": starts_on,
            "last_day": last_day_for(application, starts_on),
            "started_by_batch": current_batch() or "",
        },
    )
    return period


def start_cultivation(application: Application, starts_on: date) -> CultivationPeriod:
    """Open the case's period and move its requested occupation lines to cultivating (excluded
    lines stay excluded). Called from ``after`` effects, once the case is ``cultivating``."""
    from evalorg.accounts.system import system_actor

    period = start_period(application, starts_on)
    system = system_actor()
    for line in application.occupations.filter(status=ApplicationOccupation.Status.REQUESTED):
        perform(line, "start_cultivation", system)
    return period
