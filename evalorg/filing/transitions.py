"""The case's last two transitions (N-4.3), missing from applications' table until now:
``accept`` (cultivating → accepted, at least one occupation's question bank passed) and
``file_case`` (accepted → filed, once its filing letter exists), and ``file_supplement``
(filed → filed: lines that passed after the case was filed early, by a supplementary letter
of a later batch). Registered from
``FilingConfig.ready`` because filing sits above applications.

Both happen only for a case the leadership approved in an approved acceptance batch
(``batches``: a ``review.LeadershipApproval`` of kind acceptance): the notice admits
organizations to the list only "经报广东省职业技能等级认定工作领导小组同意后" (四(三)). The
department's ``record_approval`` accepts the approved cases; the center's ``issue_letters``
files them. Neither is offered on the case page (``offered``), and a forged request is
refused by the guard, whatever the role."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from evalorg.accounts.models import Role, User
from evalorg.applications.models import Application, ApplicationOccupation, State
from evalorg.applications.workflow import Refusal, Transition, register
from evalorg.core.audit import Audience

from .notifications import TELL_ACCEPTED, TELL_FILED, TELL_SUPPLEMENT

if TYPE_CHECKING:
    from evalorg.selection.models import LeadershipApproval, LeadershipApprovalEntry

CLAUSE = "N-4.3"
PROVINCE = frozenset({Role.PROVINCE_STAFF})


def not_approved() -> Refusal:
    """The refusal of acceptance or filing outside an approved acceptance batch."""
    return Refusal(
        CLAUSE,
        _(
            "该申请未在经省职业技能等级认定工作领导小组审定同意的验收批次中获得同意，"
            "不能验收通过或备案。"
        ),
    )


def has_passed_bank(application: Application, actor: User, data: dict[str, Any]) -> Refusal | None:
    if not application.occupations.filter(status=ApplicationOccupation.Status.BANK_PASSED).exists():
        return Refusal(CLAUSE, _("该申请没有题库审核通过的职业（工种），不能验收。"))
    return None


def approved_entries(
    application: Application, batch: LeadershipApproval | int | None = None
) -> QuerySet[LeadershipApprovalEntry]:
    """The case's approved entries in approved acceptance batches (``batch``: that one only)."""
    from evalorg.selection.models import LeadershipApproval, LeadershipApprovalEntry

    entries = LeadershipApprovalEntry.objects.filter(
        application=application,
        approved=True,
        approval__kind=LeadershipApproval.Kind.ACCEPTANCE,
        approval__status=LeadershipApproval.Status.APPROVED,
    )
    return entries if batch is None else entries.filter(approval_id=getattr(batch, "pk", batch))


def approved_in_batch(
    application: Application, actor: User, data: dict[str, Any]
) -> Refusal | None:
    """For every role: the case is approved in an approved batch (``data["approval"]`` when
    given, any otherwise)."""
    if not approved_entries(application, data.get("approval")).exists():
        return not_approved()
    return None


def has_letter(application: Application, actor: User, data: dict[str, Any]) -> Refusal | None:
    from .models import FilingLetter

    letters = FilingLetter.objects.filter(application=application, kind=FilingLetter.Kind.FILING)
    if not letters.exists():
        return Refusal(CLAUSE, _("该申请尚未生成备案函，不能备案。"))
    return None


def has_supplementary_letter(
    application: Application, actor: User, data: dict[str, Any]
) -> Refusal | None:
    """The case has its supplementary letter for the batch ``data["approval"]`` (N-4.3)."""
    from .models import FilingLetter

    letters = FilingLetter.objects.filter(
        application=application,
        kind=FilingLetter.Kind.SUPPLEMENTARY,
        entry__approval_id=data.get("approval"),
    )
    if data.get("approval") is None or not letters.exists():
        return Refusal(CLAUSE, _("该申请尚未生成本验收批次的补充备案函，不能补充备案。"))
    return None


def register_filing_transitions() -> None:
    register(
        Transition(
            action="accept",
            label=_("验收通过"),
            confirm=_("确定验收通过吗？提交后不能撤销。"),
            sources=frozenset({State.CULTIVATING}),
            target=State.ACCEPTED,
            roles=Role.PROVINCIAL,
            guards=(has_passed_bank, approved_in_batch),
            style="success",
            audience=Audience.APPLICANT,
            offered=False,
            tell=(TELL_ACCEPTED,),
        ),
        Transition(
            action="file_case",
            label=_("备案"),
            confirm=_("确定备案该机构吗？备案后不能撤销。"),
            sources=frozenset({State.ACCEPTED}),
            target=State.FILED,
            roles=PROVINCE,
            guards=(approved_in_batch, has_letter),
            style="success",
            audit_fields=("letter",),
            audience=Audience.APPLICANT,
            offered=False,
            tell=(TELL_FILED,),
        ),
        # A line that passed after its case was filed early (成熟一批，公布一批) is filed by a
        # supplementary letter issued for a later approved batch; the case stays filed, the
        # event records the letter (N-4.2, N-4.3). Only ``services.issue_letter`` performs it.
        Transition(
            action="file_supplement",
            label=_("补充备案职业（工种）"),
            confirm=_("确定补充备案吗？备案后不能撤销。"),
            sources=frozenset({State.FILED}),
            target=State.FILED,
            roles=PROVINCE,
            guards=(approved_in_batch, has_supplementary_letter),
            tell=(TELL_SUPPLEMENT,),
            style="success",
            audit_fields=("letter", "approval", "lines"),
            audience=Audience.APPLICANT,
            offered=False,
        ),
    )
