"""The assessment plan's workflow (``assessment_plan``, N-5.2): submitted → accepted / returned
→ results_reported → closed, on the engine like every stateful record.

Accepting draws the quality supervisor (督导员) at random from the local agency's expert pool,
without an expert in conflict of interest with the organization (``draw.py``); the seed is
recorded on the plan and in the audit event, so anyone can re-run the draw."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.models import Role
from evalorg.core import clock
from evalorg.core.audit import Audience
from evalorg.core.workflow import Party, Refusal, Tell, Transition, define

from .draw import draw_supervisor, eligible_supervisors
from .models import AssessmentPlan
from .plans import SUBMITTED_TELL, scope_refusals

CLAUSE = "N-5.2"
PLANS = define(AssessmentPlan, "status", "assessment_plan")
# Results are due within this many days after the assessment's last day (late: agency to-do).
RESULTS_DUE_DAYS = 15
S = AssessmentPlan.Status


def of_local_agency(plan: AssessmentPlan, user: Any) -> bool:
    return plan.agency_id is not None and bool(plan.agency_id == user.agency_id)


def of_organization(plan: AssessmentPlan, user: Any) -> bool:
    membership = getattr(user, "membership", None)  # cached on the user after one read
    return membership is not None and bool(membership.institution_id == plan.institution_id)


def is_supervisor(plan: AssessmentPlan, user: Any) -> bool:
    return plan.supervisor_id is not None and plan.supervisor_id == user.pk


def in_scope(plan: AssessmentPlan, actor: Any, data: dict[str, Any]) -> list[Refusal]:
    return scope_refusals(plan)


def pool_has_someone(plan: AssessmentPlan, actor: Any, data: dict[str, Any]) -> Refusal | None:
    if eligible_supervisors(plan):
        return None
    return Refusal(
        CLAUSE,
        _(
            "本机构专家库中没有可抽取的质量督导员（已排除与该评价组织存在利害关系的专家），"
            "请先在专家库中增加专家后再受理。"
        ),
    )


def assessment_over(plan: AssessmentPlan, actor: Any, data: dict[str, Any]) -> Refusal | None:
    if plan.ends_on >= clock.today():
        return Refusal(
            CLAUSE,
            _("认定结束（%(day)s）后才能报告认定结果。") % {"day": f"{plan.ends_on:%Y年%m月%d日}"},
        )
    return None


def results_consistent(plan: AssessmentPlan, actor: Any, data: dict[str, Any]) -> list[Refusal]:
    refusals = []
    if plan.candidates is None or plan.passed is None or plan.certificates is None:
        return [Refusal(CLAUSE, _("请填写参加人数、合格人数和发放证书数，并上传认定名册。"))]
    rows = plan.roster.count()
    if rows != plan.candidates:
        refusals.append(
            Refusal(
                CLAUSE,
                _("名册共 %(rows)d 人，与填写的参加人数 %(n)d 不一致。")
                % {"rows": rows, "n": plan.candidates},
            )
        )
    passed_rows = plan.roster.filter(result="合格").count()
    if passed_rows != plan.passed:
        refusals.append(
            Refusal(
                CLAUSE,
                _("名册中合格 %(rows)d 人，与填写的合格人数 %(n)d 不一致。")
                % {"rows": passed_rows, "n": plan.passed},
            )
        )
    if plan.certificates > plan.passed:
        refusals.append(Refusal(CLAUSE, _("发放证书数不能多于合格人数。")))
    return refusals


def results_late(plan: AssessmentPlan, actor: Any, data: dict[str, Any]) -> Refusal | None:
    if (clock.today() - plan.ends_on).days <= RESULTS_DUE_DAYS:
        return Refusal(
            CLAUSE,
            _("认定结束后 %(days)d 日内报告结果，期限未过，暂不能催报。")
            % {"days": RESULTS_DUE_DAYS},
        )
    return None


def report_complete(plan: AssessmentPlan, actor: Any, data: dict[str, Any]) -> Refusal | None:
    if data.get("on_time") is None or data.get("procedures_followed") is None:
        return Refusal(CLAUSE, _("请填写是否按计划时间开展、是否符合规定程序。"))
    return None


def draw(plan: AssessmentPlan, actor: Any, data: dict[str, Any]) -> None:
    seed = data.get("seed")
    supervisor, seed = draw_supervisor(plan, seed)
    plan.supervisor = supervisor
    plan.draw_seed = seed
    plan.drawn_at = clock.now()
    data["seed"] = seed
    data["supervisor"] = supervisor.pk


def keep_reason(plan: AssessmentPlan, actor: Any, data: dict[str, Any]) -> None:
    plan.return_reason = str(data.get("reason", "")).strip()


def stamp_results(plan: AssessmentPlan, actor: Any, data: dict[str, Any]) -> None:
    plan.results_reported_at = clock.now()
    data["candidates"], data["passed"] = plan.candidates, plan.passed
    data["certificates"] = plan.certificates


def keep_report(plan: AssessmentPlan, actor: Any, data: dict[str, Any]) -> None:
    plan.on_time = bool(data["on_time"])
    plan.procedures_followed = bool(data["procedures_followed"])
    plan.irregularities = str(data.get("irregularities", "")).strip()
    plan.report_filed_at = clock.now()


ACCEPT = Transition(
    action="accept_plan",
    label=_("受理（抽取督导员）"),
    sources=frozenset({S.SUBMITTED}),
    target=S.ACCEPTED,
    roles=Role.REVIEWING_STAFF,
    relation=of_local_agency,
    guards=(in_scope, pool_has_someone),
    effects=(draw,),
    confirm=_("确定受理该认定计划？将随机抽取质量督导员，抽取结果不能更改。"),
    audit_fields=("seed", "supervisor"),
    audience=Audience.STAFF,
    tell=(
        Tell(
            Party.APPLICANT,
            _lazy("认定计划已受理：%(plan)s"),
            _lazy("%(agency)s已受理您的认定计划（%(plan)s），认定结束后请按时报告结果（N-5.2）。"),
        ),
        Tell(
            Party.EXPERTS,
            _lazy("质量督导任务：%(institution)s %(plan)s"),
            _lazy(
                "您被随机抽取为%(institution)s认定计划（%(plan)s，地点：%(site)s）的质量督导员，"
                "请按时督导并提交督导报告（N-5.2）。"
            ),
        ),
    ),
)
RETURN = Transition(
    action="return_plan",
    label=_("退回"),
    sources=frozenset({S.SUBMITTED}),
    target=S.RETURNED,
    roles=Role.REVIEWING_STAFF,
    relation=of_local_agency,
    effects=(keep_reason,),
    needs_reason=True,
    style="outline-danger",
    audience=Audience.APPLICANT,
    reason_to_applicant=True,
    tell=(
        Tell(
            Party.APPLICANT,
            _lazy("认定计划被退回：%(plan)s"),
            _lazy("您的认定计划（%(plan)s）被退回，请修改后重新提交。%(reason_line)s"),
        ),
    ),
)
RESUBMIT = Transition(
    action="resubmit_plan",
    label=_("重新提交"),
    sources=frozenset({S.RETURNED}),
    target=S.SUBMITTED,
    roles=frozenset({Role.APPLICANT}),
    relation=of_organization,
    guards=(in_scope,),
    audit_fields=(),
    audience=Audience.APPLICANT,
    tell=(SUBMITTED_TELL,),
)
REPORT_RESULTS = Transition(
    action="report_results",
    label=_("报告认定结果"),
    sources=frozenset({S.ACCEPTED}),
    target=S.RESULTS_REPORTED,
    roles=frozenset({Role.APPLICANT}),
    relation=of_organization,
    guards=(assessment_over, results_consistent),
    effects=(stamp_results,),
    audit_fields=("candidates", "passed", "certificates"),
    audience=Audience.APPLICANT,
    tell=(
        Tell(
            Party.RECEIVING_AGENCY,
            _lazy("认定结果已报告：%(institution)s %(plan)s"),
            _lazy("%(institution)s已报告认定计划（%(plan)s）的认定结果（N-5.2）。"),
        ),
        Tell(
            Party.EXPERTS,
            _lazy("请提交督导报告：%(institution)s %(plan)s"),
            _lazy("%(institution)s已报告认定结果，请提交该认定计划的督导报告（N-5.2）。"),
        ),
    ),
)
URGE = Transition(
    action="urge_results",
    label=_("催报认定结果"),
    sources=frozenset({S.ACCEPTED}),
    target=S.ACCEPTED,
    roles=Role.REVIEWING_STAFF,
    relation=of_local_agency,
    guards=(results_late,),
    audit_fields=(),
    audience=Audience.APPLICANT,
    tell=(
        Tell(
            Party.APPLICANT,
            _lazy("请尽快报告认定结果：%(plan)s"),
            _lazy("认定计划（%(plan)s）已结束超过 15 日，尚未报告认定结果，请尽快报告（N-5.2）。"),
        ),
    ),
)
FILE_REPORT = Transition(
    action="file_supervision_report",
    label=_("提交督导报告"),
    sources=frozenset({S.RESULTS_REPORTED}),
    target=S.CLOSED,
    roles=frozenset({Role.EXPERT}),
    relation=is_supervisor,
    guards=(report_complete,),
    effects=(keep_report,),
    confirm=_("确定提交督导报告？提交后该认定计划办结，报告不能修改。"),
    audit_fields=("on_time", "procedures_followed", "irregularities"),
    # The organization never learns who supervised it: the event is the staff's.
    audience=Audience.STAFF,
    tell=(
        Tell(
            Party.RECEIVING_AGENCY,
            _lazy("督导报告已提交：%(institution)s %(plan)s"),
            _lazy("认定计划（%(plan)s）的督导报告已提交，计划办结（N-5.2）。"),
        ),
    ),
)


def register_plan_transitions() -> None:
    PLANS.register(ACCEPT, RETURN, RESUBMIT, REPORT_RESULTS, URGE, FILE_REPORT)
