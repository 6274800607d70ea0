"""Signed checkpoints of the audit chain's head, kept outside the database (docs/security.md).

A checkpoint is one JSON line appended to ``settings.EVALORG_AUDIT_CHECKPOINT_FILE``: the head
event's id, seq and hash, the number of events, the time and an HMAC-SHA256 of all of these under
the audit key. Someone who rewrites the database (even with the key, later) cannot change what
was written here; ``verify_checkpoints`` requires every checkpointed head to still be in the
chain with the same hash. The sweep appends one every ``EVALORG_AUDIT_CHECKPOINT_MINUTES``,
sealing appends one each time the chain passes a multiple of ``EVALORG_AUDIT_CHECKPOINT_EVENTS``,
and ``manage.py audit_checkpoint`` on demand; each line also goes to the logger
``evalorg.audit.checkpoint``, which production ships to a log host the database user cannot reach.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings

from . import audit, clock
from .models import AuditEvent

logger = logging.getLogger("evalorg.audit.checkpoint")
_SIGNED = ("id", "seq", "hash", "count", "at", "key_id")


def checkpoint_path() -> Path:
    return Path(settings.EVALORG_AUDIT_CHECKPOINT_FILE)


def _signature(entry: dict[str, Any]) -> str:
    return audit.mac(entry["key_id"], audit.canonical_json({k: entry[k] for k in _SIGNED}))


def read_checkpoints() -> list[dict[str, Any]]:
    path = checkpoint_path()
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def last_checkpoint() -> dict[str, Any] | None:
    """The file's last checkpoint, read from its end (the file grows by a line a quarter)."""
    path = checkpoint_path()
    if not path.exists():
        return None
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        end = handle.tell()
        handle.seek(max(0, end - 4096))
        lines = [line for line in handle.read().splitlines() if line.strip()]
    return json.loads(lines[-1]) if lines else None


def write_checkpoint() -> dict[str, Any]:
    """Append a signed checkpoint of the current head (the last sealed event by seq), after
    sealing whatever waits: a checkpoint covers sealed events only."""
    audit.seal_pending()
    sealed = AuditEvent.objects.sealed()
    head = sealed.order_by("-seq").first()
    entry: dict[str, Any] = {
        "id": head.pk if head else None,
        "seq": head.seq if head else 0,
        "hash": head.hash if head else audit.GENESIS,
        "count": sealed.count(),
        "at": clock.now().isoformat(),
        "key_id": audit.current_key_id(),
    }
    entry["mac"] = _signature(entry)
    path = checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_APPEND: every write goes to the end; nothing here ever rewrites the file.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(line := audit.canonical_json(entry))
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    logger.info("%s", line)  # a second anchor, shipped off the host by the log configuration
    return entry


def interval() -> timedelta:
    return timedelta(minutes=settings.EVALORG_AUDIT_CHECKPOINT_MINUTES)


def checkpoint_sweep() -> str:
    """Sweep: a checkpoint when the last one is ``interval()`` old or there is none."""
    last = last_checkpoint()
    if last and clock.now() - datetime.fromisoformat(last["at"]) < interval():
        return f"audit checkpoint: last one is less than {interval()} old"
    entry = write_checkpoint()
    return f"audit checkpoint written: seq {entry['seq']}"


def checkpoint_if_passed(before: int, after: int) -> None:
    """After sealing moved the head from seq ``before`` to ``after``: a checkpoint when that
    passed a multiple of ``EVALORG_AUDIT_CHECKPOINT_EVENTS``, so a busy hour leaves no long
    unanchored tail between two sweeps."""
    every = settings.EVALORG_AUDIT_CHECKPOINT_EVENTS
    if every > 0 and after // every > before // every:
        try:
            write_checkpoint()
        except OSError:  # the request that sealed has committed; the sweep writes it later
            logger.exception("audit checkpoint after seq %s not written", after)


@dataclass(frozen=True)
class CheckpointProblem:
    line: int
    seq: int | None
    reason: str


def verify_checkpoints() -> CheckpointProblem | None:
    """The first checkpoint the database no longer agrees with, or None. A checkpoint file that
    exists but holds none (emptied: the sweep never writes an empty file) is a problem
    anywhere; a missing one is in production once the chain has sealed events (issue 21 item
    9: deleting the file must not make the tail deletable unnoticed)."""
    entries = read_checkpoints()
    if not entries:
        return _no_checkpoints()
    by_seq = {
        event.seq: event
        for event in AuditEvent.objects.filter(seq__in=[e.get("seq") for e in entries])
    }
    for line, entry in enumerate(entries, start=1):
        reason = _checkpoint_mismatch(entry, by_seq.get(entry.get("seq")))
        if reason:
            return CheckpointProblem(line, entry.get("seq"), reason)
    return None


def _no_checkpoints() -> CheckpointProblem | None:
    path = checkpoint_path()
    if path.exists():
        return CheckpointProblem(0, None, "检查点文件为空（检查点文件被清空）")
    if settings.PRODUCTION and AuditEvent.objects.sealed().exists():
        return CheckpointProblem(
            0, None, "检查点文件不存在（生产环境须有检查点；请恢复该文件，或运行 audit_checkpoint）"
        )
    return None


def _checkpoint_mismatch(entry: dict[str, Any], event: AuditEvent | None) -> str:
    try:
        signed = hmac.compare_digest(_signature(entry), str(entry.get("mac", "")))
    except (audit.UnknownAuditKey, KeyError):
        signed = False
    if not signed:
        return "检查点签名无效（检查点文件被改写）"
    if entry["seq"] == 0:
        return ""
    if event is None:
        return f"链中缺少检查点记录的第 {entry['seq']} 号事件（链尾被截断或事件被删除）"
    if event.pk != entry["id"] or event.hash != entry["hash"]:
        return f"第 {entry['seq']} 号事件的哈希与检查点不符（检查点之后链被重写）"
    return ""
