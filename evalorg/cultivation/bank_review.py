"""Expert review of question banks (issue 20 item 4, SPEC §6.5, N-4.2).

The provincial center assigns experts to a submitted line's review (``assign``), under the one
conflict-of-interest rule of every panel (``review.conflicts.ConflictIndex``: employer USCC,
contact, account at the institution, declarations on the case). Each assigned expert writes a
review sheet (one finding per deliverable and a recommendation, ``save_sheet``) and submits it
(``submit_bank_review``, workflow ``bank_review``). The center decides ``pass_bank`` or
``fail_bank`` only once the round's required number of sheets are submitted (guard
``enough_sheets``); the decision's comments per deliverable are stored with the occupation and
level (``BankDecision``, the ``after`` effect ``record_decision``) and told to the organization.

A review round is the line's n-th submission: round n starts when the line is submitted after n
decisions, so a resubmitted line starts a new round; earlier sheets are kept but not counted.
Who reviewed is never told to the applicant: every event here is staff or internal.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.models import Role, User
from evalorg.accounts.permissions import has_role
from evalorg.applications.audience import describe_line, province
from evalorg.applications.models import ApplicationOccupation
from evalorg.core import audit, clock
from evalorg.core.audit import Audience
from evalorg.core.workflow import (
    Channel,
    Party,
    Recipients,
    Refusal,
    Tell,
    Transition,
    TransitionRefused,
    announce,
    define,
    perform,
    register_description,
    register_party,
)
from evalorg.review.conflicts import ConflictIndex

from .deliverables import review_in_period
from .models import BankDecision, BankReviewAssignment, BankReviewSheet, Deliverable

CLAUSE = "N-4.2"
CONFLICT_CLAUSE = "N-4.1.2"
KINDS = tuple(Deliverable.Kind.values)
Data = dict[str, Any]
Status = BankReviewAssignment.Status
Line = ApplicationOccupation.Status
LIVE = frozenset({Status.ASSIGNED, Status.SUBMITTED})
DEFAULT_REQUIRED = 2

REVIEWS = define(BankReviewAssignment, "status", "bank_review")


def required_sheets() -> int:
    """How many submitted sheets a decision needs (``BANK_REVIEW_SHEETS_REQUIRED``, default 2)."""
    return int(getattr(settings, "BANK_REVIEW_SHEETS_REQUIRED", DEFAULT_REQUIRED))


def current_round(line: ApplicationOccupation) -> int:
    """The line's review round: the number of decisions taken on it so far (0 first)."""
    return BankDecision.objects.filter(line=line).count()


def round_assignments(line: ApplicationOccupation) -> QuerySet[BankReviewAssignment]:
    """The current round's live assignments, with the expert and the sheet, oldest first."""
    return (
        BankReviewAssignment.objects.filter(
            line=line, review_round=current_round(line), status__in=LIVE
        )
        .select_related("expert", "sheet")
        .order_by("pk")
    )


def submitted_count(line: ApplicationOccupation) -> int:
    return BankReviewAssignment.objects.filter(
        line=line, review_round=current_round(line), status=Status.SUBMITTED
    ).count()


# ---- assigning -----------------------------------------------------------------------------


def conflict_reasons(line: ApplicationOccupation, expert: User) -> list[str]:
    """Why ``expert`` may not review ``line`` (the one rule of every panel; [] if none)."""
    application = line.application
    index = ConflictIndex.for_applications([application], experts=[expert])
    if not index.conflicted_anywhere(expert, application):
        return []
    return index.computed(expert, application) or [_("专家已声明与该申请机构存在利益冲突")]


def assign_refusals(line: ApplicationOccupation, expert: User, actor: User) -> list[Refusal]:
    if not has_role(actor, Role.PROVINCE_STAFF):
        return [Refusal("SPEC-1", _("题库评审专家由省职业技能服务指导中心指派。"))]
    if not has_role(expert, Role.EXPERT) or not expert.is_active:
        return [Refusal(CLAUSE, _("只能指派在库的评审专家。"))]
    if line.status != Line.BANK_SUBMITTED:
        return [Refusal(CLAUSE, _("题库提交审核后才能指派评审专家。"))]
    period = review_in_period(line, actor, {})
    if period is not None:
        return [period]
    reasons = conflict_reasons(line, expert)
    if reasons:
        text = _("该专家与申请机构存在利益冲突（%(why)s），应当回避，不能指派其评审该题库。")
        return [Refusal(CONFLICT_CLAUSE, text % {"why": "；".join(reasons)})]
    live = round_assignments(line).filter(expert=expert)
    if live.exists():
        return [Refusal(CLAUSE, _("该专家已被指派评审本轮题库。"))]
    return []


TELL_ASSIGNED = Tell(
    Party.EXPERTS,
    _lazy("题库评审任务：%(institution)s %(occupation)s（%(level)s）"),
    _lazy(
        "省职业技能服务指导中心请您评审%(institution)s%(occupation)s（%(level)s）的题库，"
        "请在评审意见表中逐项填写意见并提交（N-4.2）。"
    ),
    channel=Channel.IN_APP,
)


