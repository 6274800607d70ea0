"""What happens when a case is submitted (an effect of the workflow), and who its institution's
and its receiving agency's accounts are. Who is told of a transition is its ``tell``
declaration (``applications.workflow``); ``tell_applicant`` serves what is no transition
(reminders, a defense slot offered)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse

from evalorg.core import clock
from evalorg.core.counters import locked_counter
from evalorg.notify.services import notify_users, queue_email

from .eligibility import Outcome
from .models import AcknowledgementCounter, Application
from .routing import receiving_agency


def acknowledgement_number(application: Application) -> str:
    """Round year + receiving agency's city code (4400 = provincial center) + sequence of at
    least four digits (``2023-4401-0001``, …, ``2023-4401-10000``), from the round and area's
    counter row: the lock is on that one row, so each city numbers on its own, in O(1)."""
    area = application.receiving_agency.division_id[:4]
    prefix = f"{application.round.year}-{area}-"
    counter = locked_counter(
        AcknowledgementCounter,
        # numbers issued before the counter existed are continued
        start=lambda: Application.objects.filter(acknowledgement_no__startswith=prefix).count(),
        round_id=application.round_id,
        area=area,
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{prefix}{counter.last:04d}"


def institution_snapshot(application: Application) -> dict:
    institution = application.institution
    return {
        "name": institution.name,
        "uscc": institution.uscc,
        "category": institution.category,
        "other_kind": institution.other_kind,
        "level": institution.level,
        "city": institution.city_id,
        "county": institution.county_id,
        "address": institution.address,
        "legal_rep_name": institution.legal_rep_name,
        "contact_name": institution.contact_name,
        "contact_phone": institution.contact_phone,
        "contact_email": institution.contact_email,
        "recommended_by_authority": institution.recommended_by_authority,
        "recommending_authority": institution.recommending_authority,
    }


def applicant_users(application: Application):
    return get_user_model().objects.filter(
        membership__institution_id=application.institution_id, is_active=True
    )


def agency_users(application: Application):
    return get_user_model().objects.filter(
        agency_id=application.receiving_agency_id, is_active=True
    )


def applicant_emails(application: Application) -> list[str]:
    emails = [application.institution.contact_email]
    emails += list(applicant_users(application).values_list("email", flat=True))
    return emails


def tell_applicant(application: Application, subject: str, body: str) -> None:
    """Tell the institution's users (in-app, linking the case) and its contacts (e-mail)."""
    url = reverse("applications:detail", args=[application.pk])
    notify_users(applicant_users(application), subject, body=body, url=url)
    queue_email(applicant_emails(application), subject, body)


def on_submitted(application: Application, actor, data: dict) -> None:
    application.receiving_agency = receiving_agency(application.institution, application.route)
    if not application.acknowledgement_no:
        application.acknowledgement_no = acknowledgement_number(application)
    application.submitted_at = clock.now()
    application.institution_snapshot = institution_snapshot(application)
    results = data.pop("_eligibility", [])
    application.eligibility = [r.as_dict() for r in results]
    application.needs_review = any(r.outcome == Outcome.NEEDS_REVIEW for r in results)
