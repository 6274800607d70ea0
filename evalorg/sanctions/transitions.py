"""The sanction's workflow (``sanction``, N-5.2, 五(二)), on the engine like every stateful
record; every event carries the decision's clause.

    draft ─issue_warning (the local agency)──────────────────────────────→ effective
    draft ─submit_sanction (the local agency)→ in_review ─review_sanction (the center)
          → awaiting_approval ─approve_sanction (the department, the leadership group's
            meeting and minutes)→ effective ─restore_sanction (the center or the department,
            a suspension, early) / end_suspension (system, after its end date)→ restored
    in_review, awaiting_approval ─return_sanction→ draft;  draft ─withdraw_sanction→ withdrawn
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.models import Role
from evalorg.core import clock
from evalorg.core.audit import Audience
from evalorg.core.workflow import Channel, Nobody, Party, Refusal, Tell, Transition, define

from .models import Sanction
from .sanctions import CLAUSE, draft_refusals

SANCTIONS = define(Sanction, "status", "sanction")
S = Sanction.Status
K = Sanction.Kind
AUDITED = ("clause", "reason")


def of_local_agency(sanction: Sanction, user: Any) -> bool:
    return bool(sanction.agency_id == user.agency_id)


# ---- guards -----------------------------------------------------------------------------------


def is_warning(sanction: Sanction, actor: Any, data: dict[str, Any]) -> Refusal | None:
    if sanction.kind != K.WARNING:
        return Refusal(CLAUSE, _("暂停和取消备案须经省中心审核、领导小组审定后生效。"))
    return None


def needs_approval(sanction: Sanction, actor: Any, data: dict[str, Any]) -> Refusal | None:
    if sanction.kind == K.WARNING:
        return Refusal(CLAUSE, _("警告由属地监管机构直接作出，无须报审。"))
    return None


def is_suspension(sanction: Sanction, actor: Any, data: dict[str, Any]) -> Refusal | None:
    if sanction.kind != K.SUSPENSION:
        return Refusal(CLAUSE, _("只有暂停可以恢复。"))
    return None


def still_fits(sanction: Sanction, actor: Any, data: dict[str, Any]) -> list[Refusal]:
    return draft_refusals(sanction)


def has_minutes(sanction: Sanction, actor: Any, data: dict[str, Any]) -> Refusal | None:
    if not (data.get("minutes") and data.get("meeting_ref") and data.get("decided_on")):
        return Refusal(CLAUSE, _("须记录领导小组会议日期、会议名称和会议纪要。"))
    return None


def period_over(sanction: Sanction, actor: Any, data: dict[str, Any]) -> Refusal | None:
    if sanction.ends_on is None or sanction.ends_on >= clock.today():
        return Refusal(CLAUSE, _("暂停期限尚未届满。"))
    return None


# ---- effects ----------------------------------------------------------------------------------


def cite(sanction: Sanction, actor: Any, data: dict[str, Any]) -> None:
    data["clause"] = sanction.clause


def take_effect(sanction: Sanction, actor: Any, data: dict[str, Any]) -> None:
    sanction.effective_on = clock.today()
    data["clause"] = sanction.clause


def keep_reason(sanction: Sanction, actor: Any, data: dict[str, Any]) -> None:
    sanction.return_reason = str(data.get("reason", "")).strip()
    data["clause"] = sanction.clause


def record_decision(sanction: Sanction, actor: Any, data: dict[str, Any]) -> None:
    sanction.decided_on = data["decided_on"]
    sanction.meeting_ref = str(data["meeting_ref"])[:100]
    sanction.minutes = data["minutes"]
    sanction.effective_on = clock.today()
    data["clause"] = sanction.clause
    data["minutes_sha256"] = data["minutes"].sha256


def restore(sanction: Sanction, actor: Any, data: dict[str, Any]) -> None:
    sanction.ended_on = clock.today()
    data["clause"] = sanction.clause


TOLD_ORGANIZATION = Tell(
    Party.APPLICANT,
    _lazy("处理决定：%(institution)s %(sanction)s"),
    _lazy(
        "%(institution)s：\n根据 %(clause)s，%(agency)s对贵机构作出%(sanction)s的处理决定，"
        "自 %(on)s 起生效。%(period)s\n违规事实：%(facts)s"
    ),
)

WARN = Transition(
    action="issue_warning",
    label=_("作出警告"),
    sources=frozenset({S.DRAFT}),
    target=S.EFFECTIVE,
    roles=Role.REVIEWING_STAFF,
    relation=of_local_agency,
    guards=(is_warning,),
    effects=(take_effect,),
    audit_fields=AUDITED,
    audience=Audience.APPLICANT,
    confirm=_("确定对该机构作出警告？警告即时生效并通知该机构。"),
    style="danger",
    tell=(TOLD_ORGANIZATION,),
)
SUBMIT = Transition(
    action="submit_sanction",
    label=_("报省中心审核"),
    sources=frozenset({S.DRAFT}),
    target=S.IN_REVIEW,
    roles=Role.REVIEWING_STAFF,
    relation=of_local_agency,
    guards=(needs_approval, still_fits),
    effects=(cite,),
    audit_fields=AUDITED,
    audience=Audience.STAFF,
    tell=(
        Tell(
            Party.PROVINCE,
            _lazy("处理决定待审核：%(institution)s %(sanction)s"),
            _lazy("%(agency)s拟对%(institution)s作出%(sanction)s（%(clause)s），请审核。"),
            channel=Channel.IN_APP,
        ),
    ),
)
REVIEW = Transition(
    action="review_sanction",
    label=_("审核同意，报领导小组审定"),
    sources=frozenset({S.IN_REVIEW}),
    target=S.AWAITING_APPROVAL,
    roles=frozenset({Role.PROVINCE_STAFF}),
    guards=(still_fits,),
    effects=(cite,),
    audit_fields=AUDITED,
    audience=Audience.STAFF,
    style="success",
    tell=(
        Tell(
            Party.DEPARTMENT,
            _lazy("处理决定待领导小组审定：%(institution)s %(sanction)s"),
            _lazy(
                "省职业技能服务指导中心已审核%(institution)s的%(sanction)s（%(clause)s），"
                "请报领导小组审定后记录审定结果。"
            ),
            channel=Channel.IN_APP,
        ),
    ),
)
RETURN = Transition(
    action="return_sanction",
    label=_("退回修改"),
    sources=frozenset({S.IN_REVIEW, S.AWAITING_APPROVAL}),
    target=S.DRAFT,
    roles=Role.PROVINCIAL,
    effects=(keep_reason,),
    needs_reason=True,
    audit_fields=AUDITED,
    audience=Audience.STAFF,
    style="outline-danger",
    tell=(
        Tell(
            Party.RECEIVING_AGENCY,
            _lazy("处理决定被退回：%(institution)s %(sanction)s"),
            _lazy("%(institution)s的%(sanction)s（%(clause)s）被退回修改。%(reason_line)s"),
            channel=Channel.IN_APP,
        ),
    ),
)
APPROVE = Transition(
    action="approve_sanction",
    label=_("记录领导小组审定"),
    sources=frozenset({S.AWAITING_APPROVAL}),
    target=S.EFFECTIVE,
    roles=frozenset({Role.DEPARTMENT}),
    guards=(has_minutes, still_fits),
    effects=(record_decision,),
    audit_fields=("clause", "meeting_ref", "decided_on", "minutes_sha256"),
    # Public once effective (the public notice): the organization reads it in its history.
    audience=Audience.APPLICANT,
    confirm=_("确定记录领导小组审定？处理决定即时生效，并在公众页面公布。"),
    style="danger",
    tell=(
        TOLD_ORGANIZATION,
        Tell(
            Party.RECEIVING_AGENCY,
            _lazy("处理决定已生效：%(institution)s %(sanction)s"),
            _lazy("%(institution)s的%(sanction)s（%(clause)s）经领导小组审定，自 %(on)s 起生效。"),
            channel=Channel.IN_APP,
        ),
    ),
)
RESTORE = Transition(
    action="restore_sanction",
    label=_("提前恢复"),
    sources=frozenset({S.EFFECTIVE}),
    target=S.RESTORED,
    roles=Role.PROVINCIAL,
    guards=(is_suspension,),
    effects=(restore,),
    needs_reason=True,
    audit_fields=AUDITED,
    audience=Audience.APPLICANT,
    reason_to_applicant=True,
    confirm=_("确定提前恢复该机构？恢复后即可受理其认定计划。"),
    tell=(
        Tell(
            Party.APPLICANT,
            _lazy("暂停已解除：%(institution)s"),
            _lazy(
                "%(institution)s：\n贵机构的暂停（%(clause)s）已提前解除，恢复正常。%(reason_line)s"
            ),
        ),
        Tell(
            Party.RECEIVING_AGENCY,
            _lazy("暂停已解除：%(institution)s"),
            _lazy("%(institution)s的暂停（%(clause)s）已提前解除。%(reason_line)s"),
            channel=Channel.IN_APP,
        ),
    ),
)
END = Transition(
    action="end_suspension",
    label=_("暂停期满恢复"),
    sources=frozenset({S.EFFECTIVE}),
    target=S.RESTORED,
    roles=frozenset({Role.SYSTEM}),
    guards=(is_suspension, period_over),
    effects=(restore,),
    audit_fields=AUDITED,
    audience=Audience.APPLICANT,
    offered=False,
    tell=(
        Tell(
            Party.APPLICANT,
            _lazy("暂停期满，恢复正常：%(institution)s"),
            _lazy("%(institution)s：\n贵机构的暂停（%(clause)s）已于 %(until)s 期满，恢复正常。"),
        ),
    ),
)
WITHDRAW = Transition(
    action="withdraw_sanction",
    label=_("撤回草稿"),
    sources=frozenset({S.DRAFT}),
    target=S.WITHDRAWN,
    roles=Role.REVIEWING_STAFF,
    relation=of_local_agency,
    effects=(cite,),
    audit_fields=AUDITED,
    audience=Audience.STAFF,
    style="outline-secondary",
    confirm=_("确定撤回该处理决定草稿？撤回后不能恢复。"),
    tell=Nobody("A draft the organization never saw; the drafting agency withdrew it itself."),
)


def register_sanction_transitions() -> None:
    SANCTIONS.register(WARN, SUBMIT, REVIEW, APPROVE, RETURN, RESTORE, END, WITHDRAW)
