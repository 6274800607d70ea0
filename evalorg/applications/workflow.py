"""The case lifecycle (SPEC §5) and the occupation lines' lifecycle: their transition tables.

The engine (``perform``, ``perform_many``, ``check``, ``available_actions``) is
``evalorg.core.workflow``; this module defines the two workflows of this app and re-exports the
engine so that callers keep one import. Nothing else assigns ``Application.state`` or
``ApplicationOccupation.status``. Later stages add their transitions with ``register``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.models import Role
from evalorg.core import clock
from evalorg.core.audit import Audience
from evalorg.core.workflow import (
    Batch,
    BatchRefused,
    Channel,
    Guard,
    Nobody,
    Party,
    Refusal,
    Tell,
    Transition,
    TransitionRefused,
    available_actions,
    check,
    define,
    lock,
    perform,
    perform_many,
)

from . import access
from .audience import register_audiences
from .eligibility import Outcome, evaluate, input_from_application
from .materials import missing_required
from .models import OPEN_STATES, Application, ApplicationOccupation, State
from .routing import needs_route_choice
from .submission import on_submitted

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "LINES",
    "TABLE",
    "Batch",
    "BatchRefused",
    "Refusal",
    "Transition",
    "TransitionRefused",
    "available_actions",
    "check",
    "lock",
    "perform",
    "perform_many",
    "register",
    "register_line",
]

CASES = define(Application, "state", "case")
LINES = define(ApplicationOccupation, "status", "occupation_line")
TABLE = CASES.table
register_audiences()


def register(*transitions: Transition) -> None:
    """Add case transitions; an action registered twice raises ``ImproperlyConfigured``."""
    CASES.register(*transitions)


def register_line(*transitions: Transition) -> None:
    LINES.register(*transitions)


# ---- guards -------------------------------------------------------------------------------


def deadline_guard(
    clause: str, message: StrOrPromise, deadline_of: Callable[[Application], date]
) -> Guard:
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


PROFILE_REQUIRED = ("legal_rep_name", "legal_rep_id_number", "contact_name", "contact_phone")


def profile_complete(application: Application, actor, data: dict) -> list[Refusal]:
    """The application form (附件2) carries these facts: submission re-checks them."""
    institution = application.institution
    return [
        Refusal(
            "N-4.1.1",
            _("请在“机构信息”中填写%(field)s，申请表（附件2）必须载明。")
            % {"field": institution._meta.get_field(name).verbose_name},
        )
        for name in PROFILE_REQUIRED
        if not str(getattr(institution, name) or "").strip()
    ]


def route_chosen(application: Application, actor, data: dict) -> Refusal | None:
    if needs_route_choice(application.institution) and not application.route:
        return Refusal(
            "N-4.1.2",
            _("省属机构须选择向所在地级以上市评价指导机构或省职业技能服务指导中心提交。"),
        )
    return None


APPLICANT = frozenset({Role.APPLICANT})


def _day(day: date | None) -> str:
    return f"{day:%Y年%m月%d日}" if day else ""


def submission_values(application: Application, data: dict) -> dict:
    submitted_at = application.submitted_at
    return {
        "submitted_at": f"{submitted_at:%Y-%m-%d %H:%M}" if submitted_at else "",
        "city_deadline": _day(application.round.city_assessment_deadline),
    }


# Told on submit and resubmit (N-4.1.1, N-4.1.2): the institution gets its receipt by e-mail
# (it sees the page), the receiving agency the new case in-app.
SUBMITTED = (
    Tell(
        Party.APPLICANT,
        _lazy("备案申请已提交，受理编号 %(no)s"),
        _lazy(
            "%(institution)s：\n您的%(kind)s已提交至%(agency)s，受理编号 %(no)s，"
            "提交时间 %(submitted_at)s。请留意后续审核结果。"
        ),
        channel=Channel.EMAIL,
        values=submission_values,
    ),
    Tell(
        Party.RECEIVING_AGENCY,
        _lazy("新的备案申请：%(institution)s（%(no)s）"),
        _lazy("请在地市评估截止日 %(city_deadline)s 前完成初审。"),
        channel=Channel.IN_APP,
        values=submission_values,
    ),
)

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
            profile_complete,
            declarations_confirmed,
            materials_complete,
            eligibility_passes,
        ),
        effects=(on_submitted,),
        audience=Audience.APPLICANT,
        tell=SUBMITTED,
    ),
    Transition(
        action="return_for_correction",
        label=_("退回补正"),
        confirm=_("确定退回补正吗？退回后申请机构将收到退回理由，本次核验结论不能撤回。"),
        sources=frozenset({State.SUBMITTED}),
        target=State.RETURNED_FOR_CORRECTION,
        roles=Role.REVIEWING_STAFF,
        relation=access.is_receiving_staff,
        needs_reason=True,
        style="warning",
        audit_fields=("reason", "items"),
        audience=Audience.APPLICANT,
        reason_to_applicant=True,
        tell=(
            Tell(
                Party.APPLICANT,
                _lazy("备案申请被退回补正（%(no)s）"),
                _lazy(
                    "%(institution)s：\n您的申请被%(agency)s退回补正。\n理由：%(reason)s\n"
                    "请在 %(city_deadline)s（含当天）前修改并重新提交（N-4.1.2）。"
                ),
                values=submission_values,
            ),
        ),
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
            profile_complete,
            declarations_confirmed,
            materials_complete,
            eligibility_passes,
        ),
        effects=(on_submitted,),
        audience=Audience.APPLICANT,
        tell=SUBMITTED,
    ),
    Transition(
        action="withdraw",
        label=_("撤回申请"),
        confirm=_("确定撤回申请吗？撤回后不能恢复，如需参加本轮遴选须重新申请。"),
        sources=frozenset(s for s in OPEN_STATES if s != State.WITHDRAWN),
        target=State.WITHDRAWN,
        roles=APPLICANT,
        relation=access.is_own,
        needs_reason=True,
        style="outline-danger",
        audience=Audience.APPLICANT,
        reason_to_applicant=True,
        # A draft has no receiving agency: then nobody is told.
        tell=(
            Tell(
                Party.RECEIVING_AGENCY,
                _lazy("申请已撤回：%(institution)s（%(no)s）"),
                _lazy("%(reason)s"),
                channel=Channel.IN_APP,
            ),
        ),
    ),
)


# ---- occupation lines (SPEC §5): one row per application, occupation and level ----------------

Line = ApplicationOccupation
LineStatus = ApplicationOccupation.Status
SYSTEM = frozenset({Role.SYSTEM})
PROVINCE = frozenset({Role.PROVINCE_STAFF})


def line_applicant(line: Line, user) -> bool:
    return access.is_own(line.application, user)


def line_receiving_staff(line: Line, user) -> bool:
    return access.is_receiving_staff(line.application, user)


def review_comments(line: Line, data: dict) -> dict:
    """The reviewers' comments on a question bank, when they gave any."""
    reason = str(data.get("reason", "") or "").strip()
    return {"comments": _("\n审核意见：%(r)s") % {"r": reason} if reason else ""}


