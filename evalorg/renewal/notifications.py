"""Who the parties of a filing's validity and of a renewal are: the organization
(``APPLICANT``: its active accounts and contact address) and its local agency
(``RECEIVING_AGENCY``: ``registry.local_agency`` for a letter, the renewal's agency)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.urls import reverse

from evalorg.core.workflow import Party, Recipients, register_description, register_party
from evalorg.filing.models import FilingLetter
from evalorg.filing.registry import agency_recipients, local_agency

from .models import Renewal


def _organization(institution: Any) -> Recipients:
    users = list(
        get_user_model().objects.filter(membership__institution_id=institution.pk, is_active=True)
    )
    emails = [institution.contact_email, *(u.email for u in users)]
    return Recipients(users=users, emails=emails, url=reverse("renewal:list"))


def letter_organization(letter: FilingLetter) -> Recipients:
    return _organization(letter.application.institution)


def letter_agency(letter: FilingLetter) -> Recipients:
    agency = local_agency(letter.application.institution_id)
    if agency is None:
        return Recipients()
    return agency_recipients(agency, reverse("renewal:list"), emails=False)


def describe_letter(letter: FilingLetter) -> dict[str, Any]:
    return {
        "institution": letter.application.institution.name,
        "letter_no": letter.number,
        "until": f"{letter.valid_until:%Y年%m月%d日}",
    }


def renewal_url(renewal: Renewal) -> str:
    return reverse("renewal:detail", args=[renewal.pk])


def renewal_organization(renewal: Renewal) -> Recipients:
    found = _organization(renewal.institution)
    return Recipients(users=found.users, emails=found.emails, url=renewal_url(renewal))


def renewal_agency(renewal: Renewal) -> Recipients:
    return agency_recipients(renewal.agency, renewal_url(renewal))


def describe_renewal(renewal: Renewal) -> dict[str, Any]:
    return {
        "institution": renewal.institution.name,
        "until": f"{renewal.previous_valid_until:%Y年%m月%d日}",
        "new_until": f"{renewal.new_valid_until:%Y年%m月%d日}" if renewal.new_valid_until else "",
    }


def register_renewal_parties() -> None:
    register_party(FilingLetter, Party.APPLICANT, letter_organization)
    register_party(FilingLetter, Party.RECEIVING_AGENCY, letter_agency)
    register_description(FilingLetter, describe_letter)
    register_party(Renewal, Party.APPLICANT, renewal_organization)
    register_party(Renewal, Party.RECEIVING_AGENCY, renewal_agency)
    register_description(Renewal, describe_renewal)
