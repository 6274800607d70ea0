"""The to-do sources of publicity (issue 19): the center's notices and the objections filed
against them. A published notice is work once its period is over (its last day counts)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role
from evalorg.core import clock
from evalorg.core.todo import Source, Stage, by_queryset

from .models import Objection, PublicityNotice


def notice_scope(user: Any) -> QuerySet[PublicityNotice]:
    if not has_role(user, Role.PROVINCE_STAFF):
        return PublicityNotice.objects.none()
    return PublicityNotice.objects.all()


def objection_scope(user: Any) -> QuerySet[Objection]:
    if not has_role(user, Role.PROVINCE_STAFF):
        return Objection.objects.none()
    return Objection.objects.select_related("notice")


NOTICE_SOURCE = Source(
    model=PublicityNotice,
    scope=notice_scope,
    link=lambda notice, t: reverse("publicity:notice", args=[notice.pk]),
    stage=Stage.PUBLICITY,
    deadline=lambda notice: notice.ends_on,
    optional=frozenset({"discard"}),
    narrow={"end": by_queryset(lambda qs, user: qs.filter(ends_on__lt=clock.today()))},
)

OBJECTION_SOURCE = Source(
    model=Objection,
    scope=objection_scope,
    link=lambda objection, t: reverse("publicity:objection", args=[objection.pk]),
    stage=Stage.PUBLICITY,
    deadline=lambda objection: objection.notice.ends_on,
)
