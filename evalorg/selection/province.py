"""The provincial center's receiving side (SPEC §6.3, N-4.1.2/N-4.1.3).

Cases a city sent (``send_to_province``) enter the center's scope through their provincial
selection record; the center sees them in its inbox with the city's score, rank and decision,
read-only, and a per-city overview of the round. Each stage's record shows on the case page in
its own section.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Max, Q, QuerySet

from evalorg.accounts.models import Agency
from evalorg.applications.models import Application, State
from evalorg.core import clock
from evalorg.review.models import (
    FIRST_INSTANCE_STAGES,
    DeadlineExtension,
    ReviewStage,
    Stage,
)
from evalorg.review.services import (
    SENT_STATES,
)
from evalorg.review.transitions import HOLDS_QUOTA
from evalorg.rounds.models import Round

VERIFIED_OR_LATER = (
    frozenset({State.VERIFIED, State.CITY_ASSESSED, State.RECOMMENDED, State.NOT_RECOMMENDED})
    | SENT_STATES
)


def province_scope(qs: QuerySet, user) -> QuerySet:
    """The center also sees every case a city sent it (its provincial selection record).

    ``pk IN (…)`` rather than a correlated ``EXISTS``: OR-ed with the agency's own cases, the
    database then reads both halves from indexes (``review_stage_app_idx`` and the agency's)
    instead of scanning every application (issue 12, EXPLAIN QUERY PLAN)."""
    sent = ReviewStage.objects.filter(stage=Stage.PROVINCE_SELECTION)
    return qs.filter(pk__in=sent.values("application_id"))


# ---- per-city overview ------------------------------------------------------------------------


@dataclass
class CityRow:
    agency: Agency
    received: int = 0
    verified: int = 0
    recommended: int = 0
    sent: int = 0
    last_sent_at: datetime | None = None
    deadline: date | None = None
    quota: int | None = None

    @property
    def deadline_met(self) -> bool | None:
        """True: sent in time; False: sent late or nothing sent after the deadline; None:
        nothing sent yet and the deadline has not passed."""
        if self.deadline is None:
            return None
        if self.last_sent_at is not None:
            return self.last_sent_at <= clock.deadline_end(self.deadline)
        if clock.is_past(self.deadline) and self.recommended:
            return False
        return None


def city_overview(round_: Round) -> list[CityRow]:
    """One row per receiving agency, in four queries whatever the number of cases."""
    agencies = Agency.objects.filter(kind__in=[Agency.Kind.CITY, Agency.Kind.PROVINCE])
    rows = {a.pk: CityRow(a, quota=round_.recommendation_quota) for a in agencies}
    counts = (
        Application.objects.filter(round=round_)
        .exclude(state__in=[State.DRAFT, State.WITHDRAWN])  # a withdrawn case is not 受理
        .values("receiving_agency")
        .annotate(
            received=Count("pk"),
            verified=Count("pk", filter=Q(state__in=VERIFIED_OR_LATER)),
        )
    )
    for c in counts:
        if c["receiving_agency"] in rows:
            rows[c["receiving_agency"]].received = c["received"]
            rows[c["receiving_agency"]].verified = c["verified"]
    decisions = (
        ReviewStage.objects.filter(stage__in=FIRST_INSTANCE_STAGES, application__round=round_)
        .values("agency")
        .annotate(
            recommended=Count("pk", filter=Q(recommended=True, application__state__in=HOLDS_QUOTA)),
            sent=Count("pk", filter=Q(sent_at__isnull=False)),
            last_sent_at=Max("sent_at"),
        )
    )
    for d in decisions:
        if d["agency"] in rows:
            row = rows[d["agency"]]
            row.recommended, row.sent, row.last_sent_at = (
                d["recommended"],
                d["sent"],
                d["last_sent_at"],
            )
    extended = (
        DeadlineExtension.objects.filter(round=round_).values("agency").annotate(until=Max("until"))
    )
    extensions = {e["agency"]: e["until"] for e in extended}
    for row in rows.values():
        until = extensions.get(row.agency.pk)
        deadline = round_.city_assessment_deadline
        row.deadline = max(deadline, until) if until else deadline
    return sorted(rows.values(), key=lambda r: (r.agency.kind != Agency.Kind.CITY, r.agency.code))
