"""Acceptance batches (成熟一批，公布一批, N-4.3).

The center proposes a batch of cases whose question bank passed; the department records the
leadership's approval (date, meeting, minutes, which cases) and, in the same transaction,
accepts the approved cultivating cases with ``perform_many`` (the case's ``accept`` guard reads
the approved entry); the center then issues the approved cases' letters, which carry the
batch's reference, and publishes the batch on the public page. The batch's own status moves
only by its small workflow below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.files import File
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from evalorg.accounts.models import Role
from evalorg.applications.models import Application, ApplicationOccupation, State
from evalorg.applications.workflow import (
    Batch,
    Refusal,
    Transition,
    TransitionRefused,
    perform,
    perform_many,
)
from evalorg.core import audit, clock
from evalorg.core.files import atomic_uploads
from evalorg.core.workflow import define
from evalorg.documents.minutes import store_minutes
from evalorg.rounds.models import Round

from .models import AcceptanceBatch, AcceptanceEntry, FilingLetter
from .services import issue_letter

CLAUSE = "N-4.3"
PROVINCE = frozenset({Role.PROVINCE_STAFF})
DEPARTMENT = frozenset({Role.DEPARTMENT})
Status = AcceptanceBatch.Status

BATCHES = define(AcceptanceBatch, "status", "acceptance_batch")


# ---- the batch's workflow ----------------------------------------------------------------------


def has_approved_entry(batch: AcceptanceBatch, actor, data: dict) -> Refusal | None:
    if not batch.entries.filter(approved=True).exists():
        return Refusal(CLAUSE, _("请至少勾选一个审定同意的申请。"))
    return None


def has_minutes(batch: AcceptanceBatch, actor, data: dict) -> Refusal | None:
    if not (data.get("minutes") and data.get("meeting_ref") and data.get("decided_on")):
        return Refusal(CLAUSE, _("须记录会议日期、会议名称和会议纪要。"))
    return None


def letters_issued(batch: AcceptanceBatch, actor, data: dict) -> Refusal | None:
    if letters_missing(batch).exists():
        return Refusal(CLAUSE, _("审定同意的申请尚未全部签发备案函，不能公布。"))
    return None


def _record_decision(batch: AcceptanceBatch, actor, data: dict) -> None:
    batch.decided_on = data["decided_on"]
    batch.meeting_ref = data["meeting_ref"]
    batch.minutes = data["minutes"]
    batch.approved_by = actor
    data["minutes_sha256"] = batch.minutes.sha256


def _stamp_published(batch: AcceptanceBatch, actor, data: dict) -> None:
    batch.published_at = clock.now()


def register_batch_transitions() -> None:
    BATCHES.register(
        Transition(
            action="approve_acceptance",
            label=_("记录领导审定"),
            sources=frozenset({Status.PROPOSED}),
            target=Status.APPROVED,
            roles=DEPARTMENT,
            guards=(has_minutes, has_approved_entry),
            effects=(_record_decision,),
            style="success",
            audit_fields=("meeting_ref", "decided_on", "minutes_sha256", "approved", "deferred"),
        ),
        Transition(
            action="publish_acceptance",
            label=_("公布验收批次"),
            sources=frozenset({Status.APPROVED}),
            target=Status.PUBLISHED,
            roles=PROVINCE,
            guards=(letters_issued,),
            effects=(_stamp_published,),
            style="success",
        ),
    )


# ---- the center's proposal --------------------------------------------------------------------


def candidates(round_: Round | None = None) -> QuerySet[Application]:
    """Cases ready for acceptance: cultivating or accepted, at least one bank passed, no letter,
    and not already proposed in a batch awaiting decision or approved in one."""
    passed = ApplicationOccupation.objects.filter(
        application=OuterRef("pk"), status=ApplicationOccupation.Status.BANK_PASSED
    )
    pending = AcceptanceEntry.objects.filter(application=OuterRef("pk")).filter(
        Q(batch__status=Status.PROPOSED) | Q(approved=True)
    )
    cases = (
        Application.objects.filter(state__in=[State.CULTIVATING, State.ACCEPTED])
        .filter(Exists(passed))
        .exclude(Exists(pending))
        .exclude(Exists(FilingLetter.objects.filter(application=OuterRef("pk"))))
    )
    if round_ is not None:
        cases = cases.filter(round=round_)
    return cases.select_related("institution__city", "round").order_by(
        "institution__city__code", "institution__name", "pk"
    )


def create_batch(
    round_: Round, title: str, applications: list[Application], user
) -> AcceptanceBatch:
    ready = set(candidates(round_).values_list("pk", flat=True))
    refused = [a for a in applications if a.pk not in ready]
    if not applications or refused:
        names = "、".join(a.institution.name for a in refused)
        message = (
            _("以下申请不能列入验收批次（须培育中或已验收、题库审核通过且未列入其他批次）：%(n)s")
            % {"n": names}
            if refused
            else _("请至少勾选一个申请。")
        )
        raise TransitionRefused([Refusal(CLAUSE, message)])
    with transaction.atomic():
        batch = AcceptanceBatch.objects.create(
            round=round_, title=title, created_by=user, created_at=clock.now()
        )
        AcceptanceEntry.objects.bulk_create(
            AcceptanceEntry(batch=batch, application=a) for a in applications
        )
        audit.record(
            "acceptance_batch_created",
            batch,
            actor=user,
            data={"round": round_.pk, "title": title, "cases": [a.pk for a in applications]},
        )
    return batch


# ---- the department's approval ----------------------------------------------------------------


@dataclass(frozen=True)
class Tick:
    application_id: int
    approved: bool
    note: str = ""


def record_approval(
    batch: AcceptanceBatch,
    ticks: list[Tick],
    *,
    decided_on: date,
    meeting_ref: str,
    minutes: File,
    user,
) -> Batch:
    """Store the minutes and the ticks, approve the batch and accept its approved cultivating
    cases as one workflow batch; all or nothing (nothing stored when anything is refused)."""
    by_case = {t.application_id: t for t in ticks}
    with atomic_uploads():
        entries = list(batch.entries.select_related("application"))
        for entry in entries:
            tick = by_case.get(entry.application_id)
            entry.approved = bool(tick and tick.approved)
            entry.note = (tick.note if tick else "")[:500]
        AcceptanceEntry.objects.bulk_update(entries, ["approved", "note"])
        stored = store_minutes(minutes, user)
        perform(
            batch,
            "approve_acceptance",
            user,
            decided_on=decided_on,
            meeting_ref=meeting_ref,
            minutes=stored,
            approved=[e.application_id for e in entries if e.approved],
            deferred={str(e.application_id): e.note for e in entries if not e.approved},
        )
        to_accept = [
            e.application
            for e in entries
            if e.approved and e.application.state == State.CULTIVATING
        ]
        return perform_many(to_accept, "accept", user, batch=batch.pk)


# ---- the center's letters and publication -----------------------------------------------------


def letters_missing(batch: AcceptanceBatch) -> QuerySet[AcceptanceEntry]:
    """The batch's approved entries whose case has no letter yet."""
    return batch.entries.filter(approved=True).exclude(
        Exists(FilingLetter.objects.filter(application=OuterRef("application")))
    )


