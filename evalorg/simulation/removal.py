"""Remove a simulated round and everything the simulation created (issue 23 item 5).

``remove_simulation(code, actor)`` deletes, in one transaction: the round with every record
under it (cases, lines, materials, review stages, panels, notices, periods, letters, batches…,
found by Django's cascade from the round and the simulated institutions, widened to whatever
protects them), the simulated institutions with their accounts, the shared simulated staff and
experts (``sim-center``, ``sim-dept``, ``sim-expert-NN``) once no other simulated round is
left, the in-app messages and outbox e-mails marked with the round's code, the task results
that name a removed record, and then the stored files (rows and bytes) nothing refers to any
more. The audit events stay: they are the keyed chain (removing one would break
``verify_audit``); an event's actor is kept by id and label. One ``simulation_removed`` event
records what was removed.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import models, router, transaction
from django.db.models.deletion import Collector, ProtectedError
from django.utils.translation import gettext as _

from evalorg.accounts.models import User
from evalorg.complaints.models import Complaint, ComplaintCounter
from evalorg.core import audit
from evalorg.core.files import remove_orphans
from evalorg.core.models import AuditEvent, StoredFile
from evalorg.cultivation.models import TrainingAttendance, TrainingSession
from evalorg.institutions.models import Institution
from evalorg.notify.models import Message, OutboundEmail
from evalorg.rounds.models import Round
from evalorg.rounds.simulated import is_simulated_code, simulated_rounds
from evalorg.supervision.models import Inspection, InspectionDraw

SHARED_USERS = re.compile(r"^sim-(center|dept|expert-\d+|staff-\d+|pool-\d+-\d+)$")
# Queued or finished tasks whose first argument is the id of a record of this model.
TASK_SUBJECTS = {
    "evalorg.filing.tasks.render_letter_documents": "filing.FilingLetter",
    "evalorg.filing.tasks.issue_batch_letters": "selection.LeadershipApproval",
    "evalorg.cultivation.tasks.check_bank": "cultivation.BankCheck",
}


class NotSimulated(Exception):
    """The round does not exist or is not a simulated one."""


def simulated_round(code: str) -> Round:
    round_ = Round.objects.filter(code=code).first()
    if round_ is None:
        raise NotSimulated(_("没有批次代码为 %(code)s 的批次。") % {"code": code})
    if not is_simulated_code(code):
        raise NotSimulated(
            _("批次 %(code)s 不是模拟批次（模拟批次代码以 sim- 开头），不能删除。") % {"code": code}
        )
    return round_


def _delete(roots: list[models.Model], removed: Counter[str], files: set[int]) -> None:
    """Delete ``roots`` with Django's cascade. A record that protects one of them (PROTECT)
    was made by the simulation too (nothing real points at a simulated record): it is deleted
    first, the same way."""
    groups: dict[type[models.Model], list[models.Model]] = {}
    for obj in roots:
        groups.setdefault(type(obj), []).append(obj)
    for group in groups.values():
        for _attempt in range(20):
            collector = Collector(using=router.db_for_write(Round))
            try:
                collector.collect(group)
            except ProtectedError as error:
                more = [o for o in error.protected_objects if not isinstance(o, AuditEvent)]
                if not more:
                    raise
                _delete(more, removed, files)
                continue
            files |= _file_ids(collector)
            removed.update({m._meta.label: len(objs) for m, objs in collector.data.items()})
            removed["django_tasks_db.DBTaskResult"] += _delete_task_results(collector)
            collector.delete()
            break
        else:
            raise ProtectedError("simulation removal made no progress", set(group))


def _file_ids(collector: Collector) -> set[int]:
    """The stored files the collected rows (and its fast deletes) point at, read from the tables:
    the collector loads only the columns it needs."""
    sets = [
        model._default_manager.filter(pk__in=[obj.pk for obj in objs])
        for model, objs in collector.data.items()
    ]
    ids: set[int] = set()
    for rows in [*sets, *collector.fast_deletes]:
        for field in rows.model._meta.concrete_fields:
            if isinstance(field, models.ForeignKey) and field.related_model is StoredFile:
                pointed = rows.filter(**{f"{field.attname}__isnull": False})
                ids |= set(pointed.values_list(field.attname, flat=True))
    return ids


def _delete_task_results(collector: Collector) -> int:
    from django_tasks_db.models import DBTaskResult

    removed = {
        model._meta.label: {obj.pk for obj in objs} for model, objs in collector.data.items()
    }
    doomed = [
        row.pk
        for row in DBTaskResult.objects.filter(task_path__in=TASK_SUBJECTS).only(
            "pk", "task_path", "args_kwargs"
        )
        if (row.args_kwargs.get("args") or [None])[0]
        in removed.get(TASK_SUBJECTS[row.task_path], set())
    ]
    return DBTaskResult.objects.filter(pk__in=doomed).delete()[0]


def _unused_complaint_counters() -> int:
    """A year's complaint counter that numbers no complaint any more goes with the simulation's
    complaints (a year with real complaints keeps its counter, numbers never reused)."""
    numbered = {
        int(number.split("-")[1]) for number in Complaint.objects.values_list("number", flat=True)
    }
    return ComplaintCounter.objects.exclude(year__in=numbered).delete()[0]


def _delete_users(users: list[User]) -> int:
    """Accounts are referenced by audit events (``actor``, no database constraint, PROTECT in
    Django): delete what hangs on them, then the rows themselves."""
    if not users:
        return 0
    ids = [user.pk for user in users]
    for relation in User._meta.related_objects:
        if relation.related_model is AuditEvent:
            continue
        related = relation.related_model._default_manager.filter(
            **{f"{relation.field.name}__in": ids}
        )
        if relation.many_to_many:
            continue
        related.delete()
    for field in User._meta.many_to_many:
        field.remote_field.through.objects.filter(**{f"{field.m2m_field_name()}__in": ids}).delete()
    User.objects.filter(pk__in=ids)._raw_delete(router.db_for_write(User))
    return len(ids)


def remove_simulation(code: str, actor: AbstractBaseUser | None = None) -> dict[str, int]:
    """Delete the simulated round ``code`` and what it created; returns rows per model."""
    with transaction.atomic():
        round_ = simulated_round(code)
        accounts = list(User.objects.filter(username__regex=rf"^{re.escape(code)}-\d{{3}}$"))
        institutions = list(Institution.objects.filter(memberships__user__in=accounts).distinct())
        removed: Counter[str] = Counter()
        files: set[int] = set()
        removed.update(
            {
                "notify.Message": Message.objects.filter(simulation=code).delete()[0],
                "notify.OutboundEmail": OutboundEmail.objects.filter(simulation=code).delete()[0],
            }
        )
        # Training sessions belong to an agency, not a round: those its institutions attended.
        attended = TrainingAttendance.objects.filter(institution__in=institutions)
        sessions = list(TrainingSession.objects.filter(pk__in=attended.values("session")))
        # Random-inspection draws belong to no round: those that drew only its institutions.
        draws = list(
            InspectionDraw.objects.filter(inspections__institution__in=institutions)
            .exclude(inspections__in=Inspection.objects.exclude(institution__in=institutions))
            .distinct()
        )
        _delete([round_, *institutions, *sessions, *draws], removed, files)
        removed["complaints.ComplaintCounter"] = _unused_complaint_counters()
        removed["core.StoredFile"] = len(remove_orphans(files))
        if not simulated_rounds().exists():
            accounts += [u for u in User.objects.filter(username__startswith="sim-") if
                         SHARED_USERS.match(u.username)]  # fmt: skip
        removed["accounts.User"] = _delete_users(accounts)
        counts = {label: n for label, n in sorted(removed.items()) if n}
        audit.record(
            "simulation_removed",
            actor=actor,
            actor_label="" if actor else "manage.py remove_simulation",
            data={"round": code, "removed": counts},
        )
    return counts


def describe(counts: dict[str, Any]) -> str:
    return "\n".join(f"  {label}: {n}" for label, n in counts.items())
