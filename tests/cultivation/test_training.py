"""Exam-administration training (考务培训): staff record sessions and attendance for the
institutions they look after; the case page shows whether the institution attended."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from django.urls import reverse

from evalorg.accounts.models import Agency, Role
from evalorg.cultivation.models import TrainingAttendance, TrainingSession
from tests.applications.conftest import SH, applicant_of
from tests.cultivation.conftest import cultivating
from tests.factories import CityStaffFactory, InstitutionFactory, UserFactory, city_agency

pytestmark = pytest.mark.django_db
SESSION = {"held_on": "2025-04-10", "topic": "考务管理规范培训", "place": "广州市人社局会议室"}


def province_staff():
    return UserFactory(role=Role.PROVINCE_STAFF, agency=Agency.objects.get(kind="province"))


def _session(staff) -> TrainingSession:
    return TrainingSession.objects.create(
        organiser=staff.agency,
        held_on=date(2025, 4, 10),
        topic="考务",
        place="广州",
        created_by=staff,
    )


def test_city_staff_create_a_session_and_record_their_city_s_institution(client):
    staff = CityStaffFactory()
    case = cultivating()
    client.force_login(staff)
    with time_machine.travel(datetime(2025, 4, 1, 9, 0, tzinfo=SH), tick=False):
        response = client.post(reverse("cultivation:training_list"), SESSION)
    session = TrainingSession.objects.get()
    assert response.url == reverse("cultivation:training", args=[session.pk])
    assert session.organiser == staff.agency
    url = reverse("cultivation:training", args=[session.pk])
    row = {"institution": case.institution_id, "attendee_name": "王考务", "attended": "on"}
    assert client.post(url, row).status_code == 302
    assert client.post(url, row).status_code == 200  # the same person twice is refused
    assert TrainingAttendance.objects.get().attendee_name == "王考务"


def test_a_city_cannot_record_another_city_s_institution_nor_see_its_sessions(client):
    staff = CityStaffFactory()
    shenzhen = cultivating(InstitutionFactory(city_id="440300", county_id="440304"))
    session = _session(staff)
    client.force_login(staff)
    url = reverse("cultivation:training", args=[session.pk])
    row = {"institution": shenzhen.institution_id, "attendee_name": "李", "attended": "on"}
    assert client.post(url, row).status_code == 200
    assert not TrainingAttendance.objects.exists()
    client.force_login(CityStaffFactory(agency=city_agency("440300")))
    assert client.get(url).status_code == 404
    client.force_login(province_staff())
    assert client.get(url).status_code == 404  # sessions belong to their organiser


def test_the_center_records_any_institution(client):
    staff = province_staff()
    shenzhen = cultivating(InstitutionFactory(city_id="440300", county_id="440304"))
    session = _session(staff)
    client.force_login(staff)
    url = reverse("cultivation:training", args=[session.pk])
    row = {"institution": shenzhen.institution_id, "attendee_name": "李", "attended": "on"}
    assert client.post(url, row).status_code == 302


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.EXPERT, Role.DEPARTMENT])
def test_others_are_refused(client, role):
    agency = Agency.objects.get(kind="department") if role == Role.DEPARTMENT else None
    session = _session(CityStaffFactory())
    client.force_login(UserFactory(role=role, agency=agency))
    assert client.get(reverse("cultivation:training_list")).status_code == 403
    assert client.get(reverse("cultivation:training", args=[session.pk])).status_code == 403


def test_the_case_page_shows_attendance(client):
    staff = CityStaffFactory()
    case = cultivating()
    client.force_login(applicant_of(case))
    url = reverse("applications:detail", args=[case.pk])
    assert "尚未参加" in client.get(url).content.decode()
    TrainingAttendance.objects.create(
        session=_session(staff), institution=case.institution, attendee_name="王", recorded_by=staff
    )
    html = client.get(url).content.decode()
    assert "已参加" in html and "尚未参加" not in html


def test_the_session_list_has_a_constant_query_count(client, django_assert_max_num_queries):
    staff = CityStaffFactory()
    client.force_login(staff)
    _session(staff)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(reverse("cultivation:training_list"))
    for _ in range(3):
        session = _session(staff)
        TrainingAttendance.objects.create(
            session=session,
            institution=cultivating().institution,
            attendee_name="王",
            recorded_by=staff,
        )
    with django_assert_max_num_queries(len(one)):
        html = client.get(reverse("cultivation:training_list")).content.decode()
    assert html.count("考务</a>") == 4


def test_a_session_dated_in_the_past_is_refused_on_the_form_and_nothing_is_created(client):
    """Issue 19 item 6: a session is planned ahead. Dated before today it is refused on the
    form citing N-4.2, with what was typed kept; nothing is stored or audited."""
    client.force_login(CityStaffFactory())
    with time_machine.travel(datetime(2025, 4, 11, 9, 0, tzinfo=SH), tick=False):
        response = client.post(reverse("cultivation:training_list"), SESSION)
    page = response.content.decode()
    assert response.status_code == 200
    assert "培训日期不能早于今天。（N-4.2）" in page and "广州市人社局会议室" in page
    assert not TrainingSession.objects.exists()
