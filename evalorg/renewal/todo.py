"""The to-do sources of validity and renewal (N-5.2): the local agency urges an organization
whose filing ends within 90 days without a renewal waiting, and accepts or returns submitted
renewals; the organization resubmits a returned one."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from evalorg.core import clock
from evalorg.core.todo import Source, Stage, by_queryset
from evalorg.filing.models import FilingLetter
from evalorg.filing.registry import local_agency_id

from .models import Renewal
from .renewals import renewals_for, with_rows
from .validity import REMINDER_DAYS, pending_renewal, roots


def expiring_letters(agency_id: int | None) -> QuerySet[FilingLetter]:
    """The first letters of the agency's organizations whose validity ends within 90 days and
    for which no renewal waits (one query)."""
    today = clock.today()
    return (
        roots()
        .annotate(local=local_agency_id(OuterRef("application__institution_id")))
        .filter(
            local=agency_id,
            validity_status=FilingLetter.Validity.VALID,
            valid_until__gte=today,
            valid_until__lte=today + timedelta(days=max(REMINDER_DAYS)),
        )
        .exclude(Exists(pending_renewal()))
        .select_related("application__institution")
        .order_by("valid_until", "pk")
    )


def letter_scope(user: Any) -> QuerySet[FilingLetter]:
    if getattr(user, "agency_id", None) is None:
        return FilingLetter.objects.none()
    return expiring_letters(user.agency_id)


def letter_title(letter: FilingLetter) -> str:
    return _("%(institution)s · %(no)s（有效期至 %(until)s）") % {
        "institution": letter.application.institution.name,
        "no": letter.number,
        "until": f"{letter.valid_until:%Y-%m-%d}",
    }


LETTER_SOURCE = Source(
    model=FilingLetter,
    scope=letter_scope,
    link=lambda letter, transition: reverse("renewal:list"),
    stage=Stage.SUPERVISION,
    deadline=lambda letter: letter.valid_until,
    title=letter_title,
    # The scope is already the agency's organizations within 90 days without a renewal.
    narrow={"urge_renewal": by_queryset(lambda qs, user: qs)},
)


def renewal_deadline(renewal: Renewal) -> date | None:
    return renewal.previous_valid_until


RENEWAL_SOURCE = Source(
    model=Renewal,
    scope=lambda user: with_rows(renewals_for(user)),
    link=lambda renewal, transition: reverse("renewal:detail", args=[renewal.pk]),
    stage=Stage.SUPERVISION,
    deadline=renewal_deadline,
    title=lambda renewal: f"{renewal.institution.name} · {renewal}",
)
