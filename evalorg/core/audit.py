"""Append-only, keyed hash-chained audit log (SPEC §8, DESIGN.md Audit, docs/security.md).

``record()`` is called inside the caller's transaction: the event commits or rolls back with
the change it describes. It is written unsealed and locks nothing shared, so audited writes on
unrelated records run in parallel; ``seal_pending()`` chains committed events in commit order
just after each commit (docs/decisions.md, "Audit events sealed after commit"). Each link is
HMAC-SHA256 under a secret that is not in the database (``settings.EVALORG_AUDIT_KEYS``, the
event stores only the key's id), so someone holding the database alone cannot recompute a
rewritten chain. ``verify_chain()`` walks the chain and names
the first broken link; ``core.checkpoints`` anchors the head outside the database.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
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

logger = logging.getLogger(__name__)

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


def signing_key_id() -> str:
    """The key a new event is signed with: the current one, never the development key on a
    chain another key signed."""
    key_id = current_key_id()
    if settings.EVALORG_AUDIT_KEYS[key_id] == settings.EVALORG_DEV_AUDIT_KEY:
        refuse_development_key_on_foreign_chain()
    return key_id


# Databases (by connection NAME) whose chain this process found signed with the development
# key: checked once per process, so an audited write costs no extra query after the first.
_DEV_KEY_CHECKED: set[str] = set()


def refuse_development_key_on_foreign_chain() -> None:
    """A command run without the production variables signs with the public development key.
    On a database whose chain another key signed (production's, or a copy of it) such events
    would later break production's ``verify_audit``: refuse before the first one is written,
    when the latest sealed event does not verify under the development key."""
    from django.db import connection

    database = str(connection.settings_dict["NAME"])
    if database in _DEV_KEY_CHECKED:
        return
    latest = AuditEvent.objects.exclude(seq=None).order_by("-seq").first()
    if latest is not None and not _signed_with_development_key(latest):
        raise ImproperlyConfigured(
            f"数据库 {database} 的审计链由另一把密钥（{latest.key_id}）签署，很可能是生产数据；"
            "本进程没有设置 EVALORG_AUDIT_KEY，拒绝用开发密钥签署审计事件。请先载入生产环境变量"
            "（set -a; . /srv/evalorg/.env）再运行。 / This database's audit chain is signed "
            f"with another key ({latest.key_id!r}), probably production's: refusing to sign "
            "audit events with the development key; load the production variables first."
        )
    _DEV_KEY_CHECKED.add(database)


def _signed_with_development_key(event: AuditEvent) -> bool:
    if settings.EVALORG_AUDIT_KEYS.get(event.key_id) != settings.EVALORG_DEV_AUDIT_KEY:
        return False
    return hmac.compare_digest(compute_hash(event.prev_hash or "", event), event.hash or "")


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
    return str(actor.get_username())


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
    """Append one event, unsealed, in the caller's transaction; it is sealed into the chain
    (``seal_pending``) once that transaction commits. IP and user agent come from the current
    request, if any. Nothing here waits for another writer: no shared row is locked."""
    meta = current_request_meta()
    if actor is None:
        actor = meta.user
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if audience is None:
        # An applicant's own actions are part of its history; an expert's are confidential to
        # the reviewing agency (SPEC §1); anything else is for staff.
        audience = DEFAULT_AUDIENCE.get(getattr(actor, "role", ""), Audience.STAFF)
    event = AuditEvent(
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
        # Round-trip through JSON so the stored data hashes the same after a database read.
        data=json.loads(canonical_json(data or {})),
        audience=audience,
        key_id=signing_key_id(),
    )
    event.pending_mac = compute_pending_mac(event)
    event.save()
    transaction.on_commit(seal_pending, robust=True)
    return event


# ---- sealing: chaining committed events in commit order ----------------------------------

SEAL_BATCH = 500


def compute_pending_mac(event: AuditEvent, nonce: str | None = None) -> str:
    """``nonce:HMAC`` of a random nonce and everything an event says but its place in the
    chain (``seq``). Set when it is written and checked by the sealer, so an unsealed row
    inserted or edited with database access alone (no key) is never chained; the column is
    unique, so a copied row (same nonce) cannot be chained a second time."""
    nonce = nonce or secrets.token_hex(8)
    body = {k: v for k, v in _payload(event).items() if k != "seq"}
    return f"{nonce}:{mac(event.key_id, f'pending:{nonce}:' + canonical_json(body))}"


def pending_intact(event: AuditEvent) -> bool:
    nonce, _, _ = (event.pending_mac or "").partition(":")
    if not nonce:
        return False
    try:
        expected = compute_pending_mac(event, nonce)
    except UnknownAuditKey:
        return False
    return hmac.compare_digest(expected, event.pending_mac or "")


def seal_pending() -> int:
    """Chain every committed unsealed event behind the head, in id order; returns how many.

    Runs after each audited commit (``record`` registers it), and from the sweeps, checkpoints,
    backups and ``verify_chain`` for leftovers (a process that died between commit and this).
    Each batch is its own short transaction holding the head row: sealers wait for one
    another, audited writes never wait for them. An unsealed event that fails its
    ``pending_mac`` is left out (and reported by ``verify_chain``)."""
    if not AuditEvent.objects.unsealed().exists():
        return 0
    total, after = 0, 0
    while True:
        sealed, following, head_seq = _seal_batch(after)
        total += sealed
        if following is None:
            break
        after = following
    if total:
        from .checkpoints import checkpoint_if_passed  # it imports this module

        checkpoint_if_passed(head_seq - total, head_seq)
    return total


def seal_sweep() -> str:
    """Sweep: seal events a process committed but died before sealing."""
    return f"audit seal: {seal_pending()} events sealed"


def _seal_batch(after: int) -> tuple[int, int | None, int]:
    """Seal up to ``SEAL_BATCH`` unsealed events with an id above ``after``; returns how many,
    the id to continue after (None when there are no more) and the head's seq."""
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        batch = list(AuditEvent.objects.unsealed().filter(pk__gt=after).order_by("id")[:SEAL_BATCH])
        seq, prev_hash = head.last_seq, head.last_hash
        for event in batch:
            if not pending_intact(event):
                logger.error("audit event id %s fails its pending MAC: not sealed", event.pk)
                continue
            seq += 1
            prev_hash = _seal_one(event, seq, prev_hash)
        if seq != head.last_seq:
            AuditHead.objects.filter(pk=1).update(last_seq=seq, last_hash=prev_hash)
    more = len(batch) == SEAL_BATCH
    return seq - head.last_seq, batch[-1].pk if more else None, seq


def _seal_one(event: AuditEvent, seq: int, prev_hash: str) -> str:
    event.seq, event.prev_hash = seq, prev_hash
    event.hash = compute_hash(prev_hash, event)
    if AuditEvent.objects.seal(event.pk, seq=seq, prev_hash=prev_hash, hash=event.hash) != 1:
        raise RuntimeError(f"audit event id {event.pk} was sealed by someone else")
    return event.hash


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    count: int
    broken_id: int | None = None
    broken_seq: int | None = None
    reason: str = ""
    # Committed events not sealed yet (written after this walk's sealing): not a fault.
    pending: int = 0


def _walk() -> Iterator[AuditEvent]:
    yield from AuditEvent.objects.sealed().order_by("seq").iterator(chunk_size=2000)


def verify_chain(*, seal: bool = True) -> ChainReport:
    """Walk the sealed chain from genesis and name the first broken link; then the head, then
    any unsealed event. Seals what is waiting first, unless ``seal`` is False."""
    if seal:
        seal_pending()
    head = AuditHead.objects.filter(pk=1).first()  # read before the walk: a lower bound
    prev_hash, count = GENESIS, 0
    for event in _walk():
        reason = _broken_link(event, count + 1, prev_hash)
        if reason:
            return ChainReport(False, count, event.pk, event.seq, reason)
        prev_hash, count = event.hash or "", count + 1
    return _tail_problem(head, count, prev_hash) or _unsealed_report(count)


def _tail_problem(head: AuditHead | None, count: int, last_hash: str) -> ChainReport | None:
    """The head must be the last link walked (a sealer may have moved it on during the walk)."""
    if head is None:
        return None
    if head.last_seq < count:
        head = AuditHead.objects.get(pk=1)
        if head.last_seq > count:
            return None
    if head.last_seq < count:
        reason = f"链头之后多出事件：链头记录 {head.last_seq} 个事件，实有 {count} 个"
        return ChainReport(False, count, None, head.last_seq + 1, reason)
    if head.last_seq > count or head.last_hash != last_hash:
        reason = f"链尾缺失：链头记录 {head.last_seq} 个事件，实有 {count} 个"
        return ChainReport(False, count, None, count + 1, reason)
    return None


def _unsealed_report(count: int) -> ChainReport:
    """Unsealed events must still match their ``pending_mac``: they are only waiting."""
    pending = 0
    for event in AuditEvent.objects.unsealed().order_by("id").iterator(chunk_size=2000):
        if not pending_intact(event):
            reason = "未封存的事件与其待封存校验码不符（在数据库中被插入或改写）"
            return ChainReport(False, count, event.pk, None, reason)
        pending += 1
    return ChainReport(True, count, pending=pending)


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
    if not hmac.compare_digest(expected, event.hash or ""):
        return "内容与哈希不符（被修改，或未用审计密钥重算）"
    return ""
