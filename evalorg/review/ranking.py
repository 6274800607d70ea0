"""The stored ranking (issue 24): each case's aggregate is worked out once and kept on its stage
record, and a ranking is a query ordered by it.

A case's aggregate (``services.stage_aggregates``: its submitted sheets that count, the round's
method, the defense absence rule) changes when a sheet is submitted or reopened, a conflict is
declared, the case is marked absent or attended, scoring is confirmed complete, or a decision is
taken: each of these refreshes that one case (``refresh_case``, a constant number of queries).
What can change behind those (an expert's or an institution's details that the conflict rule
reads, a round's method) is caught by the ``ranking_scores`` sweep, which refreshes the rounds
still in review (``refresh_round``), as does ``manage.py refresh_rankings`` after bulk loads.

The order is N-4.1.3's: total, then 评价专业性, then the earlier submission, then the case id
so that equal cases keep one stable order across pages. Positions come from the database
(``ROW_NUMBER() OVER``), for the rows of one page only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.core.paginator import Page
from django.db import connections, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from evalorg.accounts.models import Agency
from evalorg.applications.models import Application, State
from evalorg.core import clock
from evalorg.core.paging import KeyPaginator
from evalorg.rounds.models import Round
from evalorg.rounds.simulated import swept

from .models import ConflictDeclaration, Panel, ReviewStage, Scoresheet
from .scoring import PROFESSIONALISM, Aggregate
from .services import PAGE_FIELDS, cases_at, review_of, stage_aggregates

RANK_ORDER = (
    F("score_total").desc(),
    F("score_professionalism").desc(),
    F("application__submitted_at").asc(),
    F("application_id").asc(),
)
SCORE_FIELDS = (
    "score_total",
    "score_professionalism",
    "score_industry",
    "score_authority",
    "score_count",
    "score_method",
    "score_spread",
    "scored_at",
)
NOT_RANKED = frozenset({State.DRAFT, State.WITHDRAWN})
# The states in which a case's sheets or absence may still change, or its decision is awaited:
# the sweep refreshes the rounds that have one.
OPEN_STATES = frozenset({State.VERIFIED, State.CITY_ASSESSED, State.PROVINCE_REVIEW})


def ranking(agency: Agency, round_: Round, stage: str) -> QuerySet[ReviewStage]:
    """Every ranked stage record of ``agency`` at ``stage`` of ``round_`` (unordered)."""
    return ReviewStage.objects.filter(
        agency=agency, stage=stage, application__round=round_, score_total__isnull=False
    ).exclude(application__state__in=NOT_RANKED)


def positions(ranked: QuerySet[ReviewStage], application_ids: Iterable[int]) -> dict[int, int]:
    """Application id -> 1-based position in ``ranked`` (the whole ranking, not a filtered
    part of it), for ``application_ids`` only: one query. The window runs over the whole
    ranking in an inner query; the outer one keeps the rows asked for (a filter on the same
    query would narrow the window)."""
    ids = [int(pk) for pk in application_ids]
    if not ids:
        return {}
    # No ORDER BY inside (the model's default ordering): the window orders what it numbers.
    numbered = (
        ranked.order_by()
        .annotate(position=Window(RowNumber(), order_by=RANK_ORDER))
        .values_list("application_id", "position")
    )
    sql, params = numbered.query.sql_with_params()
    marks = ", ".join(["%s"] * len(ids))
    outer = (
        f"SELECT application_id, position FROM ({sql}) numbered WHERE application_id IN ({marks})"
    )
    with connections[ranked.db].cursor() as cursor:
        cursor.execute(outer, (*params, *ids))
        return dict(cursor.fetchall())


def position_of(record: ReviewStage) -> int | None:
    """The case's place in its stage's ranking now (None: not ranked)."""
    if record.score_total is None:
        return None
    application = record.application
    ranked = ranking(record.agency, application.round, record.stage)
    return positions(ranked, [record.application_id]).get(record.application_id)


def _values(aggregate: Aggregate | None) -> dict[str, object]:
    if aggregate is None:
        return dict.fromkeys(SCORE_FIELDS[:-1], None) | {"score_method": ""}
    dimensions = aggregate.dimensions
    return {
        "score_total": aggregate.total,
        "score_professionalism": dimensions.get(PROFESSIONALISM, Decimal(0)),
        "score_industry": dimensions.get("industry_representativeness"),
        "score_authority": dimensions.get("sector_authority"),
        "score_count": aggregate.count,
        "score_method": aggregate.method,
        "score_spread": aggregate.spread,
    }


def _store(record: ReviewStage, aggregate: Aggregate | None) -> bool:
    """Set the record's score fields; whether anything changed."""
    values = _values(aggregate)
    changed = any(getattr(record, name) != value for name, value in values.items())
    for name, value in values.items():
        setattr(record, name, value)
    record.scored_at = clock.now()
    return changed


def refresh_case(application: Application, stage: str) -> ReviewStage:
    """Work out and store one case's aggregate at ``stage`` (its stage record opened on first
    use): its own sheets only, a constant number of queries."""
    record = review_of(application, stage)
    aggregates = stage_aggregates(record.agency, application.round, stage, [application], one=True)
    _store(record, aggregates.get(application.pk))
    record.save(update_fields=SCORE_FIELDS)
    return record


