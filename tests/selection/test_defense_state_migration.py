"""Migration review 0012, from before the model moved to selection: a defense slot's
``confirmation`` and ``attendance`` become its one ``state`` (attendance, once recorded, wins),
and back."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from evalorg.selection import defense
from evalorg.selection.models import DefenseSlot
from tests.factories import CityStaffFactory
from tests.review.conftest import panel_with_experts

from .test_defense import center_staff, new_session, round_, sent_cases

__all__ = ["center_staff", "round_"]  # fixtures

BEFORE = [("review", "0011_scoresheet_reopened")]
AFTER = [("review", "0012_defense_slot_state")]
OLD = [
    ("pending", "unknown"),
    ("confirmed", "unknown"),
    ("change_requested", "unknown"),
    ("confirmed", "absent"),
    ("pending", "present"),
]


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate(target)
    return MigrationExecutor(connection).loader.project_state(target).apps


@pytest.mark.django_db(transaction=True)
def test_confirmation_and_attendance_become_the_state_and_back(center_staff, round_):
    call_command("load_reference_data", stdout=io.StringIO())
    staff = CityStaffFactory()
    cases = sent_cases((staff, panel_with_experts(staff)), len(OLD))
    session = new_session(round_, center_staff)
    slots = defense.add_cases(session, [c.pk for c in cases], center_staff)
    try:
        old = migrate(BEFORE).get_model("review", "DefenseSlot")
        for slot, (confirmation, attendance) in zip(slots, OLD, strict=True):
            old.objects.filter(pk=slot.pk).update(confirmation=confirmation, attendance=attendance)
        new = migrate(AFTER).get_model("review", "DefenseSlot")
        states = [new.objects.get(pk=s.pk).state for s in slots]
        assert states == ["offered", "confirmed", "reschedule_requested", "absent", "attended"]
        old = migrate(BEFORE).get_model("review", "DefenseSlot")
        back = [old.objects.get(pk=s.pk) for s in slots]
        assert [(s.confirmation, s.attendance) for s in back] == [
            ("pending", "unknown"),
            ("confirmed", "unknown"),
            ("change_requested", "unknown"),
            ("confirmed", "absent"),
            ("confirmed", "present"),
        ]
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert DefenseSlot.objects.filter(pk__in=[s.pk for s in slots]).count() == len(OLD)
