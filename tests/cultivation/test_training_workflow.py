"""A training session's workflow (issue 18): planned when entered, held once its organiser
records the first attendance (``hold`` through ``perform()``, in the same transaction).
Refusals cite a clause and change nothing; every event is for staff only."""

import importlib
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.apps import apps
from django.urls import reverse

from evalorg.applications.workflow import TransitionRefused, available_actions, perform
from evalorg.core import clock
from evalorg.core.models import AuditEvent
from evalorg.cultivation.models import TrainingAttendance, TrainingSession
from evalorg.cultivation.training import create_session, record_attendance
from tests.applications.conftest import SH, applicant_of
from tests.cultivation.conftest import cultivating
from tests.factories import CityStaffFactory, city_agency

pytestmark = pytest.mark.django_db


def _session(staff, held_on: date = date(2025, 4, 10)) -> TrainingSession:
    """Created the day before it is held (a session is planned ahead, N-4.2)."""
    day_before = datetime.combine(held_on - timedelta(days=1), time(9), tzinfo=SH)
    with time_machine.travel(day_before, tick=False):
        return create_session(staff, held_on=held_on, topic="考务", place="广州")


def _record(session, staff, case, name: str = "王考务") -> TrainingAttendance:
    return record_attendance(
        session, staff, institution=case.institution, attendee_name=name, attended=True
    )


def _events(session, action: str):
    return AuditEvent.objects.filter(
        action=action, object_type="cultivation.trainingsession", object_id=str(session.pk)
    )


def test_the_first_attendance_through_the_page_marks_the_session_held(client):
    staff, case = CityStaffFactory(), cultivating()
    session = _session(staff)
    assert session.status == "planned"
    (created,) = _events(session, "training_session_created")
    assert created.audience == "staff"
    client.force_login(staff)
    url = reverse("cultivation:training", args=[session.pk])
    assert 'data-action="hold"' in client.get(url).content.decode()
    row = {"institution": case.institution_id, "attendee_name": "王考务", "attended": "on"}
    assert client.post(url, row).status_code == 302
    session.refresh_from_db()
    assert session.status == "held"
    (held,) = _events(session, "hold")
    assert (held.from_state, held.to_state, held.audience) == ("planned", "held", "staff")
    assert held.actor == staff and held.data == {"institution": case.institution_id}
    (recorded,) = _events(session, "training_attendance_recorded")
    assert recorded.audience == "staff" and recorded.pk > held.pk
    html = client.get(url).content.decode()
    assert "已举办" in html and 'data-action="hold"' not in html
    second = {"institution": case.institution_id, "attendee_name": "李考务", "attended": "on"}
    assert client.post(url, second).status_code == 302
    assert _events(session, "hold").count() == 1  # held once, then only attendance
    assert TrainingAttendance.objects.filter(session=session).count() == 2


def test_attendance_before_the_day_is_refused_and_nothing_is_stored(client):
    staff, case = CityStaffFactory(), cultivating()
    session = _session(staff, held_on=clock.today() + timedelta(days=3))
    client.force_login(staff)
    events = AuditEvent.objects.count()
    url = reverse("cultivation:training", args=[session.pk])
    row = {"institution": case.institution_id, "attendee_name": "王考务", "attended": "on"}
    response = client.post(url, row)
    assert response.status_code == 200
    assert "举办前不能登记参训情况。（N-4.2）" in response.content.decode()
    session.refresh_from_db()
    assert session.status == "planned" and not TrainingAttendance.objects.exists()
    assert AuditEvent.objects.count() == events


def test_hold_is_refused_to_anyone_but_the_organiser_and_once_held(client):
    staff, case = CityStaffFactory(), cultivating()
    session = _session(staff)
    other_city = CityStaffFactory(agency=city_agency("440300"))
    events = AuditEvent.objects.count()
    for user in (other_city, applicant_of(case)):
        with pytest.raises(TransitionRefused, match=r"您无权对该考务培训执行“.*”。（SPEC-1）"):
            perform(session, "hold", user)
        with pytest.raises(TransitionRefused, match=r"（SPEC-1）"):
            _record(session, user, case)
    assert available_actions(session, other_city) == []
    assert TrainingSession.objects.get(pk=session.pk).status == "planned"
    assert AuditEvent.objects.count() == events and not TrainingAttendance.objects.exists()
    _record(session, staff, case)
    session.refresh_from_db()
    events = AuditEvent.objects.count()
    with pytest.raises(TransitionRefused, match=r"当前状态为“已举办”，不能执行“.*”。（SPEC-5）"):
        perform(session, "hold", staff)
    with pytest.raises(TransitionRefused, match=r"您无权登记该考务培训的参训情况。（SPEC-1）"):
        _record(session, other_city, case, name="李")
    assert AuditEvent.objects.count() == events
    assert TrainingAttendance.objects.count() == 1


def test_the_migration_marks_sessions_with_attendance_held():
    migration = importlib.import_module("evalorg.cultivation.migrations.0005_training_status")
    staff, case = CityStaffFactory(), cultivating()
    attended, empty = _session(staff), _session(staff)
    TrainingAttendance.objects.create(
        session=attended, institution=case.institution, attendee_name="王", recorded_by=staff
    )
    migration.held_if_attended(apps, None)
    statuses = dict(TrainingSession.objects.values_list("pk", "status"))
    assert statuses == {attended.pk: "held", empty.pk: "planned"}
