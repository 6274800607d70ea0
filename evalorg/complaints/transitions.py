"""The complaint's workflow (``complaint``, N-5.2 属地监管), on the engine like every stateful
record; the local agency (the filed case's receiving agency) acts.

    received ─investigate_complaint→ investigating ─uphold_complaint / dismiss_complaint
      (a reasoned outcome)→ upheld / dismissed

The complainant is told the outcome by e-mail; the organization is told of an upheld complaint
with the outcome, never who complained. Every event is staff-only: the complainant's identity
is on the record, and the organization reads the outcome in its message.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.models import Role
from evalorg.core import clock
from evalorg.core.audit import Audience
from evalorg.core.workflow import Channel, Nobody, Party, Refusal, Tell, Transition, define

from .complaints import CLAUSE
from .models import Complaint

COMPLAINTS = define(Complaint, "status", "complaint")
S = Complaint.Status
MIN_OUTCOME_CHARS = 10


def of_local_agency(complaint: Complaint, user: Any) -> bool:
    return bool(complaint.agency_id == user.agency_id)


def reasoned(complaint: Complaint, actor: Any, data: dict[str, Any]) -> Refusal | None:
    if len(str(data.get("reason", "")).strip()) < MIN_OUTCOME_CHARS:
        return Refusal(
            CLAUSE,
            _("请填写处理意见（不少于 %(n)s 个字），说明核实的事实和结论。")
            % {"n": MIN_OUTCOME_CHARS},
        )
    return None


def stamp_outcome(complaint: Complaint, actor: Any, data: dict[str, Any]) -> None:
    complaint.outcome = str(data["reason"]).strip()
    complaint.resolved_at = clock.now()
    data["clause"] = CLAUSE


TELL_COMPLAINANT = Tell(
    Party.OBJECTOR,
    _lazy("您的投诉（%(no)s）已办结"),
    _lazy(
        "您于%(at)s对“%(institution)s”的投诉（受理编号 %(no)s）已办结。\n"
        "处理结果：%(state)s\n处理意见：%(outcome)s\n\n%(agency)s"
    ),
    channel=Channel.EMAIL,
)

INVESTIGATE = Transition(
    action="investigate_complaint",
    label=_("开始调查核实"),
    sources=frozenset({S.RECEIVED}),
    target=S.INVESTIGATING,
    roles=Role.REVIEWING_STAFF,
    relation=of_local_agency,
    audit_fields=("reason",),
    audience=Audience.STAFF,
    confirm=_("确定开始调查核实该投诉吗？开始后不能退回“已受理”状态。"),
    tell=Nobody("The complainant is told the outcome (uphold, dismiss), not each step."),
)
UPHOLD = Transition(
    action="uphold_complaint",
    label=_("投诉成立"),
    sources=frozenset({S.INVESTIGATING}),
    target=S.UPHELD,
    roles=Role.REVIEWING_STAFF,
    relation=of_local_agency,
    guards=(reasoned,),
    effects=(stamp_outcome,),
    needs_reason=True,
    audit_fields=("clause", "reason"),
    audience=Audience.STAFF,
    style="danger",
    confirm=_("确定认定投诉成立吗？处理意见将告知投诉人和被投诉机构（不告知投诉人身份）。"),
    tell=(
        TELL_COMPLAINANT,
        Tell(
            Party.APPLICANT,
            _lazy("针对贵机构的投诉经核实成立（%(no)s）"),
            _lazy(
                "%(institution)s：\n%(agency)s受理的针对贵机构的投诉（受理编号 %(no)s）经调查"
                "核实成立（N-5.2）。\n处理意见：%(outcome)s\n请及时整改。"
            ),
        ),
    ),
)
DISMISS = Transition(
    action="dismiss_complaint",
    label=_("投诉不成立"),
    sources=frozenset({S.INVESTIGATING}),
    target=S.DISMISSED,
    roles=Role.REVIEWING_STAFF,
    relation=of_local_agency,
    guards=(reasoned,),
    effects=(stamp_outcome,),
    needs_reason=True,
    audit_fields=("clause", "reason"),
    audience=Audience.STAFF,
    style="success",
    confirm=_("确定认定投诉不成立吗？处理意见将告知投诉人，提交后不能修改。"),
    tell=(TELL_COMPLAINANT,),
)


def register_complaint_transitions() -> None:
    COMPLAINTS.register(INVESTIGATE, UPHOLD, DISMISS)
