"""Renewals: who sees which, when an organization may apply, applying (reusing its profile),
the new validity and its activity record (N-5.2). The workflow is in ``transitions.py``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role
from evalorg.applications.eligibility import standing_refusal
from evalorg.core import audit, clock
from evalorg.core.audit import Audience
from evalorg.core.workflow import Channel, Party, Refusal, Tell, TransitionRefused, announce
from evalorg.filing.models import FilingLetter
from evalorg.filing.registry import local_agency
from evalorg.filing.services import DEFAULT_VALID_YEARS, add_years
from evalorg.institutions.models import Institution, institution_of

from .models import Renewal
from .validity import CLAUSE, WINDOW_DAYS, root_of

S = Renewal.Status
OPEN = (S.SUBMITTED, S.RETURNED)
SUBMITTED_TELL = Tell(
    Party.RECEIVING_AGENCY,
    _lazy("备案延续申请待受理：%(institution)s"),
    _lazy("%(institution)s申请备案延续（有效期至 %(until)s），请审核后同意延续或退回（N-5.2）。"),
    channel=Channel.IN_APP,
)


# ---- who sees which renewals ------------------------------------------------------------------


def with_rows(qs: QuerySet[Renewal]) -> QuerySet[Renewal]:
    """What a list row shows, in one query."""
    return qs.select_related("institution__city", "agency", "letter")


def renewals_for(user: Any) -> QuerySet[Renewal]:
    """The organization's own; the local agency's; the department reads all; nobody else."""
    if not user.is_authenticated:
        return Renewal.objects.none()
    if has_role(user, Role.APPLICANT):
        institution = institution_of(user)
        if institution is None:
            return Renewal.objects.none()
        return Renewal.objects.filter(institution=institution)
    if has_role(user, Role.DEPARTMENT):
        return Renewal.objects.all()
    if has_role(user, Role.REVIEWING_STAFF) and user.agency_id is not None:
        return Renewal.objects.filter(agency_id=user.agency_id)
    return Renewal.objects.none()


def get_for_user(user: Any, pk: int) -> Renewal:
    renewal = with_rows(renewals_for(user)).filter(pk=pk).first()
    if renewal is None:
        raise Http404
    return renewal


# ---- when one may apply -----------------------------------------------------------------------


def window_refusals(letter: FilingLetter | None) -> list[Refusal]:
    """Why the filing cannot be renewed today: not filed, outside the 180 days before its end."""
    if letter is None:
        return [Refusal(CLAUSE, _("本机构尚未备案，不能申请延续。"))]
    today = clock.today()
    opens = letter.valid_until - timedelta(days=WINDOW_DAYS)
    if today > letter.valid_until:
        return [
            Refusal(
                CLAUSE,
                _("备案有效期已于 %(day)s 届满，不能再申请延续。")
                % {"day": f"{letter.valid_until:%Y年%m月%d日}"},
            )
        ]
    if today < opens:
        return [
            Refusal(
                CLAUSE,
                _("延续申请自有效期届满前 %(n)d 天（%(day)s）起受理。")
                % {"n": WINDOW_DAYS, "day": f"{opens:%Y年%m月%d日}"},
            )
        ]
    return []


def apply_refusals(institution: Institution, letter: FilingLetter | None) -> list[Refusal]:
    refusals = window_refusals(letter)
    if Renewal.objects.filter(institution=institution, status__in=OPEN).exists():
        refusals.append(Refusal(CLAUSE, _("本机构已有未办结的延续申请。")))
    if sanctioned := standing_refusal(institution.pk):
        refusals.append(Refusal(CLAUSE, sanctioned))
    return refusals


def new_validity(previous: date) -> date:
    """The filing period again, from the day after the previous last valid day."""
    return add_years(previous + timedelta(days=1), DEFAULT_VALID_YEARS)


# ---- applying ---------------------------------------------------------------------------------


@transaction.atomic
def create_renewal(user: Any, institution: Institution, statement: str) -> Renewal:
    """Apply for renewal (state submitted), audited, the local agency told; refused, nothing
    stored, outside the window, with one open already, or while suspended or revoked."""
    letter = root_of(institution.pk)
    refusals = apply_refusals(institution, letter)
    if not statement.strip():
        refusals.append(Refusal(CLAUSE, _("请填写延续说明。")))
    agency = local_agency(institution.pk)
    if refusals or letter is None or agency is None:
        raise TransitionRefused(refusals)
    renewal = Renewal.objects.create(
        institution=institution,
        letter=letter,
        agency=agency,
        statement=statement.strip(),
        previous_valid_until=letter.valid_until,
        created_by=user,
        created_at=clock.now(),
    )
    audit.record(
        "renewal_submitted",
        renewal,
        actor=user,
        to_state=renewal.status,
        data={"valid_until": letter.valid_until},
        audience=Audience.APPLICANT,
    )
    announce(renewal, SUBMITTED_TELL)
    return renewal


# ---- the activity record shown with a renewal -------------------------------------------------


@dataclass(frozen=True)
class Activity:
    plans: list[Any]
    inspections: list[Any]
    sanctions: list[Any]

    @property
    def candidates(self) -> int:
        return sum(p.candidates or 0 for p in self.plans)

    @property
    def certificates(self) -> int:
        return sum(p.certificates or 0 for p in self.plans)


def activity(institution_id: int) -> Activity:
    """The organization's record since filing: assessment plans (with results), inspections
    and sanctions that took effect (three queries)."""
    from evalorg.sanctions.models import Sanction
    from evalorg.supervision.models import AssessmentPlan, Inspection

    plans = (
        AssessmentPlan.objects.filter(institution_id=institution_id)
        .select_related("line__occupation")
        .order_by("-starts_on", "-pk")
    )
    inspections = (
        Inspection.objects.filter(institution_id=institution_id)
        .select_related("draw")
        .order_by("-pk")
    )
    sanctions = (
        Sanction.objects.filter(
            institution_id=institution_id,
            status__in=[Sanction.Status.EFFECTIVE, Sanction.Status.RESTORED],
        )
        .select_related("line__occupation")
        .order_by("-effective_on", "-pk")
    )
    return Activity(list(plans), list(inspections), list(sanctions))
