"""Faults (issue 12): a batch (``perform_many``) racing a single transition on one of its items.

Without care this deadlocks on PostgreSQL: the batch moves its first item (and takes the audit
head) before it locks the second; the single transition holds the second and then waits for the
audit head. ``perform_many`` therefore locks every item first. The interleaving is forced: the
single transition stops inside its effect, holding its row, until the batch has audited its
first item (or 2 seconds have passed, which is what happens once the batch locks first).
On SQLite, transactions take the write lock when they begin (IMMEDIATE), so the two are
serialised there whatever the order and the test passes either way; the deadlock is PostgreSQL's.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime

import pytest
import time_machine

from evalorg.applications import workflow
from evalorg.applications.models import ApplicationOccupation
from evalorg.core.models import AuditEvent
from tests.applications.conftest import SH, applicant_of, build_application
from tests.factories import CityStaffFactory
from tests.threads import in_thread

pytestmark = pytest.mark.django_db(transaction=True)
Status = ApplicationOccupation.Status
HOLD_SECONDS = 2


def test_a_batch_and_a_single_transition_on_one_item_do_not_deadlock(shared_database, monkeypatch):
    with time_machine.travel(datetime(2023, 5, 10, 10, 0, tzinfo=SH), tick=False):
        application = build_application(occupations=(("6-18-02-04", [5, 4, 3]),))
        workflow.perform(application, "submit", applicant_of(application))
    first, second, third = application.occupations.order_by("pk")
    staff = CityStaffFactory()
    shared_database()
    single_holds_row, batch_audited = threading.Event(), threading.Event()

    def hold(line, actor, data) -> None:
        if line.pk == second.pk and threading.current_thread().name == "single":
            single_holds_row.set()
            batch_audited.wait(HOLD_SECONDS)

    def audited(line, actor, data) -> None:
        if line.pk == first.pk:
            batch_audited.set()

    exclude = workflow.LINES.table["exclude"]
    patched = replace(exclude, effects=(*exclude.effects, hold), after=(audited,))
    monkeypatch.setitem(workflow.LINES.table, "exclude", patched)

    outcome: dict[str, object] = {}

    def single() -> None:
        try:
            workflow.perform(second, "exclude", staff, reason="单独排除")
            outcome["single"] = "done"
        except Exception as exc:
            outcome["single"] = exc

    def batch() -> None:
        try:
            workflow.perform_many([first, second, third], "exclude", staff, reason="批量")
            outcome["batch"] = "done"
        except Exception as exc:
            outcome["batch"] = exc

    threads = [threading.Thread(target=_closing(single), name="single")]
    threads[0].start()
    assert single_holds_row.wait(30)
    threads.append(threading.Thread(target=_closing(batch)))
    threads[1].start()
    for thread in threads:
        thread.join()

    # The single one held the row first and wins; the batch is refused as a whole, told that
    # its second item changed meanwhile. No deadlock (an OperationalError) on either side.
    assert outcome["single"] == "done", outcome
    assert isinstance(outcome["batch"], workflow.BatchRefused), outcome
    assert "已被他人处理" in str(outcome["batch"])

    def read():
        statuses = dict(ApplicationOccupation.objects.values_list("pk", "status"))
        return statuses, AuditEvent.objects.filter(action="exclude").count()

    statuses, excluded = in_thread(read)
    assert statuses[second.pk] == Status.EXCLUDED and excluded == 1
    assert statuses[first.pk] == statuses[third.pk] == Status.REQUESTED


def _closing(fn):
    from django.db import connections

    def run() -> None:
        try:
            fn()
        finally:
            connections.close_all()

    return run
