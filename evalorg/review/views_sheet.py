"""Staff view and print one expert's scoresheet (issue #10): the panel's own agency only;
each read is audited (it shows an expert's judgement of an institution)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from evalorg.core import audit

from .forms import ScoresheetForm, initial_for, points_label
from .models import Scoresheet
from .scoring import sheet_total
from .services import template_for
from .views_expert import _groups
from .views_panels import _own_panel


@login_required
def staff_sheet(request: HttpRequest, pk: int, sheet_pk: int) -> HttpResponse:
    panel = _own_panel(request, pk)
    sheet = get_object_or_404(
        Scoresheet.objects.select_related("application__institution", "expert", "panel__round"),
        pk=sheet_pk,
        panel=panel,
    )
    items = template_for(panel.round, panel.stage)
    form = ScoresheetForm(
        initial=initial_for(sheet.scores, sheet.comments, sheet.opinion, sheet.version),
        items=items,
    )
    audit.record(
        "scoresheet_viewed",
        sheet.application,
        actor=request.user,
        data={"scoresheet": sheet.pk, "expert": sheet.expert_id},
        audience=audit.Audience.INTERNAL,
    )
    return render(
        request,
        "review/panels/sheet.html",
        {
            "panel": panel,
            "sheet": sheet,
            "application": sheet.application,
            "groups": _groups(form, items, sheet),
            "total": points_label(sheet_total(sheet.scores, items)),
            "max_total": points_label(sum((i.max_points for i in items), Decimal(0))),
            "reopen_reason": reopen_reason(sheet),
        },
    )


def reopen_reason(sheet: Scoresheet | None) -> dict | None:
    """The latest reason staff gave for sending this sheet back (time, reason), if any."""
    if sheet is None:
        return None
    from evalorg.core.models import AuditEvent

    event = (
        AuditEvent.objects.for_object(sheet)
        .filter(action="reopen_scoresheet")
        .order_by("-id")
        .first()
    )
    if event is None:
        return None
    return {"at": event.created_at, "reason": event.data.get("reason", "")}