def assign(line: ApplicationOccupation, expert: User, actor: User) -> BankReviewAssignment:
    """Assign ``expert`` to the line's current review round; ``TransitionRefused`` if not."""
    with transaction.atomic():
        # The line as stored, locked: a decision or a resubmission meanwhile waits or refuses.
        line = (
            ApplicationOccupation.objects.select_for_update(of=("self",))
            .select_related("application__institution", "occupation")
            .get(pk=line.pk)
        )
        refusals = assign_refusals(line, expert, actor)
        if refusals:
            raise TransitionRefused(refusals)
        assignment = BankReviewAssignment.objects.create(
            line=line,
            expert=expert,
            review_round=current_round(line),
            assigned_by=actor,
            assigned_at=clock.now(),
        )
        data = {"assignment": assignment.pk, "expert": expert.pk, "round": assignment.review_round}
        audit.record(
            "bank_reviewer_assigned", line, actor=actor, data=data, audience=Audience.STAFF
        )
        announce(assignment, TELL_ASSIGNED)
    return assignment


# ---- the expert's sheet --------------------------------------------------------------------


def save_sheet(
    assignment: BankReviewAssignment, findings: dict[str, str], recommendation: str
) -> BankReviewSheet:
    """Save the expert's sheet (a form save, audited internal); refused once submitted."""
    if assignment.status != Status.ASSIGNED:
        raise TransitionRefused([Refusal(CLAUSE, _("评审意见已提交或任务已撤回，不能再修改。"))])
    values: dict[str, Any] = {kind: findings.get(kind, "").strip() for kind in KINDS}
    values.update(recommendation=recommendation, updated_at=clock.now())
    with transaction.atomic():
        sheet, _created = BankReviewSheet.objects.update_or_create(
            assignment=assignment, defaults=values
        )
        audit.record(
            "bank_review_saved",
            assignment,
            actor=assignment.expert,
            data={"recommendation": recommendation},
            audience=Audience.INTERNAL,
        )
    assignment.sheet = sheet
    return sheet


def submit_sheet(
    assignment: BankReviewAssignment, findings: dict[str, str], recommendation: str, actor: User
) -> BankReviewAssignment:
    """Save and submit in one transaction; nothing saved when submitting is refused."""
    with transaction.atomic():
        save_sheet(assignment, findings, recommendation)
        submitted: BankReviewAssignment = perform(assignment, "submit_bank_review", actor)
    return submitted


# ---- relations, guards and effects of the assignment's workflow ----------------------------


def is_own_review(assignment: BankReviewAssignment, user: User) -> bool:
    return assignment.expert_id == user.pk


def province_staff(assignment: BankReviewAssignment, user: User) -> bool:
    return has_role(user, Role.PROVINCE_STAFF)


def round_open(assignment: BankReviewAssignment, actor: User, data: Data) -> Refusal | None:
    line = assignment.line
    if line.status != Line.BANK_SUBMITTED or assignment.review_round != current_round(line):
        return Refusal(CLAUSE, _("该轮题库评审已结束，评审意见不能再提交。"))
    return review_in_period(line, actor, data)


def not_conflicted(assignment: BankReviewAssignment, actor: User, data: Data) -> Refusal | None:
    if conflict_reasons(assignment.line, assignment.expert):
        return Refusal(
            CONFLICT_CLAUSE, _("您与该申请机构存在利益冲突，应当回避，不能提交评审意见。")
        )
    return None


def sheet_complete(assignment: BankReviewAssignment, actor: User, data: Data) -> list[Refusal]:
    sheet = BankReviewSheet.objects.filter(assignment=assignment).first()
    refusals = [
        Refusal(CLAUSE, _("请填写“%(kind)s”的评审意见。") % {"kind": label})
        for kind, label in Deliverable.Kind.choices
        if sheet is None or not getattr(sheet, kind).strip()
    ]
    if sheet is None or not sheet.recommendation:
        refusals.append(Refusal(CLAUSE, _("请选择评审结论（建议通过或建议不通过）。")))
    return refusals


def stamp_submitted(assignment: BankReviewAssignment, actor: User, data: Data) -> None:
    assignment.submitted_at = clock.now()
    data.update(line=assignment.line_id, round=assignment.review_round)