def refresh_stage(agency: Agency, round_: Round, stage: str) -> int:
    """Work out every case's aggregate of ``agency``'s panel at ``stage`` of ``round_`` and
    store those that changed (stage records opened where missing). Returns how many changed."""
    cases = cases_at(agency, round_, stage).exclude(state__in=NOT_RANKED)
    applications = list(cases.select_related("institution").only(*PAGE_FIELDS))
    aggregates = stage_aggregates(agency, round_, stage, applications)
    records = {
        r.application_id: r
        for r in ReviewStage.objects.filter(stage=stage, application__in=cases.values("pk"))
    }
    now = clock.now()
    missing = [
        ReviewStage(application_id=pk, stage=stage, agency=agency, opened_at=now)
        for pk in aggregates
        if pk not in records
    ]
    changed = []
    for application in applications:
        record = records.get(application.pk)
        if record is None:
            continue
        if _store(record, aggregates.get(application.pk)):
            changed.append(record)
    for record in missing:
        _store(record, aggregates[record.application_id])
    with transaction.atomic():
        ReviewStage.objects.bulk_create(missing, batch_size=500)
        ReviewStage.objects.bulk_update(changed, SCORE_FIELDS, batch_size=500)
    return len(changed) + len(missing)


def refresh_round(round_: Round) -> int:
    """``refresh_stage`` for every panel of ``round_`` (each agency and stage once)."""
    pairs = set(Panel.objects.filter(round=round_).values_list("agency_id", "stage"))
    agencies = Agency.objects.in_bulk({agency for agency, _stage in pairs})
    return sum(refresh_stage(agencies[a], round_, stage) for a, stage in sorted(pairs))


def is_stale(agency: Agency, round_: Round, stage: str) -> bool:
    """Whether a scoresheet or a conflict declaration of ``agency``'s panel at ``stage`` changed
    after its case's score was stored (or the case has no stored score yet): two ``EXISTS``
    queries, whatever the number of cases. What changes behind the sheets (an expert's or an
    institution's details, the round's method) is the sweep's to catch, as for the pages."""
    scored_since = ReviewStage.objects.filter(
        application=OuterRef("application_id"), stage=stage, scored_at__gte=OuterRef("changed")
    )
    panel = Q(panel__agency=agency, panel__round=round_, panel__stage=stage)
    sheets = (
        Scoresheet.objects.filter(panel)  # any status: a reopened sheet counts no longer
        .exclude(application__state__in=NOT_RANKED)
        .annotate(changed=F("updated_at"))
    )
    if sheets.filter(~Exists(scored_since)).exists():
        return True
    declarations = ConflictDeclaration.objects.filter(panel).annotate(changed=F("declared_at"))
    return declarations.filter(~Exists(scored_since)).exists()


def ensure_current(agency: Agency, round_: Round, stage: str) -> bool:
    """Refresh ``agency``'s stage of ``round_`` when ``is_stale`` says so (a signed document
    such as 附件4 must not print a score the sweep has yet to catch); whether it refreshed."""
    if not is_stale(agency, round_, stage):
        return False
    refresh_stage(agency, round_, stage)
    return True


def refresh_open_rounds() -> str:
    """The ``ranking_scores`` sweep: refresh the rounds with a case still in review."""
    rounds = Round.objects.filter(swept(""), applications__state__in=OPEN_STATES).distinct()
    done = [(round_.code, refresh_round(round_)) for round_ in rounds.order_by("pk")]
    changed = ", ".join(f"{code}: {n}" for code, n in done) or "no round in review"
    return f"ranking scores refreshed ({changed})"


# ---- pages and exports -------------------------------------------------------------------------

PER_PAGE = 50
# What a ranking row shows of its case (no occupation lines, no other columns).
ROW_FIELDS = (
    *SCORE_FIELDS,
    "agency_id",
    "stage",
    "recommended",
    "reason",
    "sent_at",
    "application__round_id",
    "application__receiving_agency_id",
    "application__state",
    "application__acknowledgement_no",
    "application__submitted_at",
    "application__institution__name",
)


def ranking_page(shown: QuerySet[ReviewStage], number: str | None, *, with_city: bool) -> Page:
    """Page ``number`` (50 rows) of ``shown`` in rank order: the page's keys are chosen on the
    stored scores alone, then only its rows are loaded (``KeyPaginator``)."""
    fields = (*ROW_FIELDS, "application__receiving_agency__name") if with_city else ROW_FIELDS
    related = ["application__institution"]
    if with_city:
        related.append("application__receiving_agency")

    def rows(keys: QuerySet[ReviewStage]) -> QuerySet[ReviewStage]:
        found = ReviewStage.objects.filter(pk__in=keys).select_related(*related)
        return found.only(*fields).order_by(*RANK_ORDER)

    return KeyPaginator(shown.order_by(*RANK_ORDER), PER_PAGE, rows).get_page(number)


def methods_count(ranked: QuerySet[ReviewStage]) -> dict[str, int]:
    """How many cases each aggregation method ranked (one query)."""
    counts = ranked.order_by().values_list("score_method").annotate(n=Count("pk"))
    return dict(counts)


def export_records(ranked: QuerySet[ReviewStage], *, with_city: bool) -> Iterator[ReviewStage]:
    """The whole ranking in rank order, read in chunks (an export's memory stays flat)."""
    fields = (*ROW_FIELDS, "application__receiving_agency__name") if with_city else ROW_FIELDS
    related = ["application__institution"]
    if with_city:
        related.append("application__receiving_agency")
    records = ranked.select_related(*related).only(*fields).order_by(*RANK_ORDER)
    return records.iterator(chunk_size=1000)
