"""The audit chain needs a secret to forge and is anchored outside the database (issue #11,
docs/security.md "Audit chain"): a forger holding the stored data alone, edits, deletions,
reordering and a truncated tail are all caught, and ``verify_audit`` names the first broken link.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import subprocess
import sys
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from evalorg.core import audit, checkpoints, clock
from evalorg.core.models import AuditEvent
from evalorg.core.sweeps import run_sweeps

pytestmark = pytest.mark.django_db


def _events(n: int = 5) -> list[AuditEvent]:
    for i in range(n):
        audit.record(f"step_{i}", data={"i": i, "text": "中文"})
    audit.seal_pending()  # the test's transaction never commits, so seal as on_commit would
    return list(AuditEvent.objects.order_by("seq"))


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _verify(capsys) -> str:
    with pytest.raises(SystemExit) as excinfo:
        call_command("verify_audit")
    assert excinfo.value.code == 1
    return capsys.readouterr().err


def _rewrite_from(seq: int, hasher) -> None:
    """What a forger with database access does: change event ``seq``, recompute every later
    link with ``hasher`` and move the head, so that the stored chain is self-consistent."""
    _raw("UPDATE core_auditevent SET action = %s WHERE seq = %s", ["forged", seq])
    prev = AuditEvent.objects.get(seq=seq).prev_hash
    for event in AuditEvent.objects.filter(seq__gte=seq).order_by("seq"):
        new_hash = hasher(prev, event)
        _raw(
            "UPDATE core_auditevent SET prev_hash = %s, hash = %s WHERE id = %s",
            [prev, new_hash, event.pk],
        )
        prev = new_hash
    _raw("UPDATE core_audithead SET last_hash = %s WHERE id = 1", [prev])


def _plain_sha256(prev: str, event: AuditEvent) -> str:
    text = prev + audit.canonical_json(audit._payload(event))
    return hashlib.sha256(text.encode()).hexdigest()


def _wrong_key(prev: str, event: AuditEvent) -> str:
    import hmac

    text = prev + audit.canonical_json(audit._payload(event))
    return hmac.new(b"guessed-key", text.encode(), "sha256").hexdigest()


def test_links_are_keyed_and_carry_the_key_id():
    events = _events(2)
    assert {e.key_id for e in events} == {"dev"}
    assert events[1].hash != _plain_sha256(events[1].prev_hash, events[1])
    assert audit.verify_chain().ok


@pytest.mark.parametrize("hasher", [_plain_sha256, _wrong_key], ids=["no-key", "wrong-key"])
def test_forger_with_the_stored_data_alone_is_caught(hasher, capsys):
    events = _events()
    _rewrite_from(2, hasher)
    err = _verify(capsys)
    assert f"id {events[1].pk} (seq 2)" in err and "被修改" in err


def test_forger_with_the_key_is_caught_by_an_earlier_checkpoint(capsys):
    """Even an insider holding the key cannot rewrite what a checkpoint already anchored."""
    _events()
    checkpoints.write_checkpoint()
    _rewrite_from(2, audit.compute_hash)
    assert audit.verify_chain().ok  # self-consistent under the real key
    err = _verify(capsys)
    assert "checkpoint line 1" in err and "seq 5" in err and "重写" in err


def test_swapped_rows_are_detected_at_the_first_one(capsys):
    events = _events()
    _raw("UPDATE core_auditevent SET seq = %s WHERE id = %s", [1000, events[1].pk])
    _raw("UPDATE core_auditevent SET seq = %s WHERE id = %s", [2, events[2].pk])
    _raw("UPDATE core_auditevent SET seq = %s WHERE id = %s", [3, events[1].pk])
    err = _verify(capsys)
    assert f"id {events[2].pk} (seq 2)" in err and "调换" in err


def test_deleted_first_row_is_named(capsys):
    events = _events()
    _raw("DELETE FROM core_auditevent WHERE id = %s", [events[0].pk])
    assert f"id {events[1].pk} (seq 2)" in _verify(capsys)


def test_truncated_tail_with_the_head_moved_back_is_caught_by_the_checkpoint(capsys):
    events = _events()
    checkpoints.write_checkpoint()
    _raw("DELETE FROM core_auditevent WHERE seq >= %s", [4])
    _raw("UPDATE core_audithead SET last_seq = 3, last_hash = %s WHERE id = 1", [events[2].hash])
    assert audit.verify_chain().ok
    err = _verify(capsys)
    assert "seq 5" in err and "截断" in err


def test_edited_checkpoint_file_is_detected(capsys):
    _events()
    entry = checkpoints.write_checkpoint()
    path = checkpoints.checkpoint_path()
    forged = {**entry, "count": 99}
    path.write_text(json.dumps(forged) + "\n", encoding="utf-8")
    assert "签名无效" in _verify(capsys)


def test_intact_chain_and_checkpoints_pass(capsys):
    _events(3)
    checkpoints.write_checkpoint()
    audit.record("later")
    checkpoints.write_checkpoint()
    call_command("verify_audit")
    assert "OK: 4 audit events, chain intact, 2 checkpoints agree" in capsys.readouterr().out


def test_the_sweep_appends_one_every_interval(time_machine, settings):
    settings.EVALORG_AUDIT_CHECKPOINT_MINUTES = 15
    time_machine.move_to("2026-06-01 09:00 +08:00", tick=False)
    _events(1)
    for _ in range(2):
        run_sweeps()
    assert len(checkpoints.read_checkpoints()) == 1
    time_machine.move_to(clock.now() + timedelta(minutes=14), tick=False)
    run_sweeps()
    assert len(checkpoints.read_checkpoints()) == 1
    time_machine.move_to(clock.now() + timedelta(minutes=1), tick=False)
    run_sweeps()
    lines = checkpoints.read_checkpoints()
    assert len(lines) == 2 and lines[-1]["seq"] == 1 and lines[-1]["count"] == 1


def test_sealing_appends_a_checkpoint_every_k_events(settings):
    """A busy quarter of an hour leaves at most K events unanchored (issue 21 item 9)."""
    settings.EVALORG_AUDIT_CHECKPOINT_EVENTS = 4
    _events(3)
    assert checkpoints.read_checkpoints() == []
    _events(2)  # seq 4 and 5: passes 4
    assert [line["seq"] for line in checkpoints.read_checkpoints()] == [5]
    _events(2)
    assert len(checkpoints.read_checkpoints()) == 1
    _events(1)  # seq 8
    assert [line["seq"] for line in checkpoints.read_checkpoints()] == [5, 8]


def test_each_checkpoint_is_also_logged_for_a_remote_log(caplog):
    _events(2)
    with caplog.at_level("INFO", logger="evalorg.audit.checkpoint"):
        entry = checkpoints.write_checkpoint()
    [logged] = [r for r in caplog.records if r.name == "evalorg.audit.checkpoint"]
    assert json.loads(logged.getMessage()) == entry


def test_a_tail_cut_is_caught_without_anyone_writing_a_checkpoint(capsys, settings):
    """Only K events after the last checkpoint can be cut unnoticed: the K-th anchors itself."""
    settings.EVALORG_AUDIT_CHECKPOINT_EVENTS = 5
    events = _events(5)
    _raw("DELETE FROM core_auditevent WHERE seq >= %s", [4])
    _raw("UPDATE core_audithead SET last_seq = 3, last_hash = %s WHERE id = 1", [events[2].hash])
    err = _verify(capsys)
    assert "seq 5" in err and "截断" in err


def test_rotated_key_verifies_old_events_only_while_the_old_key_is_kept(settings):
    _events(2)
    settings.EVALORG_AUDIT_KEYS = {"dev": "dev-only-audit-key", "k2": "n" * 40}
    settings.EVALORG_AUDIT_KEY_ID = "k2"
    audit.record("after_rotation")
    audit.seal_pending()
    assert AuditEvent.objects.get(seq=3).key_id == "k2"
    assert audit.verify_chain().ok
    settings.EVALORG_AUDIT_KEYS = {"k2": "n" * 40}
    report = audit.verify_chain()
    assert not report.ok and report.broken_seq == 1 and "未配置" in report.reason


@pytest.mark.parametrize(
    "extra",
    [{}, {"EVALORG_AUDIT_KEY": "short"}],
    ids=["no-key", "short-key"],
)
def test_production_refuses_to_start_without_an_audit_key(extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EVALORG_", "DJANGO_SECRET"))}
    env.update(EVALORG_PRODUCTION="1", DJANGO_SECRET_KEY=secrets.token_urlsafe(50), **extra)
    run = subprocess.run(
        [sys.executable, "-c", "import evalorg.settings"], env=env, capture_output=True, text=True
    )
    assert run.returncode != 0 and "EVALORG_AUDIT_KEY" in run.stderr


def test_an_emptied_checkpoint_file_fails(capsys):
    """Issue 21 item 9: an empty checkpoint file verified as OK."""
    _events(3)
    checkpoints.write_checkpoint()
    checkpoints.checkpoint_path().write_text("", encoding="utf-8")
    assert "检查点文件为空" in _verify(capsys)


def test_a_missing_checkpoint_file_fails_in_production_only(capsys, settings):
    _events(3)
    assert not checkpoints.checkpoint_path().exists()
    call_command("verify_audit")  # development: no checkpoint yet is normal
    assert "OK: 3 audit events" in capsys.readouterr().out
    settings.PRODUCTION = True
    assert "检查点文件不存在" in _verify(capsys)
    checkpoints.write_checkpoint()
    call_command("verify_audit")
    assert "1 checkpoints agree" in capsys.readouterr().out
