"""Who the parties of a sanction are: the organization (``APPLICANT``), the drafting local
agency (``RECEIVING_AGENCY``), the center (``PROVINCE``) and the department (``DEPARTMENT``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext as _

from evalorg.applications.audience import department, province
from evalorg.core.workflow import Party, Recipients, register_description, register_party
from evalorg.filing.registry import agency_recipients

from .models import Sanction


def sanction_url(sanction: Sanction) -> str:
    return reverse("sanctions:detail", args=[sanction.pk])


def organization(sanction: Sanction) -> Recipients:
    users = list(
        get_user_model().objects.filter(
            membership__institution_id=sanction.institution_id, is_active=True
        )
    )
    emails = [sanction.institution.contact_email, *(u.email for u in users)]
    return Recipients(users=users, emails=emails, url=reverse("home"))


def local_agency(sanction: Sanction) -> Recipients:
    """The drafting local agency (``registry.local_agency`` when drafted)."""
    return agency_recipients(sanction.agency, sanction_url(sanction))


def describe(sanction: Sanction) -> dict[str, Any]:
    period = ""
    if sanction.kind == Sanction.Kind.SUSPENSION and sanction.starts_on and sanction.ends_on:
        period = _("暂停期限：%(start)s 至 %(end)s，期间不受理认定计划和新增职业申请。") % {
            "start": f"{sanction.starts_on:%Y年%m月%d日}",
            "end": f"{sanction.ends_on:%Y年%m月%d日}",
        }
    return {
        "institution": sanction.institution.name,
        "agency": sanction.agency.name,
        "sanction": str(sanction),
        "clause": sanction.clause,
        "facts": sanction.facts,
        "on": f"{sanction.effective_on:%Y年%m月%d日}" if sanction.effective_on else "",
        "until": f"{sanction.ends_on:%Y年%m月%d日}" if sanction.ends_on else "",
        "period": period,
    }


def register_sanction_parties() -> None:
    register_party(Sanction, Party.APPLICANT, organization)
    register_party(Sanction, Party.RECEIVING_AGENCY, local_agency)
    register_party(Sanction, Party.PROVINCE, lambda s: province(sanction_url(s)))
    register_party(Sanction, Party.DEPARTMENT, lambda s: department(sanction_url(s)))
    register_description(Sanction, describe)
