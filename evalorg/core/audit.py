"""Append-only, keyed hash-chained audit log (SPEC §8, DESIGN.md Audit, docs/security.md).

``record()`` is called inside the caller's transaction: the event commits or rolls back with
the change it describes. Each link is HMAC-SHA256 under a secret that is not in the database
(``settings.EVALORG_AUDIT_KEYS``, the event stores only the key's id), so someone holding the
database alone cannot recompute a rewritten chain. ``verify_chain()`` walks the chain and names
the first broken link; ``core.checkpoints`` anchors the head outside the database.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction

from . import clock
from .context import current_request_meta
from .models import AuditEvent, AuditHead

GENESIS = "0" * 64


class Audience(models.TextChoices):
    """Who may read an event (SPEC §1 confidentiality): the applicant sees only ``applicant``
    events, and then never an expert's identity; ``internal`` stays with the reviewing agency."""

    APPLICANT = "applicant", "申请机构可见"
    STAFF = "staff", "工作人员可见"
    INTERNAL = "internal", "内部"


HASHED_FIELDS = (
    "seq",
    "created_at",
    "actor_id",
    "actor_label",
    "role",
    "ip",
    "user_agent",
    "object_type",
    "object_id",
    "action",
    "from_state",
    "to_state",
    "data",
)


def canonical_json(value: Any) -> str:
    return json.dumps(
        value, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )


def _payload(event: AuditEvent) -> dict[str, Any]:
    payload = {name: getattr(event, name) for name in HASHED_FIELDS}
    payload["created_at"] = event.created_at.astimezone(UTC).isoformat()
    # Events written before audiences existed have none and hash as they always did.
    if event.audience:
        payload["audience"] = event.audience
    payload["key_id"] = event.key_id
    return payload


class UnknownAuditKey(Exception):
    """An event names a key id that is not in ``EVALORG_AUDIT_KEYS``."""


def current_key_id() -> str:
    key_id = settings.EVALORG_AUDIT_KEY_ID
    if key_id not in settings.EVALORG_AUDIT_KEYS:
        raise ImproperlyConfigured(f"EVALORG_AUDIT_KEY_ID {key_id!r} has no key")
    return key_id


def audit_key(key_id: str) -> bytes:
    try:
        return settings.EVALORG_AUDIT_KEYS[key_id].encode("utf-8")
    except KeyError:
        raise UnknownAuditKey(key_id) from None


def mac(key_id: str, text: str) -> str:
    """HMAC-SHA256 of ``text`` under the audit key ``key_id`` (hex)."""
    return hmac.new(audit_key(key_id), text.encode("utf-8"), "sha256").hexdigest()


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    return mac(event.key_id, prev_hash + canonical_json(_payload(event)))


DEFAULT_AUDIENCE = {"applicant": Audience.APPLICANT, "expert": Audience.INTERNAL}


def _label_of(actor: Any) -> str:
    if actor is None:
        return ""
    if getattr(actor, "role", "") == "system":
        return "系统"
    return actor.get_username()


def record(
    action: str,
    obj: models.Model | None = None,
    *,
    actor: Any = None,
    from_state: str = "",
    to_state: str = "",
    data: dict[str, Any] | None = None,
    actor_label: str = "",
    audience: str | None = None,
) -> AuditEvent:
    """Append one event. IP and user agent come from the current request, if any."""
    meta = current_request_meta()
    if actor is None:
        actor = meta.user
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if audience is None:
        # An applicant's own actions are part of its history; an expert's are confidential to
        # the reviewing agency (SPEC §1); anything else is for staff.
        audience = DEFAULT_AUDIENCE.get(getattr(actor, "role", ""), Audience.STAFF)
    # Round-trip through JSON so the stored data hashes the same after a database read.
    clean_data = json.loads(canonical_json(data or {}))
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        event = AuditEvent(
            seq=head.last_seq + 1,
            created_at=clock.now(),
            actor=actor,
            actor_label=actor_label or _label_of(actor),
            role=getattr(actor, "role", "") or "",
            ip=meta.ip,
            user_agent=(meta.user_agent or "")[:300],
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            action=action,
            from_state=from_state,
            to_state=to_state,
            data=clean_data,
            audience=audience,
            prev_hash=head.last_hash,
            key_id=current_key_id(),
        )
        event.hash = compute_hash(head.last_hash, event)
        event.save()
        AuditHead.objects.filter(pk=1).update(last_seq=event.seq, last_hash=event.hash)
    return event


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    count: int
    broken_id: int | None = None
    broken_seq: int | None = None
    reason: str = ""


def _walk() -> Iterator[AuditEvent]:
    yield from AuditEvent.objects.order_by("seq").iterator(chunk_size=2000)


def verify_chain() -> ChainReport:
    prev_hash = GENESIS
    expected_seq = 1
    count = 0
    for event in _walk():
        reason = _broken_link(event, expected_seq, prev_hash)
        if reason:
            return ChainReport(False, count, event.pk, event.seq, reason)
        prev_hash = event.hash
        expected_seq += 1
        count += 1
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.last_seq != count or head.last_hash != prev_hash):
        reason = f"链尾缺失：链头记录 {head.last_seq} 个事件，实有 {count} 个"
        return ChainReport(False, count, None, count + 1, reason)
    return ChainReport(True, count)


def _broken_link(event: AuditEvent, expected_seq: int, prev_hash: str) -> str:
    """Why ``event`` does not continue the chain, or "" when it does."""
    if event.seq != expected_seq:
        return f"序号不连续：应为 {expected_seq}，实为 {event.seq}（有事件被删除或调换）"
    if event.prev_hash != prev_hash:
        return "前一哈希与上一事件不符（被调换或改写）"
    try:
        expected = compute_hash(prev_hash, event)
    except UnknownAuditKey:
        return f"密钥编号“{event.key_id}”未配置（伪造，或缺少轮换前的旧密钥）"
    if not hmac.compare_digest(expected, event.hash):
        return "内容与哈希不符（被修改，或未用审计密钥重算）"
    return ""
