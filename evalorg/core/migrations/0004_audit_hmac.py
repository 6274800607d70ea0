"""Key the audit chain: add ``key_id`` and rehash every existing event with HMAC-SHA256.

Before this, links were plain SHA-256, which anyone with the database could recompute. The
old chain is verified first (a chain already broken is not laundered by rehashing), then every
event is rehashed in order under the current key (settings.EVALORG_AUDIT_KEY_ID) and the head
follows. Reversing drops the field; the old plain hashes cannot come back (docs/security.md).
"""

import hashlib
import json
from datetime import UTC

from django.core.serializers.json import DjangoJSONEncoder
from django.db import migrations, models

GENESIS = "0" * 64
FIELDS = (
    "seq", "created_at", "actor_id", "actor_label", "role", "ip", "user_agent", "object_type",
    "object_id", "action", "from_state", "to_state", "data",
)


def _canonical(payload):
    return json.dumps(
        payload, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )


def _plain_payload(event):
    payload = {name: getattr(event, name) for name in FIELDS}
    payload["created_at"] = event.created_at.astimezone(UTC).isoformat()
    if event.audience:
        payload["audience"] = event.audience
    return payload


def rehash(apps, schema_editor):
    from evalorg.core.audit import compute_hash, current_key_id

    AuditEvent = apps.get_model("core", "AuditEvent")
    AuditHead = apps.get_model("core", "AuditHead")
    key_id = current_key_id()
    prev_old = prev_new = GENESIS
    changed = []
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        text = prev_old + _canonical(_plain_payload(event))
        if event.prev_hash != prev_old or hashlib.sha256(text.encode()).hexdigest() != event.hash:
            raise RuntimeError(
                f"audit chain already broken at seq {event.seq}: not rehashed (run verify_audit)"
            )
        prev_old = event.hash
        event.key_id = key_id
        event.prev_hash = prev_new
        event.hash = prev_new = compute_hash(prev_new, event)
        changed.append(event)
    AuditEvent.objects.bulk_update(changed, ["key_id", "prev_hash", "hash"], batch_size=500)
    AuditHead.objects.filter(pk=1).update(last_hash=prev_new)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_auditevent_audience"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="key_id",
            field=models.CharField(blank=True, max_length=20, verbose_name="密钥编号"),
        ),
        migrations.RunPython(rehash, migrations.RunPython.noop),
    ]
