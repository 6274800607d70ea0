"""The provincial center's receiving side (SPEC §6.3, N-4.1.2/N-4.1.3).

Cases a city sent (``send_to_province``) enter the center's scope through their provincial
selection record; the center sees them in its inbox with the city's score, rank and decision,
read-only, and a per-city overview of the round. Each stage's record shows on the case page in
its own section.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.models import Agency, Role
from evalorg.accounts.permissions import role_required
from evalorg.applications.models import Application, State
from evalorg.core import clock
from evalorg.rounds.models import Round

from .conflicts import ConflictIndex
from .models import FIRST_INSTANCE_STAGES, DeadlineExtension, ReviewStage, Scoresheet, Stage
from .scoring import Aggregate, aggregate
from .services import (
    SENT_STATES,
    absent_from_defense,
    counted_scores,
    pick_round,
    stage_now,
    template_for,
)
from .transitions import HOLDS_QUOTA

VERIFIED_OR_LATER = (
    frozenset({State.VERIFIED, State.CITY_ASSESSED, State.RECOMMENDED, State.NOT_RECOMMENDED})
    | SENT_STATES
)

# The refusal of the role check, said once for the decorator and the helper.
OVERVIEW_ONLY = _lazy("仅省职业技能服务指导中心可以查看各地市报送情况。")


def province_scope(qs: QuerySet, user) -> QuerySet:
    """The center also sees every case a city sent it (its provincial selection record).

    ``pk IN (…)`` rather than a correlated ``EXISTS``: OR-ed with the agency's own cases, the
    database then reads both halves from indexes (``review_stage_app_idx`` and the agency's)
    instead of scanning every application (issue 12, EXPLAIN QUERY PLAN)."""
    sent = ReviewStage.objects.filter(stage=Stage.PROVINCE_SELECTION)
    return qs.filter(pk__in=sent.values("application_id"))


def with_city_results(qs: QuerySet) -> QuerySet:
    """Annotate the first-instance score, rank and decision (one query for the whole page)."""
    first = ReviewStage.objects.filter(
        application=OuterRef("pk"), stage__in=FIRST_INSTANCE_STAGES
    ).order_by("opened_at")
    return qs.annotate(
        city_total=Subquery(first.values("total")[:1]),
        city_rank=Subquery(first.values("rank")[:1]),
        city_recommended=Subquery(first.values("recommended")[:1]),
        city_sent_at=Subquery(first.values("sent_at")[:1]),
    )


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
        .exclude(state=State.DRAFT)
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


@role_required(Role.PROVINCE_STAFF, message=OVERVIEW_ONLY)
def overview(request: HttpRequest) -> HttpResponse:
    rounds = list(Round.objects.filter(applications__isnull=False).distinct().order_by("-pk"))
    round_ = pick_round(rounds, request.GET.get("round"))
    rows = city_overview(round_) if round_ else []
    totals = {
        name: sum(getattr(r, name) for r in rows)
        for name in ("received", "verified", "recommended", "sent")
    }
    return render(
        request,
        "review/province/overview.html",
        {"rounds": rounds, "round": round_, "rows": rows, "totals": totals},
    )


# ---- the case page: one section per stage -----------------------------------------------------


@dataclass
class StageSection:
    record: ReviewStage
    aggregate: Aggregate | None
    checks_total: int
    checks_passed: int
    is_current: bool


def stage_sections(application: Application) -> list[StageSection]:
    """Each stage's record of the case, earliest first; only the current one is editable."""
    records = list(
        application.review_stages.select_related("agency", "decided_by").prefetch_related(
            "verification_checks"
        )
    )
    if not records:
        return []
    sheets = list(
        Scoresheet.objects.filter(
            application=application, status=Scoresheet.Status.SUBMITTED
        ).select_related("panel")
    )
    index = ConflictIndex.for_applications([application], experts={s.expert_id for s in sheets})
    by_stage: dict[str, list] = {}
    for sheet in sheets:
        if not index.is_conflicted(sheet.panel_id, sheet.expert_id, application):
            by_stage.setdefault(sheet.panel.stage, []).append(sheet)
    current = stage_now(application) if application.receiving_agency_id else None
    round_ = application.round
    sections = []
    for record in records:
        stage_sheets = by_stage.get(record.stage, [])
        checks = list(record.verification_checks.all())
        result = None
        if stage_sheets:
            items = template_for(round_, record.stage)
            absent = record.stage == Stage.PROVINCE_SELECTION and application.pk in (
                absent_from_defense(round_)
            )
            scores = counted_scores(round_, record.stage, items, stage_sheets, absent)
            result = aggregate(scores, items, round_.aggregation, round_.dispersion_threshold)
        sections.append(
            StageSection(
                record=record,
                aggregate=result,
                checks_total=len(checks),
                checks_passed=sum(1 for c in checks if c.passed),
                is_current=record.stage == current,
            )
        )
    return sections
