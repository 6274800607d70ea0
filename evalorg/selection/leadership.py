"""The leadership group's decision (广东省职业技能等级认定工作领导小组, notice 四(一)(三)): one
record (``LeadershipApproval``) and one workflow for both lists it approves.

- the provincial selection list (N-4.1.3): the department puts the selected cases to the group
  and records its decision in one step; ``approve`` moves the approved cases to
  ``leadership_approved`` (the case action ``approve``);
- an acceptance batch (N-4.3): the center proposes it (``filing.batches.create_batch``), the
  department records the decision; ``approve`` accepts the approved cultivating cases (the
  case action ``accept``); the center issues their letters and then ``publish``es the batch.

``approve`` (proposed → approved, department only) refuses without the meeting's date,
reference and minutes, or without one approved case, citing the kind's clause; the cases move
in its ``after`` step, through ``perform_many`` in the same transaction, so a refused case
leaves no decision. Deferred cases stay where they are, with their note.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.files import File
from django.utils.translation import gettext as _

from evalorg.accounts.models import Role, User
from evalorg.applications.models import Application
from evalorg.applications.workflow import (
    TABLE,
    Batch,
    Refusal,
    Transition,
    perform,
    perform_many,
)
from evalorg.core import clock
from evalorg.core.actions import trial_refusals
from evalorg.core.files import atomic_uploads
from evalorg.core.workflow import (
    Channel,
    Nobody,
    Party,
    Tell,
    TransitionRefused,
    check,
    define,
    lock,
)
from evalorg.documents.minutes import store_minutes
from evalorg.rounds.models import Round

from .models import LeadershipApproval, LeadershipApprovalEntry

Kind = LeadershipApproval.Kind
Status = LeadershipApproval.Status

APPROVALS = define(LeadershipApproval, "status", "leadership_approval")

CLAUSES = {Kind.SELECTION: "N-4.1.3", Kind.ACCEPTANCE: "N-4.3"}
# The case action that the approval moves its approved cases by, per kind.
CASE_ACTIONS = {Kind.SELECTION: "approve", Kind.ACCEPTANCE: "accept"}


def clause(approval: LeadershipApproval) -> str:
    return CLAUSES[Kind(approval.kind)]


# ---- guards and effects -----------------------------------------------------------------------


def has_minutes(approval: LeadershipApproval, actor: User, data: dict[str, Any]) -> Refusal | None:
    if not (data.get("minutes") and data.get("meeting_ref") and data.get("decided_on")):
        return Refusal(clause(approval), _("须记录会议日期、会议名称和会议纪要。"))
    return None


def has_approved_entry(
    approval: LeadershipApproval, actor: User, data: dict[str, Any]
) -> Refusal | None:
    if not approval.entries.filter(approved=True).exists():
        return Refusal(clause(approval), _("请至少勾选一个审定同意的申请。"))
    return None


def is_acceptance(
    approval: LeadershipApproval, actor: User, data: dict[str, Any]
) -> Refusal | None:
    if approval.kind != Kind.ACCEPTANCE:
        return Refusal(clause(approval), _("遴选名单经审定后通过公示公布，不在此公布。"))
    return None


def _record_decision(approval: LeadershipApproval, actor: User, data: dict[str, Any]) -> None:
    approval.decided_on = data["decided_on"]
    approval.meeting_ref = data["meeting_ref"]
    approval.minutes = data["minutes"]
    approval.note = str(data.get("note", approval.note))[:1000]
    approval.recorded_by = actor
    approval.recorded_at = clock.now()
    entries = list(approval.entries.all())
    data["minutes_sha256"] = data["minutes"].sha256
    data["approved"] = [e.application_id for e in entries if e.approved]
    data["deferred"] = {str(e.application_id): e.note for e in entries if not e.approved}


def cases_to_move(approval: LeadershipApproval) -> list[Application]:
    """The approved cases the approval moves: for acceptance those still cultivating (a case
    already accepted in an earlier batch only gains a letter), for selection all of them."""
    action = CASE_ACTIONS[Kind(approval.kind)]
    entries = approval.entries.filter(approved=True).select_related("application")
    cases = [e.application for e in entries.order_by("pk")]
    if approval.kind == Kind.ACCEPTANCE:
        cases = [a for a in cases if a.state in TABLE[action].sources]
    return cases


def _move_cases(approval: LeadershipApproval, actor: User, data: dict[str, Any]) -> None:
    moved = perform_many(
        cases_to_move(approval), CASE_ACTIONS[Kind(approval.kind)], actor, approval=approval.pk
    )
    approval.batch = moved.id
    approval.save(update_fields=["batch"])
    approval.moved = moved  # type: ignore[attr-defined]  # read by record_decision


def _stamp_published(approval: LeadershipApproval, actor: User, data: dict[str, Any]) -> None:
    approval.published_at = clock.now()


def register_leadership_transitions() -> None:
    APPROVALS.register(
        Transition(
            action="approve",
            label=_("记录领导小组审定"),
            sources=frozenset({Status.PROPOSED}),
            target=Status.APPROVED,
            roles=frozenset({Role.DEPARTMENT}),
            guards=(has_minutes, has_approved_entry),
            effects=(_record_decision,),
            after=(_move_cases,),
            style="success",
            audit_fields=("meeting_ref", "decided_on", "minutes_sha256", "approved", "deferred"),
            # The center acts next (letters, publicity); each moved case tells its institution.
            tell=(
                Tell(
                    Party.PROVINCE,
                    _("领导小组已审定：%(title)s"),
                    _("%(round)s“%(title)s”已经领导小组审定，请办理后续事项。"),
                    channel=Channel.IN_APP,
                ),
            ),
        ),
        Transition(
            action="publish",
            label=_("公布验收批次"),
            confirm=_("确定公布该验收批次吗？公布后名单即在公众查询页面公开，不能撤回。"),
            sources=frozenset({Status.APPROVED}),
            target=Status.PUBLISHED,
            roles=frozenset({Role.PROVINCE_STAFF}),
            guards=(is_acceptance,),  # filing adds: every approved case has its letter
            effects=(_stamp_published,),
            style="success",
            tell=Nobody("A public list; each institution was told when its case was filed."),
        ),
    )


# ---- recording the decision -------------------------------------------------------------------


@dataclass(frozen=True)
class Tick:
    """One case put to the group as the department recorded it: approved, or deferred with
    a note."""

    application_id: int
    approved: bool
    note: str = ""


def _tick(approval: LeadershipApproval, ticks: list[Tick]) -> None:
    by_case = {t.application_id: t for t in ticks}
    entries = list(approval.entries.all())
    for entry in entries:
        tick = by_case.get(entry.application_id)
        entry.approved = bool(tick and tick.approved)
        entry.note = (tick.note.strip() if tick else "")[:500]
    LeadershipApprovalEntry.objects.bulk_update(entries, ["approved", "note"])


def refusals(
    make: Callable[[], LeadershipApproval],
    ticks: list[Tick],
    user: User,
    *,
    decided_on: date | None,
    meeting_ref: str,
    minutes: File[Any] | None,
) -> list[Refusal]:
    """What ``approve`` would refuse for these ticks and this meeting, changing nothing: the
    pages' check before anything is stored (``make`` returns the approval, or proposes it
    for the selection, inside a transaction rolled back here)."""
    data = {"decided_on": decided_on, "meeting_ref": meeting_ref, "minutes": minutes}

    def attempt() -> None:
        approval = make()
        _tick(approval, ticks)
        if found := check(approval, "approve", user, data):
            raise TransitionRefused(found)

    return trial_refusals(attempt)


def record_decision(
    approval: LeadershipApproval,
    ticks: list[Tick],
    *,
    decided_on: date | None,
    meeting_ref: str,
    minutes: File[Any] | None,
    user: User,
    note: str = "",
) -> tuple[LeadershipApproval, Batch]:
    """Store the ticks and the minutes, then ``approve``, which moves the approved cases as one
    batch; all or nothing (a refusal leaves no tick, no file and no moved case)."""
    with atomic_uploads():
        approval = lock(approval, "approve")
        _tick(approval, ticks)
        stored = store_minutes(minutes, user) if minutes else None
        done: LeadershipApproval = perform(
            approval,
            "approve",
            user,
            decided_on=decided_on,
            meeting_ref=meeting_ref,
            minutes=stored,
            note=note,
        )
        moved: Batch = done.moved  # type: ignore[attr-defined]
    return done, moved


def propose(
    kind: str, round_: Round, applications: list[Application], user: User, title: str = ""
) -> LeadershipApproval:
    """A new approval put to the group with its cases (in the caller's transaction)."""
    approval = LeadershipApproval.objects.create(
        kind=kind, round=round_, title=title, created_by=user, created_at=clock.now()
    )
    LeadershipApprovalEntry.objects.bulk_create(
        LeadershipApprovalEntry(approval=approval, application=a) for a in applications
    )
    return approval


def approved_entry(application: Application, approval: int | None, kind: str) -> bool:
    """Whether ``application`` is approved in that approved ``approval`` of ``kind``."""
    return LeadershipApprovalEntry.objects.filter(
        approval_id=approval,
        approval__kind=kind,
        approval__status__in=(Status.APPROVED, Status.PUBLISHED),
        application=application,
        approved=True,
    ).exists()
