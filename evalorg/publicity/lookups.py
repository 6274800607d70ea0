"""Queries shared by the transitions, the services and the pages."""

from __future__ import annotations

from evalorg.applications.models import Application

from .models import (
    OPEN_OBJECTION_STATES,
    PUBLIC_NOTICE_STATES,
    NoticeEntry,
    Objection,
    PublicityNotice,
)


def notice_of(application: Application) -> PublicityNotice | None:
    """The published notice the case is (or was last) on."""
    entry = (
        NoticeEntry.objects.filter(application=application, notice__status__in=PUBLIC_NOTICE_STATES)
        .select_related("notice")
        .order_by("-notice__published_at")
        .first()
    )
    return entry.notice if entry else None


def objections_against(application: Application, notice: PublicityNotice):
    return Objection.objects.filter(entry__application=application, notice=notice)


def open_objections(application: Application, notice: PublicityNotice):
    return objections_against(application, notice).filter(status__in=OPEN_OBJECTION_STATES)


def upheld_objections(application: Application, notice: PublicityNotice):
    return objections_against(application, notice).filter(status=Objection.Status.UPHELD)
