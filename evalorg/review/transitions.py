"""The review stage's transitions, registered into the one workflow table (SPEC §5, N-4.1.2).

verify, score_complete, recommend, not_recommend and send_to_province; each guard cites its
clause. Registered from ``ReviewConfig.ready`` because review sits above applications.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.models import Role
from evalorg.applications import access
from evalorg.applications.models import State
from evalorg.applications.workflow import Refusal, Transition, deadline_guard, register

from .conflicts import conflicted_pairs
from .models import DeadlineExtension, Scoresheet, VerificationCheck
from .services import MIN_PANEL_SIZE, experts_for

STAFF = frozenset({Role.CITY_STAFF, Role.PROVINCE_STAFF})


def all_items_checked(application, actor, data: dict) -> list[Refusal]:
    from evalorg.applications.materials import applicable_items

    checks = {c.item_code: c for c in VerificationCheck.objects.filter(application=application)}
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


def scoring_complete(application, actor, data: dict) -> list[Refusal]:
    """Every non-conflicted scorer of every assignment submitted, and at least 3 of them."""
    assignments = list(
        application.assignments.select_related("panel").prefetch_related(
            "experts", "panel__members__expert"
        )
    )
    if not assignments:
        return [Refusal("N-4.1.2", _("该申请尚未分配给专家评审组。"))]
    conflicted = conflicted_pairs(application)
    submitted = set(
        Scoresheet.objects.filter(
            application=application, status=Scoresheet.Status.SUBMITTED
        ).values_list("panel_id", "expert_id")
    )
    refusals = []
    for assignment in assignments:
        panel_id = assignment.panel_id
        scoring = [e for e in experts_for(assignment) if (panel_id, e.pk) not in conflicted]
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


def has_recommendation(application, actor, data: dict) -> Refusal | None:
    decision = getattr(application, "recommendation", None)
    if decision is None:
        return Refusal("N-4.1.2", _("请先填写推荐意见及理由。"))
    return None


def sending_deadline(application) -> date:
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


def tell_not_recommended(application, actor, data: dict) -> None:
    from evalorg.applications.submission import applicant_emails, applicant_users
    from evalorg.notify.services import notify_users, queue_email

    subject = _("备案申请未获推荐（%(no)s）") % {"no": application.acknowledgement_no}
    body = _("%(name)s：\n经%(agency)s组织专家评估，贵机构的申请未获推荐。\n理由：%(reason)s") % {
        "name": application.institution.name,
        "agency": application.receiving_agency.name,
        "reason": data.get("reason", ""),
    }
    queue_email(applicant_emails(application), subject, body)
    notify_users(applicant_users(application), subject, body=body)


def register_review_transitions() -> None:
    register(
        Transition(
            action="verify",
            label=_("初审通过"),
            sources=frozenset({State.SUBMITTED}),
            target=State.VERIFIED,
            roles=STAFF,
            relation=access.is_receiving_staff,
            guards=(all_items_checked,),
            style="success",
        ),
        Transition(
            action="score_complete",
            label=_("确认专家评估完成"),
            sources=frozenset({State.VERIFIED}),
            target=State.CITY_ASSESSED,
            roles=STAFF,
            relation=access.is_receiving_staff,
            guards=(scoring_complete,),
        ),
        Transition(
            action="recommend",
            label=_("推荐"),
            sources=frozenset({State.CITY_ASSESSED}),
            target=State.RECOMMENDED,
            roles=STAFF,
            relation=access.is_receiving_staff,
            guards=(has_recommendation,),
            style="success",
        ),
        Transition(
            action="not_recommend",
            label=_("不推荐"),
            sources=frozenset({State.CITY_ASSESSED}),
            target=State.NOT_RECOMMENDED,
            roles=STAFF,
            relation=access.is_receiving_staff,
            guards=(has_recommendation,),
            effects=(tell_not_recommended,),
            style="outline-danger",
        ),
        Transition(
            action="send_to_province",
            label=_("报送省中心"),
            sources=frozenset({State.RECOMMENDED}),
            target=State.PROVINCE_REVIEW,
            roles=STAFF,
            relation=access.is_receiving_staff,
            guards=(sending_window_open,),
        ),
    )
