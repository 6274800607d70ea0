"""The case page's review sections: each stage's record of a case (city assessment, the center's
first instance, provincial selection) with its checks and, once scored, its aggregate; earliest
first, only the current one editable (SPEC §6.2–§6.3)."""

from __future__ import annotations

from dataclasses import dataclass

from evalorg.applications.models import Application

from .conflicts import ConflictIndex
from .models import ReviewStage, Scoresheet, Stage
from .scoring import Aggregate, aggregate
from .services import absent_from_defense, counted_scores, stage_now, template_for


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