def issue_letters(batch: AcceptanceBatch, user) -> list[FilingLetter]:
    """Issue the letters of the batch's approved cases still without one, all or nothing;
    each letter carries the batch's reference. Only once the batch is approved (N-4.3)."""
    if batch.status != Status.APPROVED:
        raise TransitionRefused([Refusal(CLAUSE, _("验收批次经审定后方可签发备案函。"))])
    entries = letters_missing(batch).select_related("application")
    with atomic_uploads():
        return [issue_letter(e.application, user) for e in entries]


def publish(batch: AcceptanceBatch, user) -> AcceptanceBatch:
    return perform(batch, "publish_acceptance", user)


def published_batches() -> QuerySet[AcceptanceBatch]:
    """Published batches with their approved cases' organization, city and filed lines, in a
    constant number of queries (the public page)."""
    from django.db.models import Prefetch

    filed = ApplicationOccupation.objects.filter(
        status=ApplicationOccupation.Status.FILED
    ).select_related("occupation")
    entries = (
        AcceptanceEntry.objects.filter(approved=True)
        .select_related("application__institution__city", "application__filing_letter")
        .prefetch_related(
            Prefetch("application__occupations", queryset=filed, to_attr="filed_lines")
        )
    )
    return (
        AcceptanceBatch.objects.filter(status=Status.PUBLISHED)
        .select_related("round")
        .prefetch_related(Prefetch("entries", queryset=entries, to_attr="approved_entries"))
        .order_by("-published_at", "-pk")
    )
