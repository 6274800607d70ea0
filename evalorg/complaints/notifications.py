"""Who the parties of a complaint are: the complainant (``OBJECTOR``: e-mail only, the public
has no account), the organization complained about (``APPLICANT``: its accounts and contact
address) and the local agency (``RECEIVING_AGENCY``). What messages may say of a complaint
never names the complainant except to the complainant (``name`` is used by that template
alone)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.urls import reverse

from evalorg.core.workflow import Party, Recipients, register_description, register_party
from evalorg.filing.registry import agency_recipients

from .models import Complaint


def complainant(complaint: Complaint) -> Recipients:
    email = complaint.complainant_email
    return Recipients(emails=[email] if email else [])


def organization(complaint: Complaint) -> Recipients:
    users = list(
        get_user_model().objects.filter(
            membership__institution_id=complaint.institution_id, is_active=True
        )
    )
    emails = [complaint.institution.contact_email, *(u.email for u in users)]
    return Recipients(users=users, emails=emails, url=reverse("home"))


def local_agency(complaint: Complaint) -> Recipients:
    """The local agency the complaint was routed to (``registry.local_agency`` when filed)."""
    url = reverse("complaints:detail", args=[complaint.pk])
    return agency_recipients(complaint.agency, url, emails=False)


def describe(complaint: Complaint) -> dict[str, Any]:
    return {
        "no": complaint.number,
        "institution": complaint.institution.name,
        "agency": complaint.agency.name,
        "at": f"{complaint.created_at:%Y年%m月%d日}",
        "outcome": complaint.outcome,
    }


def register_complaint_parties() -> None:
    register_party(Complaint, Party.OBJECTOR, complainant)
    register_party(Complaint, Party.APPLICANT, organization)
    register_party(Complaint, Party.RECEIVING_AGENCY, local_agency)
    register_description(Complaint, describe)
