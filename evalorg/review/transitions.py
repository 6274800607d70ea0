"""The review stage's transitions, registered into the one workflow table (SPEC §5, N-4.1.2).

verify, score_complete, recommend, not_recommend, revise_decision and send_to_province; each
guard cites its clause and reads the stage record (``ReviewStage``) of the stage the case is in.
Registered from ``ReviewConfig.ready`` because review sits above applications.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.models import Agency, Role, User
from evalorg.applications import access
from evalorg.applications.models import Application, State
from evalorg.applications.workflow import Refusal, Transition, deadline_guard, register
from evalorg.core import audit, clock
from evalorg.core.audit import Audience
from evalorg.core.workflow import Nobody, Party, Tell, current_batch

from .conflicts import ConflictIndex
from .findings import findings_resolved
from .models import DeadlineExtension, ReviewStage, Scoresheet, Stage
from .ranking import position_of, refresh_case
from .services import (
    MIN_PANEL_SIZE,
    SENT_STATES,
    decision_of,
    experts_for,
    first_instance_stage,
    review_of,
    stage_now,
)


def all_items_checked(application: Application, actor: User, data: dict[str, Any]) -> list[Refusal]:
    from evalorg.applications.materials import applicable_items

    from .verification import checks_for

    checks = checks_for(application)
    refusals = []
    for item in applicable_items(application):
        check = checks.get(item.code)
        if check is None:
            refusals.append(Refusal("N-5.1", _("材料“%(t)s”尚未核验。") % {"t": item.title}))
        elif not check.passed and item.required_when != "optional":
            refusals.append(
                Refusal("N-5.1", _("材料“%(t)s”未通过核验，应退回补正。") % {"t": item.title})
            )
    return refusals


def scoring_complete(application: Application, actor: User, data: dict[str, Any]) -> list[Refusal]:
    """Every non-conflicted scorer of every assignment submitted, and at least 3 of them."""
    stage = stage_now(application)
    assignments = list(
        application.assignments.filter(panel__stage=stage)
        .select_related("panel")
        .prefetch_related("experts", "panel__members__expert")
    )
    if not assignments:
        return [Refusal("N-4.1.2", _("该申请尚未分配给专家评审组。"))]
    experts = {e for a in assignments for e in experts_for(a)}
    index = ConflictIndex.for_applications([application], experts=experts)
    submitted = set(
        Scoresheet.objects.filter(
            application=application, status=Scoresheet.Status.SUBMITTED, panel__stage=stage
        ).values_list("panel_id", "expert_id")
    )
    refusals = []
    for assignment in assignments:
        panel_id = assignment.panel_id
        scoring = [
            e for e in experts_for(assignment) if not index.is_conflicted(panel_id, e, application)
        ]
        refusals += [
            Refusal("N-4.1.2", _("专家%(name)s尚未提交评估表。") % {"name": expert})
            for expert in scoring
            if (panel_id, expert.pk) not in submitted
        ]
        if len(scoring) < MIN_PANEL_SIZE:
            refusals.append(
                Refusal("N-4.1.2", _("无利益冲突的评分专家不足 %(n)s 人。") % {"n": MIN_PANEL_SIZE})
            )
    return refusals


def decision_reason(data: dict[str, Any]) -> str:
    """The stage record's reason: ``decision_reason`` (staff only), else the transition's
    ``reason`` (the city's page and the API give one reason for both)."""
    return str(data.get("decision_reason") or data.get("reason") or "").strip()


def decision_given(clause: str) -> Callable[[Application, User, dict[str, Any]], Refusal | None]:
    """A guard: the decision comes with its reason (the stage record's, N-4.1.2 / N-4.1.3)."""

    def guard(application: Application, actor: User, data: dict[str, Any]) -> Refusal | None:
        if not decision_reason(data):
            return Refusal(clause, _("请填写推荐意见的理由。"))
        return None

    return guard


def first_instance(application: Application) -> str:
    # a case in review has its receiving agency
    return first_instance_stage(application.receiving_agency)  # type: ignore[arg-type]


def province_selection(application: Application) -> str:
    return Stage.PROVINCE_SELECTION


Effect = Callable[[Application, User, dict[str, Any]], None]


def stores_decision(recommended: bool, stage_of: Callable[[Application], str]) -> Effect:
    """The effect of recommend / not_recommend / select / reject: the decision is written on the
    stage record (``stage_of(application)``), under the case's row lock that ``perform()``
    holds, with the reason, rank and total passed to ``perform()`` (rank and total worked out
    from the ranking when not given). The reason stays with staff: its own event is ``staff``
    (``decision_recorded``, or ``decision_revised`` after ``revise_decision``)."""

    def effect(application: Application, actor: User, data: dict[str, Any]) -> None:
        stage = stage_of(application)
        review_of(application, stage)  # opened on first use
        review = ReviewStage.objects.select_for_update().get(application=application, stage=stage)
        rank, total = data.get("rank"), data.get("total")
        if "rank" not in data:
            # This case's stored score, checked once more, and its place among the stored
            # scores of the others: not the whole ranking worked out again (issue 24).
            review = refresh_case(application, stage)
            rank, total = position_of(review), review.score_total
        revised = review.decided_by_id is not None
        data["_revised"] = revised  # the message says the decision was revised
        previous = review.recommended
        review.recommended = recommended
        review.reason = decision_reason(data)
        review.rank = rank
        review.total = total
        review.decided_by = actor
        review.decided_at = clock.now()
        review.save()
        audit.record(
            "decision_revised" if revised else "decision_recorded",
            application,
            actor=actor,
            data={
                "stage": stage,
                "recommended": recommended,
                "previous": previous,
                "reason": review.reason,
                "rank": rank,
                "total": total,
            },
            audience=Audience.STAFF,
        )

    return effect


# States in which a case holds one of its agency's recommendation places: recommended and
# everything after sending. Withdrawn cases free theirs.
HOLDS_QUOTA = frozenset({State.RECOMMENDED}) | SENT_STATES


def within_quota(application: Application, actor: User, data: dict[str, Any]) -> Refusal | None:
    """The round's quota per agency (N-4.1.2), counted under a lock on the agency row so that
    two staff recommending at the same moment cannot both take the last place."""
    quota = application.round.recommendation_quota
    if not quota:
        return None
    # a case in review has its receiving agency
    agency = Agency.objects.select_for_update().get(pk=application.receiving_agency_id)  # type: ignore[misc]
    taken = (
        ReviewStage.objects.filter(
            stage=first_instance_stage(agency),
            agency=agency,
            recommended=True,
            application__round=application.round,
            application__state__in=HOLDS_QUOTA,
        )
        .exclude(application=application)
        .count()
    )
    if taken >= quota:
        return Refusal(
            "N-4.1.2", _("本批次推荐名额为 %(n)s 个，已用完，不能再推荐。") % {"n": quota}
        )
    return None


def not_yet_sent(application: Application, actor: User, data: dict[str, Any]) -> Refusal | None:
    decision = decision_of(application)
    if decision is not None and decision.sent_at is not None:
        return Refusal("N-4.1.2", _("推荐意见已报送省中心，不能再修改。"))
    return None


def clear_decision(application: Application, actor: User, data: dict[str, Any]) -> None:
    """The effect of ``revise_decision``: the first-instance decision is open again. The reason
    and who decided stay until the new decision replaces them (``decision_revised``)."""
    stage = first_instance(application)
    review_of(application, stage)  # opened on first use
    review = ReviewStage.objects.select_for_update().get(application=application, stage=stage)
    review.recommended = None
    review.save(update_fields=["recommended"])


def refresh_first_instance(application: Application, actor: User, data: dict[str, Any]) -> None:
    """Scoring is over: the case's stored aggregate is worked out from its final sheets."""
    refresh_case(application, first_instance(application))


def open_province_selection(application: Application, actor: User, data: dict[str, Any]) -> None:
    """Stamp the first-instance record as sent and open the provincial selection record."""
    # a case in review has its receiving agency
    first = review_of(application, first_instance_stage(application.receiving_agency))  # type: ignore[arg-type]
    now = clock.now()
    ReviewStage.objects.filter(pk=first.pk).update(sent_at=now, sent_batch=current_batch() or "")
    ReviewStage.objects.get_or_create(
        application=application,
        stage=Stage.PROVINCE_SELECTION,
        defaults={"agency": Agency.objects.get(kind=Agency.Kind.PROVINCE), "opened_at": now},
    )


def sending_deadline(application: Application) -> date:
    """The city deadline, or a later date the provincial center reopened it to."""
    deadline = application.round.city_assessment_deadline
    extension = (
        DeadlineExtension.objects.filter(
            agency=application.receiving_agency, round=application.round, until__gt=deadline
        )
        .order_by("-until")
        .first()
    )
    return extension.until if extension else deadline


sending_window_open = deadline_guard(
    "N-4.1.2",
    _lazy(
        "地市评估结果须在 %(date)s（含当天）前报送省职业技能服务指导中心，已截止；"
        "如需延期请联系省中心重新开放报送。"
    ),
    sending_deadline,
)


def revised_note(application: Application, data: dict[str, Any]) -> dict[str, Any]:
    """A decision given again after ``revise_decision`` says so: it replaces the one told."""
    note = _("（修改后的推荐意见，以此为准）") if data.get("_revised") else ""
    return {"revised": note}


# The city's decision is told each time it is given, a revised one too (issue 19: a 不推荐
# changed to 推荐 never reached the applicant). The reason of a 推荐 stays with staff.
TELL_RECOMMENDED = Tell(
    Party.APPLICANT,
    _lazy("备案申请已获推荐（%(no)s）%(revised)s"),
    _lazy(
        "%(name)s：\n经%(agency)s组织专家评估，贵机构的申请获得推荐%(revised)s，"
        "将报送省职业技能服务指导中心参加省级评审（N-4.1.2）。"
    ),
    values=lambda application, data: (
        revised_note(application, data) | {"name": application.institution.name}
    ),
)
TELL_NOT_RECOMMENDED = Tell(
    Party.APPLICANT,
    _lazy("备案申请未获推荐（%(no)s）%(revised)s"),
    _lazy(
        "%(name)s：\n经%(agency)s组织专家评估，贵机构的申请未获推荐%(revised)s。\n理由：%(reason)s"
    ),
    values=lambda application, data: (
        revised_note(application, data) | {"name": application.institution.name}
    ),
)


def register_review_transitions() -> None:
    register(
        Transition(
            action="verify",
            label=_("初审通过"),
            confirm=_("确定初审通过吗？通过后材料核验结论不能修改。"),
            sources=frozenset({State.SUBMITTED}),
            target=State.VERIFIED,
            roles=Role.REVIEWING_STAFF,
            relation=access.is_receiving_staff,
            guards=(all_items_checked, findings_resolved),
            style="success",
            audience=Audience.APPLICANT,
            tell=(
                Tell(
                    Party.APPLICANT,
                    _lazy("备案申请已通过初审（%(no)s）"),
                    _lazy(
                        "%(institution)s：\n贵机构的申请材料已通过%(agency)s初审，"
                        "进入专家评估（N-4.1.2）。"
                    ),
                ),
            ),
        ),
        Transition(
            action="score_complete",
            label=_("确认专家评估完成"),
            sources=frozenset({State.VERIFIED}),
            target=State.CITY_ASSESSED,
            roles=Role.REVIEWING_STAFF,
            relation=access.is_receiving_staff,
            guards=(scoring_complete,),
            after=(refresh_first_instance,),
            tell=Nobody("A step within the city's assessment: the decision that follows is told."),
        ),
        Transition(
            action="recommend",
            label=_("推荐"),
            confirm=_("确定推荐该申请吗？"),
            sources=frozenset({State.CITY_ASSESSED}),
            target=State.RECOMMENDED,
            roles=Role.REVIEWING_STAFF,
            relation=access.is_receiving_staff,
            guards=(decision_given("N-4.1.2"), within_quota),
            effects=(stores_decision(True, first_instance),),
            style="success",
            audit_fields=(),
            audience=Audience.APPLICANT,
            tell=(TELL_RECOMMENDED,),
        ),
        Transition(
            action="not_recommend",
            label=_("不推荐"),
            confirm=_("确定不推荐该申请吗？申请机构将收到不推荐理由。"),
            sources=frozenset({State.CITY_ASSESSED}),
            target=State.NOT_RECOMMENDED,
            roles=Role.REVIEWING_STAFF,
            relation=access.is_receiving_staff,
            guards=(decision_given("N-4.1.2"),),
            effects=(stores_decision(False, first_instance),),
            style="outline-danger",
            audience=Audience.APPLICANT,
            reason_to_applicant=True,
            tell=(TELL_NOT_RECOMMENDED,),
        ),
        Transition(
            action="revise_decision",
            label=_("修改推荐意见"),
            sources=frozenset({State.RECOMMENDED, State.NOT_RECOMMENDED}),
            target=State.CITY_ASSESSED,
            roles=Role.REVIEWING_STAFF,
            relation=access.is_receiving_staff,
            guards=(not_yet_sent, sending_window_open),
            effects=(clear_decision,),
            needs_reason=True,
            style="outline-secondary",
            tell=Nobody(
                "Reopens the city's decision, internally; the new decision (recommend, "
                "not_recommend) is told to the applicant again, marked as revised."
            ),
        ),
        Transition(
            action="send_to_province",
            label=_("报送省中心"),
            confirm=_("确定报送省中心吗？报送后不能撤回或修改推荐意见。"),
            sources=frozenset({State.RECOMMENDED}),
            target=State.PROVINCE_REVIEW,
            roles=Role.REVIEWING_STAFF,
            relation=access.is_receiving_staff,
            guards=(sending_window_open,),
            effects=(open_province_selection,),
            audience=Audience.APPLICANT,
            # The center and the city get one receipt per batch (decisions.send_batch).
            tell=(
                Tell(
                    Party.APPLICANT,
                    _lazy("备案申请已报送省级评审（%(no)s）"),
                    _lazy(
                        "%(institution)s：\n%(agency)s已将贵机构的申请报送省职业技能服务指导中心，"
                        "进入省级评审（N-4.1.3）。"
                    ),
                ),
            ),
        ),
    )
