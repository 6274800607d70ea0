"""Who the parties of an annual report are (N-5.2): the organization (``APPLICANT``) and its
local agency (``RECEIVING_AGENCY``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.urls import reverse

from evalorg.core.workflow import Party, Recipients, register_description, register_party

from .models import AnnualReport


def report_url(report: AnnualReport) -> str:
    return reverse("annual:report", args=[report.pk])


def organization(report: AnnualReport) -> Recipients:
    users = list(
        get_user_model().objects.filter(
            membership__institution_id=report.institution_id, is_active=True
        )
    )
    emails = [report.institution.contact_email, *(u.email for u in users)]
    return Recipients(users=users, emails=emails, url=report_url(report))


def local_agency(report: AnnualReport) -> Recipients:
    users = list(get_user_model().objects.filter(agency_id=report.agency_id, is_active=True))
    return Recipients(
        users=users, emails=[report.agency.email, *(u.email for u in users)], url=report_url(report)
    )


def describe(report: AnnualReport) -> dict[str, Any]:
    return {
        "institution": report.institution.name,
        "agency": report.agency.name,
        "year": report.year,
    }


def register_report_parties() -> None:
    register_party(AnnualReport, Party.APPLICANT, organization)
    register_party(AnnualReport, Party.RECEIVING_AGENCY, local_agency)
    register_description(AnnualReport, describe)
