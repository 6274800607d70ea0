"""When an institution's identity is fixed (issue 21 item 1): while it has an application
submitted and still open, or a filed one, its name, legal form and registered address change
only through an approved identity change (``institutions.identity``). A draft has been sent to
nobody and fixes nothing."""

from __future__ import annotations

from evalorg.institutions.models import Institution

from .models import OPEN_STATES, Application, State


def has_open_or_filed_application(institution: Institution) -> bool:
    fixing = [s for s in OPEN_STATES if s != State.DRAFT] + [State.FILED]
    return Application.objects.filter(institution=institution, state__in=fixing).exists()
