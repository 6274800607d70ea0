"""The scoresheet's workflow (附件3, N-4.1.2 / N-4.1.3; SPEC §5): draft → submitted → reopened.

The expert's saving of a draft is a form save (``save_draft``, compare-and-swap on ``version``),
not a state change; submitting and sending back are transitions moved only by ``perform()``:

* ``submit_scoresheet`` — the sheet's own expert, still on the case and not conflicted, while
  the case is being scored, with every item scored within its range and an overall opinion;
* ``reopen_scoresheet`` — staff of the panel's agency, with a reason, while scoring is open;
  the expert is told in-app (its ``tell``).

Every event is ``internal``: an applicant never learns which experts scored it.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from evalorg.accounts.models import Role, User
from evalorg.core import audit, clock
from evalorg.core.audit import Audience
from evalorg.core.workflow import Channel, Nobody, Party, Refusal, Tell, Transition, define, perform

from .conflicts import ConflictIndex
from .models import ConflictDeclaration, Scoresheet
from .scoring import sheet_total
from .services import assignment_for, template_for

CLAUSE = "N-4.1.2"
STEP = Decimal("0.5")
Status = Scoresheet.Status
EDITABLE = frozenset({Status.DRAFT, Status.REOPENED})

SHEETS = define(Scoresheet, "status", "scoresheet")


# ---- relations ----------------------------------------------------------------------------------


def is_own_scorer(sheet: Scoresheet, user: User) -> bool:
    """The sheet's own expert, still one of the case's scorers through the sheet's panel."""
    if sheet.expert_id != user.pk:
        return False
    assignment = assignment_for(user, sheet.application)
    return assignment is not None and assignment.panel_id == sheet.panel_id


def is_panel_staff(sheet: Scoresheet, user: User) -> bool:
    return user.agency_id is not None and user.agency_id == sheet.panel.agency_id


# ---- guards -------------------------------------------------------------------------------------


def scoring_still_open(sheet: Scoresheet, actor: User, data: dict[str, Any]) -> Refusal | None:
    from .panels import scoring_open

    if not scoring_open(sheet.application):
        return Refusal(CLAUSE, _("该申请的专家评估已结束，评估表不能再提交或退回。"))
    return None


def declared_without_conflict(
    sheet: Scoresheet, actor: User, data: dict[str, Any]
) -> Refusal | None:
    key = {"panel_id": sheet.panel_id, "application_id": sheet.application_id}
    if not ConflictDeclaration.objects.filter(**key, expert_id=sheet.expert_id).exists():
        return Refusal(CLAUSE, _("提交评估表前，请先声明是否存在利益冲突。"))
    index = ConflictIndex.for_applications([sheet.application], experts=[sheet.expert])
    if index.is_conflicted(sheet.panel_id, sheet.expert, sheet.application):
        return Refusal(CLAUSE, _("您与该申请机构存在利益冲突，应回避评分，不能提交评估表。"))
    return None


def scores_complete(sheet: Scoresheet, actor: User, data: dict[str, Any]) -> list[Refusal]:
    """Every item of the round's template scored, 0..max in steps of 0.5, and an opinion."""
    refusals = []
    for item in template_for(sheet.panel.round, sheet.panel.stage):
        names = {"t": item.title, "max": _points(item.max_points)}
        raw = sheet.scores.get(item.code)
        if raw is None or raw == "":
            refusals.append(Refusal(CLAUSE, _("请填写“%(t)s”的得分。") % names))
            continue
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite() or value < 0 or value > item.max_points or value % STEP:
            text = _("“%(t)s”的得分应在 0 到 %(max)s 分之间且为 0.5 的整数倍。") % names
            refusals.append(Refusal(CLAUSE, text))
    if not sheet.opinion:
        refusals.append(Refusal(CLAUSE, _("提交前请选择总体意见（推荐、不推荐或待定）。")))
    return refusals


