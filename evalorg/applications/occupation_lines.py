"""Occupation lines of an application: one row per occupation and level (SPEC §5, §6).

The wizard chooses an occupation and ticks levels; saving makes the application's lines for
that occupation exactly those levels. Lines are only written while the application is editable
(checked again under the row lock, so a concurrent submission cannot slip in between). A line's
``status`` is never assigned here: it changes only through the lines' workflow.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from evalorg.core import audit

from .access import EDITABLE_STATES
from .models import Application, ApplicationOccupation


def create_lines(application: Application, code: str, levels: Iterable[int]) -> None:
    """New lines for an occupation (demo data, tests, staff registration); no checks."""
    ApplicationOccupation.objects.bulk_create(
        ApplicationOccupation(application=application, occupation_id=code, level=level)
        for level in sorted(set(levels), reverse=True)
    )


def set_levels(application: Application, code: str, levels: Iterable[int], user) -> None:
    """Replace the lines for ``code`` with one per level in ``levels``; no levels removes it.

    Lines of levels kept stay as they are (with their status); lines of levels dropped are
    deleted; levels added get new lines. One transaction, an audit event for the levels added
    and one for those removed.
    """
    wanted = set(levels)
    with transaction.atomic():
        _lock_editable(application)
        lines = application.occupations.filter(occupation_id=code)
        existing = set(lines.values_list("level", flat=True))
        removed, added = sorted(existing - wanted, reverse=True), wanted - existing
        lines.filter(level__in=removed).delete()
        create_lines(application, code, added)
        if added:
            data = {"code": code, "levels": sorted(added, reverse=True)}
            audit.record("occupation_added", application, actor=user, data=data)
        if removed:
            data = {"code": code, "levels": removed}
            audit.record("occupation_removed", application, actor=user, data=data)


def remove_line(application: Application, line: ApplicationOccupation, user) -> None:
    """Drop one level of an occupation."""
    remaining = application.occupations.filter(occupation_id=line.occupation_id)
    levels = set(remaining.exclude(pk=line.pk).values_list("level", flat=True))
    set_levels(application, line.occupation_id, levels, user)


def _lock_editable(application: Application) -> None:
    state = Application.objects.select_for_update().values_list("state", flat=True)
    if state.get(pk=application.pk) not in EDITABLE_STATES:
        raise PermissionDenied(_("该申请当前不能修改。"))
