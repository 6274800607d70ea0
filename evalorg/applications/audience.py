"""Who the parties of a case and of its occupation lines are, and what messages say of them.

The engine (``evalorg.core.workflow``) tells the parties each transition declares (``Tell``);
this module registers, for the case and its lines, how each party resolves to accounts and
e-mail addresses (``register_party``) and the template values of a case or a line
(``register_description``). Later stages reuse ``case_parties`` for their own records of a case
(a defense slot, a scoresheet's staff). No expert is ever a party of an applicant's message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.urls import reverse

from evalorg.accounts.models import Agency, Role
from evalorg.core.workflow import Party, Recipients, register_description, register_party

from .models import Application, ApplicationOccupation
from .submission import agency_users, applicant_emails, applicant_users

Resolver = Callable[[Any], Recipients]


def case_url(application: Application) -> str:
    return reverse("applications:detail", args=[application.pk])


def applicant(application: Application, url: str = "") -> Recipients:
    """The institution's active accounts (in-app) and its contact and accounts' addresses."""
    return Recipients(
        users=list(applicant_users(application)),
        emails=applicant_emails(application),
        url=url or case_url(application),
    )


def receiving_agency(application: Application, url: str = "") -> Recipients:
    """The staff of the agency that received the case, and the agency's address."""
    if application.receiving_agency_id is None:
        return Recipients()
    users = list(agency_users(application))
    agency = application.receiving_agency
    return Recipients(
        users=users,
        emails=[agency.email, *(u.email for u in users)],  # type: ignore[union-attr]
        url=url or case_url(application),
    )


def staff_of(kind: str, role: str) -> list[Any]:
    return list(
        get_user_model().objects.filter(agency__kind=kind, role=role, is_active=True).order_by("pk")
    )


def province(url: str = "") -> Recipients:
    """The provincial center's staff."""
    users = staff_of(Agency.Kind.PROVINCE, Role.PROVINCE_STAFF)
    return Recipients(users=users, emails=[u.email for u in users], url=url)


def department(url: str = "") -> Recipients:
    users = staff_of(Agency.Kind.DEPARTMENT, Role.DEPARTMENT)
    return Recipients(users=users, emails=[u.email for u in users], url=url)


def case_parties(
    model: type[models.Model],
    case_of: Callable[[Any], Application],
    url: Callable[[Any, Party], str] | None = None,
) -> None:
    """Register the case's parties for ``model``'s objects (``case_of(obj)`` their case;
    ``url(obj, party)`` the page a party's message links to, the case page by default)."""

    def link(obj: Any, party: Party) -> str:
        return url(obj, party) if url else case_url(case_of(obj))

    register_party(
        model, Party.APPLICANT, lambda o: applicant(case_of(o), link(o, Party.APPLICANT))
    )
    register_party(
        model,
        Party.RECEIVING_AGENCY,
        lambda o: receiving_agency(case_of(o), link(o, Party.RECEIVING_AGENCY)),
    )
    register_party(model, Party.PROVINCE, lambda o: province(link(o, Party.PROVINCE)))
    register_party(model, Party.DEPARTMENT, lambda o: department(link(o, Party.DEPARTMENT)))


def describe_case(application: Application) -> dict[str, Any]:
    agency = application.receiving_agency
    return {
        "institution": application.institution.name,
        # A case made outside the wizard (fixtures, imports) has no number: no "None" in subjects.
        "no": application.acknowledgement_no or "—",
        "agency": agency.name if agency else "",
        "kind": application.get_kind_display(),
    }


def describe_line(line: ApplicationOccupation) -> dict[str, Any]:
    """A line's messages name its occupation and level (issue 19: "naming the occupation")."""
    return describe_case(line.application) | {
        "occupation": line.occupation.name,
        "level": line.get_level_display(),
        "line": str(line),
    }


def line_url(line: ApplicationOccupation, party: Party) -> str:
    if party == Party.PROVINCE:
        return reverse("cultivation:line_review", args=[line.pk])
    if party == Party.APPLICANT:
        return reverse("cultivation:line", args=[line.pk])
    return case_url(line.application)


def register_audiences() -> None:
    case_parties(Application, lambda application: application)
    register_description(Application, describe_case)
    case_parties(ApplicationOccupation, lambda line: line.application, line_url)
    register_description(ApplicationOccupation, describe_line)
