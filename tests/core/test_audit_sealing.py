"""Audit events are written unsealed and sealed into the chain after commit (issue 18, item 5;
docs/decisions.md "Audit events sealed after commit"): writes wait for no shared lock, the chain
stays gap-free, a sealed event stays immutable, an unsealed one cannot be forged or edited."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, connections, models, transaction
from django.test.utils import CaptureQueriesContext

from evalorg.core import audit, checkpoints, clock
from evalorg.core.models import AuditEvent, AuditHead, AuditImmutable
from evalorg.core.sweeps import run_sweeps

pytestmark = pytest.mark.django_db


def _bypass_update(pk: int, **values) -> None:
    """What a forger with the database does: an UPDATE past the model's refusal."""
    models.QuerySet.update(AuditEvent.objects.filter(pk=pk), **values)


def test_record_leaves_the_event_unsealed_and_touches_no_head():
    with CaptureQueriesContext(connection) as queries:
        event = audit.record("written")
    assert not any("core_audithead" in q["sql"] for q in queries.captured_queries)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.seq, stored.prev_hash, stored.hash) == (None, None, None)
    assert stored.pending_mac and audit.pending_intact(stored)


def test_commit_seals_in_the_order_written(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        audit.record("first")
        audit.record("second")
    with django_capture_on_commit_callbacks(execute=True):
        audit.record("third")
    events = list(AuditEvent.objects.order_by("seq"))
    assert [(e.seq, e.action) for e in events] == [(1, "first"), (2, "second"), (3, "third")]
    assert events[1].prev_hash == events[0].hash
    head = AuditHead.objects.get(pk=1)
    assert (head.last_seq, head.last_hash) == (3, events[2].hash)
    assert audit.verify_chain(seal=False) == audit.ChainReport(True, 3)


def test_rolled_back_event_leaves_no_gap(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            audit.record("rolled_back")
            raise RuntimeError
        audit.record("kept")
    assert list(AuditEvent.objects.values_list("seq", "action")) == [(1, "kept")]


def test_sealed_event_stays_immutable_and_is_never_sealed_again():
    audit.record("once")
    audit.seal_pending()
    event = AuditEvent.objects.get()
    event.action = "changed"
    with pytest.raises(AuditImmutable):
        event.save()
    with pytest.raises(AuditImmutable):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    assert AuditEvent.objects.seal(event.pk, seq=9, prev_hash="0" * 64, hash="f" * 64) == 0
    assert AuditEvent.objects.get().hash == event.hash and audit.verify_chain().ok


def test_sweep_seals_what_a_dead_process_left_unsealed():
    audit.record("committed_then_crashed")  # on_commit never ran: the test never commits
    results = {r.name: r.summary for r in run_sweeps()}
    assert results["audit_seal"] == "audit seal: 1 events sealed"
    # (other sweeps may record their own events, e.g. the calendar reminder from November)
    assert AuditEvent.objects.get(action="committed_then_crashed").seq == 1


def test_checkpoint_covers_only_sealed_events_after_sealing():
    audit.record("a")
    audit.record("b")
    entry = checkpoints.write_checkpoint()
    assert (entry["seq"], entry["count"]) == (2, 2)
    assert entry["hash"] == AuditEvent.objects.get(seq=2).hash


def test_verify_chain_seals_first_or_reports_what_waits():
    audit.record("waiting")
    assert audit.verify_chain(seal=False) == audit.ChainReport(True, 0, pending=1)
    assert audit.verify_chain() == audit.ChainReport(True, 1)


def test_history_shows_unsealed_events_in_the_order_written(make_user):
    user = make_user()
    audit.seal_pending()
    audit.record("first", user)
    audit.record("second", user)
    assert [e.action for e in AuditEvent.objects.for_object(user)] == ["first", "second"]


def test_an_unsealed_row_inserted_in_the_database_is_never_chained():
    audit.record("real")
    forged = AuditEvent.objects.create(
        action="forged", created_at=clock.now(), key_id="dev", pending_mac="0" * 64
    )
    assert audit.seal_pending() == 1
    assert AuditEvent.objects.get(pk=forged.pk).hash is None
    report = audit.verify_chain()
    assert not report.ok and report.broken_id == forged.pk and "待封存校验码" in report.reason


def test_an_unsealed_row_edited_in_the_database_is_never_chained():
    event = audit.record("real", data={"amount": 1})
    _bypass_update(event.pk, data={"amount": 1000})
    assert audit.seal_pending() == 0
    report = audit.verify_chain()
    assert not report.ok and report.broken_id == event.pk


def _copy_of(event: AuditEvent) -> AuditEvent:
    fields = {
        f.attname: getattr(event, f.attname)
        for f in AuditEvent._meta.concrete_fields
        if f.attname not in {"id", "seq", "prev_hash", "hash"}
    }
    return AuditEvent(**fields)


@pytest.mark.parametrize("sealed", [False, True], ids=["unsealed", "sealed"])
def test_a_copied_event_cannot_be_chained_twice(sealed):
    """The copy carries a valid pending MAC (it is the original's), so only the unique column
    stops a replay of, say, an approval."""
    event = audit.record("approve", data={"case": 1})
    if sealed:
        audit.seal_pending()
    with pytest.raises(IntegrityError), transaction.atomic():
        _copy_of(AuditEvent.objects.get(pk=event.pk)).save()
    assert audit.verify_chain() == audit.ChainReport(True, 1)


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_audited_writes_on_unrelated_records_do_not_wait_for_each_other():
    """One transaction audits and stays open; another audits and commits meanwhile. With a
    lock held until commit (the audit head before issue 18) the second waits for the first."""
    first_wrote, second_done = threading.Event(), threading.Event()
    while_first_open: list[bool] = []

    def first() -> None:
        try:
            with transaction.atomic():
                audit.record("first")
                first_wrote.set()
                while_first_open.append(second_done.wait(timeout=3))
        finally:
            connections.close_all()

    def second() -> None:
        try:
            first_wrote.wait(timeout=5)
            with transaction.atomic():
                audit.record("second")
            second_done.set()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert while_first_open == [True], "the second write waited for the first one's commit"
    events = list(AuditEvent.objects.order_by("seq"))
    assert [(e.seq, e.action) for e in events] == [(1, "second"), (2, "first")]
    assert audit.verify_chain(seal=False).ok