def waiting_for_batch(line: Line, data: dict) -> dict:
    """An eliminated line of a case still cultivating: its passed lines wait for a batch."""
    waiting = line.application.state == State.CULTIVATING
    note = _(
        "\n题库通过审核的职业（工种）待列入验收批次、经省职业技能等级认定工作领导小组"
        "同意后予以备案（N-4.3）。"
    )
    return {"waiting": note if waiting else ""}


def case_cultivating(line: Line, actor, data: dict) -> Refusal | None:
    if line.application.state != State.CULTIVATING:
        return Refusal("N-4.2", _("申请尚未进入培育辅导期，该职业不能开始培育。"))
    return None


register_line(
    Transition(
        action="exclude",
        label=_("排除该职业"),
        confirm=_("确定排除该职业吗？排除理由将告知申请机构，该职业不再参加本轮遴选，不能恢复。"),
        sources=frozenset({LineStatus.REQUESTED}),
        target=LineStatus.EXCLUDED,
        roles=Role.REVIEWING_STAFF,
        relation=line_receiving_staff,
        needs_reason=True,
        style="outline-danger",
        audience=Audience.APPLICANT,
        reason_to_applicant=True,
        tell=(
            Tell(
                Party.APPLICANT,
                _lazy("申报职业（工种）已排除：%(occupation)s（%(level)s）"),
                _lazy(
                    "%(institution)s：\n贵机构申请（%(no)s）中的%(occupation)s（%(level)s）"
                    "经%(agency)s审核予以排除，不再参加本轮遴选。%(reason_line)s"
                ),
            ),
        ),
    ),
    Transition(
        action="start_cultivation",
        label=_("开始培育"),
        sources=frozenset({LineStatus.REQUESTED}),
        target=LineStatus.CULTIVATING,
        roles=SYSTEM | PROVINCE,
        guards=(case_cultivating,),
        audience=Audience.APPLICANT,
        tell=Nobody(
            "Moved with its case (end_publicity, fast_track), whose message gives the period."
        ),
    ),
    Transition(
        action="submit_bank",
        label=_("提交题库"),
        confirm=_("确定提交题库审核吗？审核期间不能再修改题库文件。"),
        sources=frozenset({LineStatus.CULTIVATING, LineStatus.BANK_FAILED}),
        target=LineStatus.BANK_SUBMITTED,
        roles=APPLICANT,
        relation=line_applicant,
        audience=Audience.APPLICANT,
        tell=(
            Tell(
                Party.PROVINCE,
                _lazy("题库待审核：%(institution)s %(occupation)s（%(level)s）"),
                _lazy("%(institution)s（%(no)s）已提交%(occupation)s（%(level)s）的题库，请审核。"),
                channel=Channel.IN_APP,
            ),
        ),
    ),
    Transition(
        action="pass_bank",
        label=_("题库审核通过"),
        confirm=_("确定题库审核通过吗？审核结论将告知申请机构，提交后不能修改。"),
        sources=frozenset({LineStatus.BANK_SUBMITTED}),
        target=LineStatus.BANK_PASSED,
        roles=PROVINCE,
        style="success",
        audience=Audience.APPLICANT,
        reason_to_applicant=True,
        tell=(
            Tell(
                Party.APPLICANT,
                _lazy("题库审核通过：%(occupation)s（%(level)s）"),
                _lazy(
                    "%(institution)s：\n贵机构%(occupation)s（%(level)s）的题库已通过"
                    "省职业技能服务指导中心审核，待列入验收批次（N-4.3）。%(comments)s"
                ),
                values=review_comments,
            ),
        ),
    ),
    Transition(
        action="fail_bank",
        label=_("题库审核未通过"),
        confirm=_("确定题库审核未通过吗？审核意见将告知申请机构，提交后不能修改。"),
        sources=frozenset({LineStatus.BANK_SUBMITTED}),
        target=LineStatus.BANK_FAILED,
        roles=PROVINCE,
        needs_reason=True,
        style="warning",
        audience=Audience.APPLICANT,
        reason_to_applicant=True,
        tell=(
            Tell(
                Party.APPLICANT,
                _lazy("题库审核未通过：%(occupation)s（%(level)s）"),
                _lazy(
                    "%(institution)s：\n贵机构%(occupation)s（%(level)s）的题库未通过"
                    "省职业技能服务指导中心审核，请按审核意见修改后在培育辅导期内重新提交"
                    "（N-4.3）。%(comments)s"
                ),
                values=review_comments,
            ),
        ),
    ),
    Transition(
        action="file",
        label=_("备案"),
        confirm=_("确定备案该职业吗？备案后不能撤销。"),
        sources=frozenset({LineStatus.BANK_PASSED}),
        target=LineStatus.FILED,
        roles=PROVINCE,
        style="success",
        audience=Audience.APPLICANT,
        tell=Nobody("Filed with its case: file_case's message lists the filed lines."),
    ),
    Transition(
        action="eliminate",
        label=_("自然淘汰"),
        confirm=_("确定自然淘汰该职业吗？淘汰后不能恢复。"),
        sources=frozenset(
            {LineStatus.CULTIVATING, LineStatus.BANK_SUBMITTED, LineStatus.BANK_FAILED}
        ),
        target=LineStatus.ELIMINATED,
        roles=SYSTEM,
        audience=Audience.APPLICANT,
        reason_to_applicant=True,
        tell=(
            Tell(
                Party.APPLICANT,
                _lazy("职业（工种）自然淘汰：%(occupation)s（%(level)s）"),
                _lazy(
                    "%(institution)s：\n贵机构的%(occupation)s（%(level)s）：%(reason)s%(waiting)s"
                ),
                values=waiting_for_batch,
            ),
        ),
    ),
)
