"""The provincial center's queue of question banks waiting for review (N-4.2, issue 19).

Every line whose bank was submitted and not yet passed or failed, whatever way its case came
into cultivation (publicity or the chain-leader fast track, N-4.1.4): the center finds them
from its navigation and its home page's to-do list instead of typing a line's address. Earliest
last day first, since a bank not reviewed by then is eliminated with its line (N-4.3).
"""

from __future__ import annotations

from django.db.models import QuerySet

from evalorg.applications.models import ApplicationOccupation

Line = ApplicationOccupation.Status


def _submitted() -> QuerySet[ApplicationOccupation]:
    return ApplicationOccupation.objects.filter(
        status=Line.BANK_SUBMITTED, application__cultivation_period__isnull=False
    )


def waiting_lines() -> QuerySet[ApplicationOccupation]:
    """Submitted banks of lines in cultivation, with what a row shows, in one query."""
    return (
        _submitted()
        .select_related(
            "occupation", "application__institution__city", "application__cultivation_period"
        )
        .order_by("application__cultivation_period__last_day", "application_id", "pk")
    )
