"""Migration ``core.0005_audit_sealer`` keeps an existing chain valid: events written before it
verify unchanged, and new events chain on after them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from evalorg.core import audit
from evalorg.core.models import AuditEvent

BEFORE = [("core", "0004_audit_hmac")]


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate(target)
    return MigrationExecutor(connection).loader.project_state(target).apps


def _old_chain(apps) -> None:
    """Three events and the head as the code before issue 18 wrote them."""
    Event, Head = apps.get_model("core", "AuditEvent"), apps.get_model("core", "AuditHead")
    prev = audit.GENESIS
    for seq in (1, 2, 3):
        event = Event(
            seq=seq,
            created_at=datetime(2026, 1, seq, 8, 0, tzinfo=UTC),
            action=f"old_{seq}",
            data={"n": seq},
            audience="staff",
            prev_hash=prev,
            key_id="dev",
        )
        event.hash = audit.compute_hash(prev, event)
        event.save()
        prev = event.hash
    Head.objects.update_or_create(pk=1, defaults={"last_seq": 3, "last_hash": prev})


@pytest.mark.django_db(transaction=True)
def test_events_from_before_the_sealer_still_verify_and_new_ones_chain_on():
    leaf = MigrationExecutor(connection).loader.graph.leaf_nodes("core")
    try:
        _old_chain(migrate(BEFORE))
        migrate(leaf)
        assert audit.verify_chain(seal=False) == audit.ChainReport(True, 3)
        audit.record("new")  # autocommit: sealed on the spot
        new = AuditEvent.objects.get(action="new")
        assert new.seq == 4 and new.prev_hash == AuditEvent.objects.get(seq=3).hash
        assert audit.verify_chain(seal=False) == audit.ChainReport(True, 4)
    finally:
        # Every app back to its latest migration: rolling core back may unapply others' too.
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
