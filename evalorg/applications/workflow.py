"""The case lifecycle (SPEC §5): one transition table and the one function that moves a case.

``perform()`` locks the row, checks role, relation, state and guards, changes the state, runs
the transition's effects, writes the audit event and queues notifications, in one transaction.
Nothing else assigns ``Application.state``. Later stages add their transitions to ``TABLE``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.models import Role
from evalorg.core import audit, clock

from . import access
from .eligibility import Outcome, evaluate, input_from_application
from .materials import missing_required
from .models import OPEN_STATES, Application, State
from .routing import needs_route_choice
from .submission import on_returned, on_submitted, on_withdrawn

Guard = Callable[[Application, Any, dict], "Refusal | None"]
Effect = Callable[[Application, Any, dict], None]
Relation = Callable[[Application, Any], bool]


@dataclass(frozen=True)
class Refusal:
    clause: str
    message: str

    def __str__(self) -> str:
        return f"{self.message}（{self.clause}）"


class TransitionRefused(Exception):
    def __init__(self, refusals: list[Refusal]):
        self.refusals = refusals
        super().__init__("；".join(str(r) for r in refusals))


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    relation: Relation
    guards: tuple[Guard, ...] = ()
    effects: tuple[Effect, ...] = ()
    needs_reason: bool = False
    style: str = "primary"
    audit_fields: tuple[str, ...] = field(default=("reason",))


TABLE: dict[str, Transition] = {}


def register(*transitions: Transition) -> None:
    for transition in transitions:
        TABLE[transition.action] = transition


def _relation_allows(transition: Transition, application: Application, user) -> bool:
    return (
        user.is_authenticated
        and user.role in transition.roles
        and transition.relation(application, user)
    )


def available_actions(application: Application, user) -> list[Transition]:
    """Actions this user may take on this case now (guards are checked when performed)."""
    return [
        t
        for t in TABLE.values()
        if application.state in t.sources and _relation_allows(t, application, user)
    ]


def check(application: Application, action: str, actor, data: dict | None = None) -> list[Refusal]:
    transition = TABLE.get(action)
    if transition is None:
        return [Refusal("SPEC-5", _("未知的操作“%(action)s”。") % {"action": action})]
    if not _relation_allows(transition, application, actor):
        return [
            Refusal("SPEC-1", _("您无权对该申请执行“%(label)s”。") % {"label": transition.label})
        ]
    if application.state not in transition.sources:
        return [
            Refusal(
                "SPEC-5",
                _("申请当前状态为“%(state)s”，不能执行“%(label)s”。")
                % {"state": application.get_state_display(), "label": transition.label},
            )
        ]
    if data is None:
        data = {}
    if transition.needs_reason and not str(data.get("reason", "")).strip():
        return [Refusal("SPEC-5", _("请填写“%(label)s”的理由。") % {"label": transition.label})]
    refusals = []
    for guard in transition.guards:
        result = guard(application, actor, data)
        if isinstance(result, list):
            refusals.extend(result)
        elif result is not None:
            refusals.append(result)
    return refusals


def perform(application: Application, action: str, actor, **data: Any) -> Application:
    """Move ``application`` by ``action``; raises ``TransitionRefused`` and changes nothing."""
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        refusals = check(locked, action, actor, data)
        if refusals:
            raise TransitionRefused(refusals)
        transition = TABLE[action]
        from_state = locked.state
        locked.state = transition.target
        for effect in transition.effects:
            effect(locked, actor, data)
        locked.save()
        audit.record(
            action,
            locked,
            actor=actor,
            from_state=from_state,
            to_state=locked.state,
            data={k: data[k] for k in transition.audit_fields if k in data},
        )
    return locked


# ---- guards -------------------------------------------------------------------------------


def deadline_guard(clause: str, message: str, deadline_of: Callable[[Application], date]) -> Guard:
    """A guard refusing once ``deadline_of(application)`` (inclusive, Shanghai) has passed;
    ``message`` receives the date as ``%(date)s``."""

    def guard(application: Application, actor, data: dict) -> Refusal | None:
        deadline = deadline_of(application)
        if clock.is_past(deadline):
            return Refusal(clause, str(message) % {"date": f"{deadline:%Y年%m月%d日}"})
        return None

    return guard


before_application_deadline = deadline_guard(
    "N-4.1.1",
    _lazy("申请提交截止时间为 %(date)s 24 时（含当天，北京时间），已截止，不能提交。"),
    lambda application: application.round.application_deadline,
)
before_city_deadline = deadline_guard(
    "N-4.1.2",
    _lazy("补正材料须在地市评估截止日 %(date)s（含当天）前重新提交，已截止。"),
    lambda application: application.round.city_assessment_deadline,
)


def eligibility_passes(application: Application, actor, data: dict) -> list[Refusal]:
    results = evaluate(input_from_application(application))
    data["_eligibility"] = results
    return [Refusal(r.clause, r.message) for r in results if r.outcome == Outcome.FAIL]


def materials_complete(application: Application, actor, data: dict) -> list[Refusal]:
    return [
        Refusal("N-4.1.1", _("缺少申请材料“%(title)s”（附件1）。") % {"title": item.title})
        for item in missing_required(application)
    ]


def declarations_confirmed(application: Application, actor, data: dict) -> Refusal | None:
    if not application.declarations_confirmed:
        return Refusal("N-2.1", _("请在“确认提交”一步勾选承诺：所填信息和材料真实、完整。"))
    return None


def route_chosen(application: Application, actor, data: dict) -> Refusal | None:
    if needs_route_choice(application.institution) and not application.route:
        return Refusal(
            "N-4.1.2",
            _("省属机构须选择向所在地级以上市评价指导机构或省职业技能服务指导中心提交。"),
        )
    return None


STAFF = frozenset({Role.CITY_STAFF, Role.PROVINCE_STAFF})
APPLICANT = frozenset({Role.APPLICANT})

register(
    Transition(
        action="submit",
        label=_("提交申请"),
        sources=frozenset({State.DRAFT}),
        target=State.SUBMITTED,
        roles=APPLICANT,
        relation=access.is_own,
        guards=(
            before_application_deadline,
            route_chosen,
            declarations_confirmed,
            materials_complete,
            eligibility_passes,
        ),
        effects=(on_submitted,),
    ),
    Transition(
        action="return_for_correction",
        label=_("退回补正"),
        sources=frozenset({State.SUBMITTED}),
        target=State.RETURNED_FOR_CORRECTION,
        roles=STAFF,
        relation=access.is_receiving_staff,
        effects=(on_returned,),
        needs_reason=True,
        style="warning",
        audit_fields=("reason", "items"),
    ),
    Transition(
        action="resubmit",
        label=_("重新提交"),
        sources=frozenset({State.RETURNED_FOR_CORRECTION}),
        target=State.SUBMITTED,
        roles=APPLICANT,
        relation=access.is_own,
        guards=(
            before_city_deadline,
            declarations_confirmed,
            materials_complete,
            eligibility_passes,
        ),
        effects=(on_submitted,),
    ),
    Transition(
        action="withdraw",
        label=_("撤回申请"),
        sources=frozenset(s for s in OPEN_STATES if s != State.WITHDRAWN),
        target=State.WITHDRAWN,
        roles=APPLICANT,
        relation=access.is_own,
        effects=(on_withdrawn,),
        needs_reason=True,
        style="outline-danger",
    ),
)
