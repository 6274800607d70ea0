"""The audit chain is append-only and tamper-evident (DESIGN.md Audit, SPEC §8)."""

import pytest
from django.core.management import call_command
from django.db import connection

from evalorg.core import audit
from evalorg.core.models import AuditEvent, AuditImmutable

pytestmark = pytest.mark.django_db


def _three_events():
    audit.record("first", data={"n": 1, "text": "中文"})
    audit.record("second", data={"n": 2, "nested": {"b": 1, "a": [1, 2]}})
    audit.record("third", from_state="draft", to_state="submitted")
    audit.seal_pending()  # the test's transaction never commits, so seal as on_commit would
    return list(AuditEvent.objects.order_by("seq"))


def test_events_chain_by_hash_from_genesis():
    events = _three_events()
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == audit.GENESIS
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    assert audit.verify_chain().ok


def test_model_refuses_update_and_delete():
    event = _three_events()[0]
    event.action = "changed"
    with pytest.raises(AuditImmutable):
        event.save()
    with pytest.raises(AuditImmutable):
        event.delete()
    with pytest.raises(AuditImmutable):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AuditImmutable):
        AuditEvent.objects.all().delete()


def test_verify_audit_command_reports_ok_and_count(capsys):
    _three_events()
    call_command("verify_audit")
    assert "OK: 3 audit events" in capsys.readouterr().out


def _raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_edited_row_in_database_breaks_chain_and_is_named(capsys):
    events = _three_events()
    _raw("UPDATE core_auditevent SET action = %s WHERE id = %s", ["forged", events[1].pk])
    with pytest.raises(SystemExit) as excinfo:
        call_command("verify_audit")
    assert excinfo.value.code == 1
    err = capsys.readouterr().err
    assert f"id {events[1].pk}" in err and "被修改" in err


def test_deleted_row_in_database_breaks_chain_and_is_named(capsys):
    events = _three_events()
    _raw("DELETE FROM core_auditevent WHERE id = %s", [events[1].pk])
    with pytest.raises(SystemExit):
        call_command("verify_audit")
    assert f"id {events[2].pk}" in capsys.readouterr().err


def test_deleted_last_row_is_detected_by_the_head():
    events = _three_events()
    _raw("DELETE FROM core_auditevent WHERE id = %s", [events[2].pk])
    report = audit.verify_chain()
    assert not report.ok and report.broken_seq == 3


def test_event_rolls_back_with_its_transaction():
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record("will_roll_back")
        raise RuntimeError
    assert not AuditEvent.objects.filter(action="will_roll_back").exists()
    audit.record("after")
    assert audit.verify_chain().ok
