"""The provincial selection's decisions (SPEC §6.3, N-4.1.3): select / reject after the merit
ranking, and the leadership group's approval of the selected batch.

``select`` and ``reject`` read the provincial selection record (``ReviewStage``) like the city's
``recommend`` reads the city's: scoring complete at that stage and a stored decision that says
so. The stored reason stays internal; the applicant sees the outcome and, for a rejection, the
applicant-facing reason passed to the transition. ``approve`` moves a selected case only as
part of a recorded leadership approval (``selection.leadership``, kind selection) that approves
it: nothing reaches publicity without one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role
from evalorg.applications.models import Application, State
from evalorg.applications.workflow import Batch, Refusal, Transition, register
from evalorg.core.audit import Audience
from evalorg.core.workflow import Party, Tell
from evalorg.review.transitions import (
    decision_given,
    province_selection,
    scoring_complete,
    stores_decision,
)
from evalorg.rounds.models import Round

from .leadership import Tick, approved_entry, propose, record_decision
from .models import LeadershipApproval

PROVINCE = frozenset({Role.PROVINCE_STAFF})
DEPARTMENT = frozenset({Role.DEPARTMENT})


def is_center(application: Application, user) -> bool:
    return has_role(user, Role.PROVINCE_STAFF) and user.agency_id is not None


def is_department(application: Application, user) -> bool:
    return has_role(user, Role.DEPARTMENT)


def approved_in_decision(application: Application, actor, data: dict) -> Refusal | None:
    if not approved_entry(application, data.get("approval"), LeadershipApproval.Kind.SELECTION):
        return Refusal("N-4.1.3", _("须经遴选工作领导小组审定同意，并记录会议名称和纪要。"))
    return None


TELL_SELECTED = Tell(
    Party.APPLICANT,
    _lazy("备案申请通过省级评审（%(no)s）"),
    _lazy("%(institution)s：\n贵机构的申请已通过省级评审，待遴选工作领导小组审定后公示。"),
)
TELL_REJECTED = Tell(
    Party.APPLICANT,
    _lazy("备案申请未通过省级评审（%(no)s）"),
    _lazy("%(institution)s：\n贵机构的申请未通过省级评审。\n理由：%(reason)s"),
)
TELL_APPROVED = Tell(
    Party.APPLICANT,
    _lazy("遴选结果已经领导小组审定（%(no)s）"),
    _lazy("%(institution)s：\n贵机构已列入拟备案名单，将按规定进行公示。"),
)


def register_selection_transitions() -> None:
    register(
        Transition(
            action="select",
            label=_("评审通过"),
            confirm=_("确定省级评审通过吗？结论将通知申请机构，提交后不能修改。"),
            sources=frozenset({State.PROVINCE_REVIEW}),
            target=State.SELECTED,
            roles=PROVINCE,
            relation=is_center,
            guards=(scoring_complete, decision_given("N-4.1.3")),
            effects=(stores_decision(True, province_selection),),
            style="success",
            audience=Audience.APPLICANT,
            reason_to_applicant=True,
            tell=(TELL_SELECTED,),
        ),
        Transition(
            action="reject",
            label=_("未通过评审"),
            confirm=_("确定省级评审不通过吗？申请机构将收到不通过理由，提交后不能修改。"),
            sources=frozenset({State.PROVINCE_REVIEW}),
            target=State.REJECTED,
            roles=PROVINCE,
            relation=is_center,
            guards=(scoring_complete, decision_given("N-4.1.3")),
            effects=(stores_decision(False, province_selection),),
            needs_reason=True,
            style="outline-danger",
            audience=Audience.APPLICANT,
            reason_to_applicant=True,
            tell=(TELL_REJECTED,),
        ),
        Transition(
            action="approve",
            label=_("领导小组审定同意"),
            sources=frozenset({State.SELECTED}),
            target=State.LEADERSHIP_APPROVED,
            roles=DEPARTMENT,
            relation=is_department,
            guards=(approved_in_decision,),
            style="success",
            audit_fields=("approval",),
            audience=Audience.APPLICANT,
            tell=(TELL_APPROVED,),
        ),
    )


# ---- recording a leadership decision ----------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    """One selected application as the department decided on it."""

    application: Application
    approved: bool
    note: str = ""


def record_leadership_decision(
    round_: Round,
    proposals: list[Proposal],
    *,
    decided_on: date | None,
    meeting_ref: str,
    minutes: File | None,
    note: str,
    user,
) -> tuple[LeadershipApproval, Batch]:
    """Put the selected cases to the leadership group and record its decision
    (``leadership.record_decision``): all or nothing, a refusal leaves no approval and no
    file."""
    with transaction.atomic():
        approval = propose(
            LeadershipApproval.Kind.SELECTION, round_, [p.application for p in proposals], user
        )
        return record_decision(
            approval,
            [Tick(p.application.pk, p.approved, p.note) for p in proposals],
            decided_on=decided_on,
            meeting_ref=meeting_ref,
            minutes=minutes,
            note=note,
            user=user,
        )
