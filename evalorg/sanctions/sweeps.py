"""The ``sanction_end`` sweep: a suspension whose end date has passed is restored by the
system actor through the engine (``end_suspension``), the organization told (N-5.2)."""

from __future__ import annotations

from evalorg.accounts.system import system_actor
from evalorg.core import clock
from evalorg.core.workflow import perform

from .models import Sanction


def end_suspensions() -> str:
    due = Sanction.objects.filter(
        status=Sanction.Status.EFFECTIVE,
        kind=Sanction.Kind.SUSPENSION,
        ends_on__lt=clock.today(),
    ).order_by("pk")
    actor = system_actor()
    ended = [perform(s, "end_suspension", actor) for s in due]
    return f"{len(ended)} suspension(s) ended"
