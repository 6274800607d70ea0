"""The to-do source of sanctions (N-5.2): the local agency's drafts (issue a warning, submit
or withdraw), the center's reviews, the department's leadership approvals. Restoring early
is a decision nobody waits for (optional)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from evalorg.core.todo import Source, Stage, by_queryset
from evalorg.core.workflow import Transition

from .models import Sanction
from .sanctions import sanctions_for, with_rows


def scope(user: Any) -> QuerySet[Sanction]:
    return with_rows(sanctions_for(user)).exclude(
        status__in=[Sanction.Status.WITHDRAWN, Sanction.Status.RESTORED]
    )


def title(sanction: Sanction) -> str:
    return f"{sanction.institution.name} · {sanction}（{sanction.get_status_display()}）"


def link(sanction: Sanction, transition: Transition) -> str:
    return reverse("sanctions:detail", args=[sanction.pk])


SANCTION_SOURCE = Source(
    model=Sanction,
    scope=scope,
    link=link,
    stage=Stage.SUPERVISION,
    title=title,
    optional=frozenset({"restore_sanction", "withdraw_sanction"}),
    # The kind decides which way a draft goes (the guards refuse the other way); a narrow
    # stands in for the relation too (the drafting agency's own).
    narrow={
        "issue_warning": by_queryset(
            lambda qs, user: qs.filter(kind=Sanction.Kind.WARNING, agency_id=user.agency_id)
        ),
        "submit_sanction": by_queryset(
            lambda qs, user: qs.exclude(kind=Sanction.Kind.WARNING).filter(agency_id=user.agency_id)
        ),
    },
)
