"""Every record with a state moves only through the engine (issue 18, SPEC §5).

Two walks that fail when a later change lets a state slip past ``perform()``: every model with
a state-like field has a workflow over that field, and no module outside the engine assigns a
state field or updates it in bulk.
"""

from __future__ import annotations

import re

from django.apps import apps
from django.db import models

from evalorg.core.workflow import workflows
from tests.source_search import lines_matching

# Job bookkeeping, not records of the selection process: no person acts on them, their state
# is the progress of a background job, and auditing each step would bury the case histories.
JOB_RECORDS = {
    "django_tasks_database.DBTaskResult": "the task queue's own result rows (third party)",
    "notify.OutboundEmail": "the e-mail outbox: queued, sending, sent, failed per attempt",
    "cultivation.BankCheck": "progress of one background check of an uploaded question bank",
}
# Fields that look like states but record one: an audit event's before and after.
NOT_STATES = {("core.AuditEvent", "from_state"), ("core.AuditEvent", "to_state")}
STATE_NAMES = re.compile(r"^(state|status|confirmation|attendance)$|_(state|status)$")


def state_fields() -> list[tuple[str, str]]:
    found = []
    for model in apps.get_models():
        label = model._meta.label
        if label in JOB_RECORDS:
            continue
        for field in model._meta.concrete_fields:
            if STATE_NAMES.search(field.name) and (label, field.name) not in NOT_STATES:
                found.append((label, field.name))
    return found


def test_every_state_field_has_a_workflow() -> None:
    covered = {(w.model._meta.label, w.state_field) for w in workflows()}
    missing = [f"{label}.{name}" for label, name in state_fields() if (label, name) not in covered]
    assert not missing, f"state fields without a workflow (define() them): {missing}"


def test_the_walk_sees_the_records_it_protects() -> None:
    """Positive control: the walk finds the case, its lines and the job records it skips."""
    found = set(state_fields())
    assert ("applications.Application", "state") in found
    assert ("applications.ApplicationOccupation", "status") in found
    for label in JOB_RECORDS:
        model = apps.get_model(label)
        assert any(isinstance(f, models.CharField) for f in model._meta.concrete_fields)


# ``x.state = …``, ``x.status = …`` and bulk ``update(status=…)`` outside the engine.
ASSIGNMENT = re.compile(
    r"\.(state|status|confirmation|attendance|recommended)\s*=(?!=)"
    r"|\.update\([^)]*\b(state|status|confirmation|attendance|recommended)\s*=(?!=)"
)
# Where such a line is the engine itself or a job record's own bookkeeping.
ALLOWED = {
    "core/workflow.py": "the engine",
    "notify/outbox.py": "notify.OutboundEmail is a job record",
    "cultivation/bank_checks.py": "cultivation.BankCheck is a job record",
    "api/cases.py": "an HTTP error's status code, not a record's state",
    # The stage decision is the effect of recommend / not_recommend / select / reject
    # (stores_decision, clear_decision): written inside perform(), under the case's row lock.
    "review/transitions.py": "the decision transitions' own effects",
}


def test_no_state_is_assigned_outside_the_engine() -> None:
    offending = lines_matching(ASSIGNMENT, ALLOWED)
    assert not offending, "states set outside perform():\n" + "\n".join(offending)


def test_the_search_finds_an_assignment() -> None:
    """Positive control: the pattern matches the shapes it must refuse."""
    for line in (
        "case.state = State.FILED",
        "slot.confirmation = Confirmation.CONFIRMED",
        "Scoresheet.objects.filter(pk=1).update(status='submitted')",
        "ReviewStage.objects.filter(pk=1).update(sent_at=now, recommended=None)",
    ):
        assert ASSIGNMENT.search(line), line
    assert not ASSIGNMENT.search("if case.state == State.FILED:")
    assert not ASSIGNMENT.search("context.update(can_decide=line.status == Status.SUBMITTED)")
