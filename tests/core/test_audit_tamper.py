"""Every hashed field of an audit event is covered by its link (issue 18, item 7): each one,
edited directly in the database on a sealed event, breaks the chain at that event; edited on
an unsealed event, the sealer refuses it. Dropping a field from the hashed payload
(``core.audit._payload``) makes its case here fail."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import models

from evalorg.core import audit
from evalorg.core.models import AuditEvent

pytestmark = pytest.mark.django_db

# A value differing from the recorded event's, for every field that enters the hash.
FORGED = {
    "seq": 99,
    "created_at": datetime(2020, 1, 1, tzinfo=UTC),
    "actor_id": 987654,
    "actor_label": "冒名顶替",
    "role": "admin",
    "ip": "10.9.9.9",
    "user_agent": "forged-agent",
    "object_type": "accounts.agency",
    "object_id": "999",
    "action": "forged",
    "from_state": "x",
    "to_state": "y",
    "data": {"amount": 1000},
    "audience": "internal",
    "key_id": "k2",
}
TAMPERED = (*audit.HASHED_FIELDS, "audience", "key_id")


def test_every_hashed_field_has_a_forged_value():
    assert set(FORGED) == set(TAMPERED)


@pytest.fixture
def second_key(settings):
    """``k2`` is a configured key: the edited key_id must be caught by the hash, not by an
    unknown key."""
    settings.EVALORG_AUDIT_KEYS = {**settings.EVALORG_AUDIT_KEYS, "k2": "k" * 40}


def _three_events(user) -> list[AuditEvent]:
    for n in range(3):
        audit.record(
            f"step_{n}", user, actor=user, from_state="a", to_state="b", data={"amount": n}
        )
    return list(AuditEvent.objects.order_by("id"))


def _edit_in_database(pk: int, field: str) -> None:
    """An UPDATE past the model's refusal, as someone with the database alone would."""
    models.QuerySet.update(AuditEvent.objects.filter(pk=pk), **{field: FORGED[field]})


@pytest.mark.parametrize("field", TAMPERED)
def test_a_sealed_event_edited_in_the_database_breaks_the_chain(field, make_user, second_key):
    events = _three_events(make_user(role="applicant"))
    audit.seal_pending()
    assert audit.verify_chain().ok
    _edit_in_database(events[1].pk, field)
    report = audit.verify_chain()
    assert not report.ok
    assert report.broken_id in {events[1].pk, events[2].pk}  # seq: the gap shows at the next


@pytest.mark.parametrize("field", [f for f in TAMPERED if f != "seq"])
def test_an_unsealed_event_edited_in_the_database_is_never_sealed(field, make_user, second_key):
    events = _three_events(make_user(role="applicant"))
    _edit_in_database(events[1].pk, field)
    audit.seal_pending()
    assert AuditEvent.objects.get(pk=events[1].pk).hash is None
    report = audit.verify_chain()
    assert not report.ok and report.broken_id == events[1].pk


def _fixed_event(audience: str) -> AuditEvent:
    return AuditEvent(
        seq=7,
        created_at=datetime(2024, 3, 1, 2, 3, 4, 567000, tzinfo=UTC),
        actor_id=42,
        actor_label="张三",
        role="city_staff",
        ip="10.1.2.3",
        user_agent="Mozilla/5.0",
        object_type="applications.application",
        object_id="17",
        action="return_for_correction",
        from_state="submitted",
        to_state="returned",
        data={"reason": "材料不全", "items": [{"code": "A1"}]},
        audience=audience,
        key_id="dev",
    )


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        ("applicant", "7b3baecdc71f35731b3a6de8a91acb10d29a950ddeec83dad8eed8e0e705a1ff"),
        ("", "1d6c535ebc2ffeb03e13d49559346c9118848b600c11422d80614fe7ca213d8c"),
    ],
)
def test_links_hash_byte_for_byte_as_before_sealing_existed(audience, expected, settings):
    """Events already in the database keep verifying: the link of a fixed event under the dev
    key is the value the code before issue 18 computed (and before audiences, without one)."""
    settings.EVALORG_AUDIT_KEYS = {"dev": "dev-only-audit-key"}
    assert audit.compute_hash("ab" * 32, _fixed_event(audience)) == expected
