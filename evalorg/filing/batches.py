"""Acceptance batches (成熟一批，公布一批, N-4.3).

A batch is a leadership approval of kind acceptance (``selection.leadership``: one record and one
workflow for the leadership group's decisions). The center proposes a batch of cases whose
question bank passed; the department records the group's decision (date, meeting, minutes,
which cases), whose ``approve`` accepts the approved cultivating cases with ``perform_many`` in
the same transaction (the case's ``accept`` guard reads the approved entry); the center then
issues the approved cases' letters, which carry the batch's reference, and ``publish``es the
batch on the public page once every approved case has its letter.

A case filed early (成熟一批) comes back as a candidate when another of its lines passes
before its day 180: the batch holds cases, so the case is put to the group again and its entry
stands for its new lines only; its letter is a supplementary one (``services.issue_letter``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.files import File
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role
from evalorg.applications.models import Application, ApplicationOccupation, State
from evalorg.applications.workflow import Batch, Refusal, TransitionRefused, perform
from evalorg.core import audit
from evalorg.core.workflow import Channel, Party, Tell, announce
from evalorg.rounds.models import Round
from evalorg.selection.leadership import APPROVALS, Tick, propose, record_decision
from evalorg.selection.models import LeadershipApproval, LeadershipApprovalEntry

from . import services
from .models import FilingLetter

CLAUSE = "N-4.3"
Kind = LeadershipApproval.Kind
Status = LeadershipApproval.Status


def acceptance_batches() -> QuerySet[LeadershipApproval]:
    return LeadershipApproval.objects.filter(kind=Kind.ACCEPTANCE)


def letters_issued(batch: LeadershipApproval, actor, data: dict) -> Refusal | None:
    if batch.kind != Kind.ACCEPTANCE:
        return None
    if letters_missing(batch).exists():
        return Refusal(CLAUSE, _("审定同意的申请尚未全部签发备案函，不能公布。"))
    if documents_pending(batch).exists():
        return Refusal(CLAUSE, _("本批备案函文件尚在生成，生成完毕后方可公布。"))
    return None


def register_batch_transitions() -> None:
    """Publishing an acceptance batch waits for its letters (the letters are filing's)."""
    APPROVALS.add_guards("publish", letters_issued)


# ---- the center's proposal --------------------------------------------------------------------


def awaiting(application_ref: OuterRef) -> QuerySet[LeadershipApprovalEntry]:
    """The case's acceptance entries still in progress: in a batch awaiting decision, or
    approved and still without the letter issued for them."""
    return LeadershipApprovalEntry.objects.filter(
        application=application_ref, approval__kind=Kind.ACCEPTANCE
    ).filter(Q(approval__status=Status.PROPOSED) | Q(approved=True, filing_letter__isnull=True))


def candidates(round_: Round | None = None) -> QuerySet[Application]:
    """Cases ready for acceptance: at least one line whose bank passed and is not yet filed,
    not in a batch awaiting decision nor approved in one still without its letter; the case
    cultivating or accepted, or filed already for its other lines (accepted early, 成熟一批):
    then the batch files only its new lines, by a supplementary letter (N-4.2, N-4.3)."""
    passed = ApplicationOccupation.objects.filter(
        application=OuterRef("pk"), status=ApplicationOccupation.Status.BANK_PASSED
    )
    cases = (
        Application.objects.filter(state__in=[State.CULTIVATING, State.ACCEPTED, State.FILED])
        .filter(Exists(passed))
        .exclude(Exists(awaiting(OuterRef("pk"))))
    )
    if round_ is not None:
        cases = cases.filter(round=round_)
    return cases.select_related("institution__city", "round").order_by(
        "institution__city__code", "institution__name", "pk"
    )


TELL_PROPOSED = Tell(
    Party.DEPARTMENT,
    _lazy("验收批次待领导小组审定：%(title)s"),
    _lazy(
        "省职业技能服务指导中心已提出验收批次“%(title)s”（%(count)s 个机构），"
        "请报省职业技能等级认定工作领导小组审定后记录审定结果（N-4.3）。"
    ),
    channel=Channel.IN_APP,
    values=lambda batch, data: {"count": data["count"]},
)


def create_batch(
    round_: Round, title: str, applications: list[Application], user
) -> LeadershipApproval:
    ready = set(candidates(round_).values_list("pk", flat=True))
    refused = [a for a in applications if a.pk not in ready]
    if not applications or refused:
        names = "、".join(a.institution.name for a in refused)
        message = (
            _(
                "以下申请不能列入验收批次（须有题库审核通过、尚未备案的职业（工种），"
                "且未列入其他批次）：%(n)s"
            )
            % {"n": names}
            if refused
            else _("请至少勾选一个申请。")
        )
        raise TransitionRefused([Refusal(CLAUSE, message)])
    with transaction.atomic():
        batch = propose(Kind.ACCEPTANCE, round_, applications, user, title=title)
        audit.record(
            "acceptance_batch_created",
            batch,
            actor=user,
            data={"round": round_.pk, "title": title, "cases": [a.pk for a in applications]},
        )
        # No transition (a batch is created proposed): the department is told all the same,
        # the engine's way (issue 19: "a new batch tells nobody").
        announce(batch, TELL_PROPOSED, count=len(applications))
    return batch


# ---- the department's approval ----------------------------------------------------------------


def record_approval(
    batch: LeadershipApproval,
    ticks: list[Tick],
    *,
    decided_on: date | None,
    meeting_ref: str,
    minutes: File | None,
    user,
    note: str = "",
) -> Batch:
    """Record the group's decision on the batch (``leadership.record_decision``): its
    ``approve`` accepts the approved cultivating cases as one workflow batch; all or nothing."""
    _approval, moved = record_decision(
        batch,
        ticks,
        decided_on=decided_on,
        meeting_ref=meeting_ref,
        minutes=minutes,
        note=note,
        user=user,
    )
    return moved


# ---- the center's letters and publication -----------------------------------------------------


def letters_missing(batch: LeadershipApproval) -> QuerySet[LeadershipApprovalEntry]:
    """The batch's approved entries without the letter issued for them (a filing letter, or a
    supplementary one for a case filed in an earlier batch)."""
    return batch.entries.filter(approved=True, filing_letter__isnull=True)


def documents_pending(batch: LeadershipApproval) -> QuerySet[FilingLetter]:
    """The batch's letters issued whose DOCX or PDF is still being rendered (or failed)."""
    return services.documents_pending().filter(entry__approval=batch)


class Issued(list[FilingLetter]):
    """The letters issued by one ``issue_letters`` call, in entry order, and how many were
    handed to the task worker instead (``queued``, 0 when issued here)."""

    queued: int = 0


def issue_letters(batch: LeadershipApproval, user, *, limit: int | None = None) -> Issued:
    """Issue the letters of the batch's approved cases still without one, in entry order;
    each letter carries the batch's reference. Only once the batch is approved (N-4.3).

    The one place that decides where the loop runs: with more than ``limit`` letters to issue
    (the center's POST passes ``settings.EVALORG_LETTERS_IN_REQUEST``) the whole loop is
    handed to the task worker (``tasks.issue_batch_letters``, which calls this without a
    limit) and nothing is filed here: filing and numbering a case costs a fraction of a second
    and a batch of a hundred would outlast the app server's request timeout, cut off halfway.
    The batch page shows the progress (``progress``).

    Each case is filed and its letter numbered in a short transaction of its own (on SQLite a
    transaction locks the whole database: one over the whole batch kept every other writer
    waiting), so the numbers are gapless and a refusal changes nothing of its case; the
    letters before it stay issued and the button issues the rest. The documents are rendered
    afterwards by the task worker, outside any transaction (``services``), together with any
    of the batch's letters whose rendering failed before (the retry); the batch is published
    only once every letter and its documents exist (``letters_issued``)."""
    if batch.status != Status.APPROVED:
        raise TransitionRefused([Refusal(CLAUSE, _("验收批次经审定后方可签发备案函。"))])
    issued = Issued()
    if has_role(user, Role.PROVINCE_STAFF):
        services.queue_documents(list(documents_pending(batch)))
    missing = letters_missing(batch).select_related("application").order_by("pk")
    count = missing.count() if limit is not None else 0
    if limit is not None and count > limit:
        from .tasks import issue_batch_letters

        issue_batch_letters.enqueue(batch.pk, user.pk)
        issued.queued = count
        return issued
    for entry in missing:
        with transaction.atomic():
            letter = services.file_with_letter(entry.application, user)
        services.queue_documents([letter])
        issued.append(letter)
    return issued


@dataclass(frozen=True)
class Progress:
    """How far the batch's letters are (the batch page): ``approved`` cases, letters
    ``issued`` for them, of which ``rendered`` have their signed PDF and Word file, and
    whether the task worker is still issuing (``working``)."""

    approved: int
    issued: int
    rendered: int
    working: bool

    @property
    def done(self) -> bool:
        return self.rendered == self.approved and not self.working


def issuing_in_background(batch: LeadershipApproval) -> bool:
    """A ``issue_batch_letters`` task for the batch waits or runs (django-tasks-db's rows;
    none with another task backend)."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path="evalorg.filing.tasks.issue_batch_letters",
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
        args_kwargs__args__0=batch.pk,
    ).exists()


def progress(batch: LeadershipApproval) -> Progress:
    counts = batch.entries.filter(approved=True).aggregate(
        approved=Count("pk"),
        issued=Count("filing_letter"),
        rendered=Count(
            "filing_letter",
            filter=Q(filing_letter__pdf__isnull=False, filing_letter__docx__isnull=False),
        ),
    )
    return Progress(**counts, working=issuing_in_background(batch))


def publish(batch: LeadershipApproval, user) -> LeadershipApproval:
    return perform(batch, "publish", user)


def published_batches() -> QuerySet[LeadershipApproval]:
    """Published batches with their approved cases' organization, city and the letter issued
    for each (its number and the lines it filed), in a constant number of queries (the
    public page)."""
    from django.db.models import Prefetch

    entries = LeadershipApprovalEntry.objects.filter(approved=True).select_related(
        "application__institution__city", "filing_letter"
    )
    return (
        acceptance_batches()
        .filter(status=Status.PUBLISHED)
        .select_related("round")
        .prefetch_related(Prefetch("entries", queryset=entries, to_attr="approved_entries"))
        .order_by("-published_at", "-pk")
    )