def register_review_transitions() -> None:
    REVIEWS.register(
        Transition(
            action="submit_bank_review",
            label=_("提交评审意见"),
            confirm=_("确定提交题库评审意见吗？提交后不能再修改。"),
            sources=frozenset({Status.ASSIGNED}),
            target=Status.SUBMITTED,
            roles=frozenset({Role.EXPERT}),
            relation=is_own_review,
            guards=(round_open, not_conflicted, sheet_complete),
            effects=(stamp_submitted,),
            style="success",
            audit_fields=("line", "round"),
            audience=Audience.INTERNAL,
            tell=(
                Tell(
                    Party.PROVINCE,
                    _lazy("题库评审意见已提交：%(institution)s %(occupation)s（%(level)s）"),
                    _lazy(
                        "一位评审专家已提交%(institution)s%(occupation)s（%(level)s）的题库评审意见。"
                    ),
                    channel=Channel.IN_APP,
                ),
            ),
        ),
        Transition(
            action="withdraw_bank_review",
            label=_("撤回评审任务"),
            confirm=_("确定撤回该专家的题库评审任务吗？"),
            sources=frozenset({Status.ASSIGNED}),
            target=Status.WITHDRAWN,
            roles=frozenset({Role.PROVINCE_STAFF}),
            relation=province_staff,
            style="outline-secondary",
            audience=Audience.STAFF,
            tell=(
                Tell(
                    Party.EXPERTS,
                    _lazy("题库评审任务已撤回：%(institution)s %(occupation)s（%(level)s）"),
                    _lazy(
                        "%(institution)s%(occupation)s（%(level)s）的题库评审任务已撤回，无需再评审。"
                    ),
                    channel=Channel.IN_APP,
                ),
            ),
        ),
    )
    register_party(BankReviewAssignment, Party.EXPERTS, _expert_of)
    register_party(
        BankReviewAssignment,
        Party.PROVINCE,
        lambda a: province(reverse("cultivation:line_review", args=[a.line_id])),
    )
    register_description(BankReviewAssignment, lambda a: describe_line(a.line))


def _expert_of(assignment: BankReviewAssignment) -> Recipients:
    url = reverse("cultivation:bank_review_sheet", args=[assignment.pk])
    return Recipients(users=[assignment.expert], url=url)


# ---- the decision (guards and the after effect on pass_bank / fail_bank) -------------------


def enough_sheets(line: ApplicationOccupation, actor: User, data: Data) -> Refusal | None:
    """Guard on ``pass_bank`` and ``fail_bank``: the experts' sheets come first (N-4.2)."""
    required, done = required_sheets(), submitted_count(line)
    if done >= required:
        return None
    text = _(
        "题库须经专家评审：至少 %(required)s 份评审意见提交后才能作出审核结论，目前 %(done)s 份。"
    )
    return Refusal(CLAUSE, text % {"required": required, "done": done})


def record_decision(line: ApplicationOccupation, actor: User, data: Data) -> None:
    """Store the decision with its comments per deliverable and close the round: assignments
    not submitted are withdrawn (through the engine)."""
    review_round = current_round(line)
    comments = {k: str(v).strip() for k, v in (data.get("comments") or {}).items() if k in KINDS}
    BankDecision.objects.create(
        line=line,
        review_round=review_round,
        outcome=BankDecision.Outcome.PASSED
        if line.status == Line.BANK_PASSED
        else BankDecision.Outcome.FAILED,
        occupation_name=line.occupation.name,
        level_label=line.get_level_display(),
        general=str(data.get("general", "") or "").strip(),
        comments={k: v for k, v in comments.items() if v},
        decided_by=actor,
        decided_at=clock.now(),
    )
    open_ = BankReviewAssignment.objects.filter(
        line=line, review_round=review_round, status=Status.ASSIGNED
    )
    for assignment in open_.select_related("line__occupation", "expert"):
        perform(assignment, "withdraw_bank_review", actor)


def compose_reason(general: str, comments: dict[str, str]) -> str:
    """The decision's text as the organization reads it: the general opinion, then one line
    per deliverable commented on (the transition's ``reason``, told in its message)."""
    lines = [general.strip()] if general.strip() else []
    for kind, label in Deliverable.Kind.choices:
        text = (comments.get(kind) or "").strip()
        if text:
            lines.append(f"{label}：{text}")
    return "\n".join(lines)


def decide(
    line: ApplicationOccupation,
    action: str,
    actor: User,
    general: str,
    comments: dict[str, str],
) -> ApplicationOccupation:
    """``pass_bank`` or ``fail_bank`` with the comments per deliverable."""
    reason = compose_reason(general, comments)
    decided: ApplicationOccupation = perform(
        line, action, actor, reason=reason, general=general, comments=comments
    )
    return decided


def decision_data(general: str, comments: dict[str, str]) -> dict[str, Any]:
    """What ``decide`` passes to the engine (for the view's precheck)."""
    return {
        "reason": compose_reason(general, comments),
        "general": general,
        "comments": comments,
    }


def last_decision(line: ApplicationOccupation) -> BankDecision | None:
    return BankDecision.objects.filter(line=line).order_by("-review_round", "-pk").first()


# ---- access ---------------------------------------------------------------------------------


def is_reviewer(line: ApplicationOccupation, user: User) -> bool:
    """An expert with a live assignment on the line (any round): reads its deliverables."""
    return (
        has_role(user, Role.EXPERT)
        and BankReviewAssignment.objects.filter(line=line, expert=user, status__in=LIVE).exists()
    )


def expert_assignments(user: User) -> QuerySet[BankReviewAssignment]:
    """An expert's assignments with what the list and the to-do read, newest first."""
    return (
        BankReviewAssignment.objects.filter(expert=user)
        .exclude(status=Status.WITHDRAWN)
        .select_related(
            "line__occupation",
            "line__application__institution",
            "line__application__cultivation_period",
        )
        .order_by("-assigned_at", "-pk")
    )
