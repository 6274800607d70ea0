"""Local supervision notes on filed organizations (N-5.2, first step): the city agency of the
organization's city and the provincial center write them, the department reads them; another
city, the organization itself and anonymous visitors are refused; the notes never reach the
organization's pages nor the public registry, and their audit events are for staff."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evalorg.core.models import AuditEvent
from evalorg.filing.models import SupervisionNote
from tests.applications.conftest import SH, applicant_of
from tests.factories import CityStaffFactory, InstitutionFactory, city_agency

from .conftest import department_staff, province_staff, registry_row

pytestmark = pytest.mark.django_db
TODAY = datetime(2024, 3, 15, 10, 0, tzinfo=SH)
SECRET = "现场检查发现考务档案缺失，限期整改"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def letter():
    return registry_row(InstitutionFactory(name="广州焊接评价中心"), number=1)


def _note(day: str = "2024-03-14", text: str = SECRET, kind: str = "inspection") -> dict:
    return {"kind": kind, "happened_on": day, "text": text}


def _url(institution) -> str:
    return reverse("filing:supervision", args=[institution.pk])


def test_the_city_of_the_organization_writes_a_note_audited_for_staff(client, letter):
    institution = letter.application.institution
    staff = CityStaffFactory(agency=city_agency("440100"))
    client.force_login(staff)
    page = client.get(_url(institution))
    assert page.status_code == 200 and letter.number in page.content.decode()
    response = client.post(_url(institution), _note())
    assert response.status_code == 302
    note = SupervisionNote.objects.get(institution=institution)
    assert (note.kind, note.happened_on, note.agency_id) == (
        "inspection",
        date(2024, 3, 14),
        staff.agency_id,
    )
    assert note.created_at == TODAY
    event = AuditEvent.objects.for_object(institution).get(action="supervision_note_added")
    assert event.audience == "staff" and event.data["note"] == note.pk
    assert SECRET in client.get(_url(institution)).content.decode()
    case_page = client.get(reverse("applications:detail", args=[letter.application_id]))
    assert case_page.status_code == 200 and SECRET in case_page.content.decode()


def test_the_province_writes_and_the_department_only_reads(client, letter):
    institution = letter.application.institution
    client.force_login(province_staff())
    assert client.post(_url(institution), _note(kind="interview")).status_code == 302
    department = department_staff()
    client.force_login(department)
    page = client.get(_url(institution)).content.decode()
    assert SECRET in page and "supervision-form" not in page
    assert client.post(_url(institution), _note(text="厅里补记")).status_code == 404
    assert SupervisionNote.objects.count() == 1


@pytest.mark.parametrize("who", ["other city", "the organization", "expert"])
def test_outsiders_are_refused_and_change_nothing(client, letter, who, make_user):
    institution = letter.application.institution
    SupervisionNote.objects.create(
        institution=institution,
        kind="inspection",
        happened_on=date(2024, 3, 1),
        text=SECRET,
        author=province_staff(),
        agency=city_agency("440100"),
        created_at=TODAY,
    )
    user = {
        "other city": lambda: CityStaffFactory(agency=city_agency("440300")),
        "the organization": lambda: applicant_of(letter.application),
        "expert": lambda: make_user(role="expert"),
    }[who]()
    client.force_login(user)
    assert client.get(_url(institution)).status_code == 404
    assert client.post(_url(institution), _note(text="越权记录")).status_code == 404
    listing = client.get(reverse("filing:supervision_list"))
    assert institution.name not in listing.content.decode()
    case_page = client.get(reverse("applications:detail", args=[letter.application_id]))
    assert SECRET not in case_page.content.decode()
    assert SupervisionNote.objects.count() == 1


def test_anonymous_visitors_are_sent_to_login_and_the_registry_shows_no_note(client, letter):
    institution = letter.application.institution
    client.force_login(province_staff())
    client.post(_url(institution), _note())
    client.logout()
    for url in (_url(institution), reverse("filing:supervision_list")):
        assert client.get(url).status_code == 302
        assert client.post(url, _note(text="匿名")).status_code == 302
    assert SupervisionNote.objects.count() == 1
    for name in ("registry:list", "registry:csv", "registry:json"):
        response = client.get(reverse(name))
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert institution.name.encode() in body, name
        assert SECRET.encode() not in body, name


def test_bad_input_is_refused_in_chinese_and_saves_nothing(client, letter):
    institution = letter.application.institution
    client.force_login(CityStaffFactory(agency=city_agency("440100")))
    too_long = client.post(_url(institution), _note(text="查" * (SupervisionNote.MAX_TEXT + 1)))
    assert too_long.status_code == 200 and "不能超过 2000 字" in too_long.content.decode()
    future = client.post(_url(institution), _note(day="2024-03-16"))
    assert "日期不能晚于今天" in future.content.decode()
    blank = client.post(_url(institution), _note(text="   "))
    assert blank.status_code == 200
    assert SupervisionNote.objects.count() == 0


def test_an_organization_not_filed_has_no_supervision_page(client, letter):
    unfiled = InstitutionFactory()
    client.force_login(province_staff())
    assert client.get(_url(unfiled)).status_code == 404


def test_the_list_shows_each_city_its_own_organizations_in_constant_queries(client, letter):
    shenzhen = registry_row(InstitutionFactory(city_id="440300", county_id="440304"), number=2)
    staff = CityStaffFactory(agency=city_agency("440100"))
    client.force_login(staff)
    page = client.get(reverse("filing:supervision_list")).content.decode()
    assert letter.application.institution.name in page
    assert shenzhen.application.institution.name not in page

    client.force_login(province_staff())
    url = reverse("filing:supervision_list")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).content.decode().count('data-testid="supervised-row"') == 2
    for n in range(3, 9):
        registry_row(InstitutionFactory(), number=n)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).content.decode().count('data-testid="supervised-row"') == 8
    assert len(large) == len(small)