def _points(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# ---- effects ------------------------------------------------------------------------------------


def stamp_submitted(sheet: Scoresheet, actor: User, data: dict[str, Any]) -> None:
    sheet.submitted_at = clock.now()
    items = template_for(sheet.panel.round, sheet.panel.stage)
    data.update(
        panel=sheet.panel_id,
        application=sheet.application_id,
        version=sheet.version,
        total=sheet_total(sheet.scores, items),
        opinion=sheet.opinion,
    )


def clear_submitted(sheet: Scoresheet, actor: User, data: dict[str, Any]) -> None:
    sheet.submitted_at = None
    sheet.version += 1
    data.update(
        panel=sheet.panel_id,
        application=sheet.application_id,
        expert=sheet.expert_id,
        version=sheet.version,
    )


def refresh_ranking(sheet: Scoresheet, actor: User, data: dict[str, Any]) -> None:
    """The case's stored aggregate follows its submitted sheets (issue 24)."""
    from .ranking import refresh_case

    refresh_case(sheet.application, sheet.panel.stage)


def register_scoresheet_transitions() -> None:
    SHEETS.register(
        Transition(
            action="submit_scoresheet",
            label=_("提交评估表"),
            confirm=_("确定提交评估表吗？提交后评估表锁定，不能再修改。"),
            sources=EDITABLE,
            target=Status.SUBMITTED,
            roles=frozenset({Role.EXPERT}),
            relation=is_own_scorer,
            guards=(scoring_still_open, declared_without_conflict, scores_complete),
            effects=(stamp_submitted,),
            after=(refresh_ranking,),
            style="success",
            audit_fields=("panel", "application", "version", "total", "opinion"),
            audience=Audience.INTERNAL,
            tell=Nobody(
                "Staff follow the sheets on the panel page; score_complete's guard reads them."
            ),
        ),
        Transition(
            action="reopen_scoresheet",
            label=_("退回修改"),
            sources=frozenset({Status.SUBMITTED}),
            target=Status.REOPENED,
            roles=Role.REVIEWING_STAFF,
            relation=is_panel_staff,
            guards=(scoring_still_open,),
            effects=(clear_submitted,),
            after=(refresh_ranking,),
            tell=(
                Tell(
                    Party.EXPERTS,
                    _("评估表已退回修改：%(institution)s"),
                    _("理由：%(reason)s"),
                    channel=Channel.IN_APP,
                ),
            ),
            needs_reason=True,
            style="outline-warning",
            audit_fields=("reason", "panel", "application", "expert", "version"),
            audience=Audience.INTERNAL,
        ),
    )


# ---- the expert's draft (a form save, not a state change) --------------------------------------


def save_draft(
    key: dict[str, Any],
    version: int,
    scores: dict[str, Any],
    comments: dict[str, Any],
    opinion: str,
    *,
    audited: bool = True,
) -> Scoresheet | None:
    """Compare-and-swap on ``version``; None when the page was stale or the sheet is locked.

    ``key`` is the sheet's panel, application and expert. The state is not touched: a new sheet
    starts as a draft, a reopened one stays reopened until it is submitted again."""
    values = {"scores": scores, "comments": comments, "opinion": opinion}
    with transaction.atomic():
        if version == 0:
            try:
                with transaction.atomic():
                    sheet = Scoresheet.objects.create(**key, **values, version=1)
            except IntegrityError:
                return None
        else:
            updated = Scoresheet.objects.filter(**key, version=version, status__in=EDITABLE).update(
                **values, version=F("version") + 1, updated_at=clock.now()
            )
            if not updated:
                return None
            sheet = Scoresheet.objects.select_related("panel__round").get(**key)
        if not audited:  # submitting: the transition's event says it all
            return sheet
        items = template_for(sheet.panel.round, sheet.panel.stage)
        audit.record(
            "scoresheet_saved",
            sheet,
            actor=sheet.expert,
            data={
                "panel": sheet.panel_id,
                "application": sheet.application_id,
                "version": sheet.version,
                "total": sheet_total(sheet.scores, items),
                "opinion": sheet.opinion,
            },
            audience=Audience.INTERNAL,
        )
    return sheet


def submit(
    key: dict[str, Any],
    version: int,
    scores: dict[str, Any],
    comments: dict[str, Any],
    opinion: str,
    expert: User,
) -> Scoresheet | None:
    """Save the typed values and submit them, in one transaction; None when the page was stale
    (as ``save_draft``); ``TransitionRefused`` (nothing saved) when submitting is refused."""
    with transaction.atomic():
        sheet = save_draft(key, version, scores, comments, opinion, audited=False)
        if sheet is None:
            return None
        submitted: Scoresheet = perform(sheet, "submit_scoresheet", expert)
        return submitted
