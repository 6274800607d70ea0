"""Audit events keep the ``object_type`` they were hashed with; a model that moved app (the
defense and leadership models, review → selection, issue 18) still finds its older events."""

from __future__ import annotations

import pytest

from evalorg.core import audit, clock
from evalorg.core.models import FORMER_LABELS, AuditEvent
from evalorg.rounds.models import Round
from evalorg.selection.models import LeadershipApproval


@pytest.mark.django_db
def test_an_objects_events_include_those_written_under_its_former_label():
    approval = LeadershipApproval.objects.create(
        kind=LeadershipApproval.Kind.SELECTION, round=Round.objects.order_by("pk").first()
    )
    audit.record("propose", approval, actor=None)
    AuditEvent.objects.create(
        action="approve",
        object_type="review.leadershipapproval",
        object_id=str(approval.pk),
        created_at=clock.now(),
    )
    AuditEvent.objects.create(
        action="other",
        object_type="review.leadershipapproval",
        object_id=str(approval.pk + 1),
        created_at=clock.now(),
    )
    assert sorted(AuditEvent.objects.for_object(approval).values_list("action", flat=True)) == [
        "approve",
        "propose",
    ]


def test_every_former_label_names_a_model_that_moved():
    from django.apps import apps

    for label, former in FORMER_LABELS.items():
        assert apps.get_model(label), label
        for old in former:
            with pytest.raises(LookupError):
                apps.get_model(old)
