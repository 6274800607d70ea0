"""Downloading a filing letter: the organization and the staff concerned; everyone else 404
(anonymous: login). Staff reads are audited (SPEC §8)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from evalorg.accounts.models import Role
from evalorg.core.models import AuditEvent
from tests.applications.conftest import applicant_of
from tests.factories import ApplicantFactory, CityStaffFactory, UserFactory, city_agency

from .conftest import department_staff, province_staff, registry_row

pytestmark = pytest.mark.django_db


def _urls(letter) -> list[str]:
    return [reverse("filing:download", args=[letter.pk, kind]) for kind in ("docx", "pdf")]


ALLOWED = {
    "the organization": lambda letter: applicant_of(letter.application),
    "another account of the organization": lambda letter: ApplicantFactory(
        institution=letter.application.institution
    ),
    "province staff": lambda letter: province_staff(),
    "department": lambda letter: department_staff(),
    "the city of the case": lambda letter: CityStaffFactory(agency=city_agency("440100")),
}
REFUSED = {
    "another institution": lambda letter: ApplicantFactory(),
    "another city": lambda letter: CityStaffFactory(agency=city_agency("440300")),
    "an expert": lambda letter: UserFactory(role=Role.EXPERT),
    "an admin role without staff rights": lambda letter: UserFactory(role=Role.ADMIN),
}


@pytest.mark.parametrize("who", sorted(ALLOWED))
def test_the_organization_and_the_staff_concerned_download_both_files(client, who):
    letter = registry_row(number=1)
    client.force_login(ALLOWED[who](letter))
    for url in _urls(letter):
        response = client.get(url)
        assert response.status_code == 200, (who, url)
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("who", sorted(REFUSED))
def test_everyone_else_gets_a_404(client, who):
    letter = registry_row(number=1)
    client.force_login(REFUSED[who](letter))
    for url in _urls(letter):
        assert client.get(url).status_code == 404, (who, url)
    assert not AuditEvent.objects.filter(action="download_filing_letter").exists()


def test_anonymous_visitors_are_sent_to_login(client):
    letter = registry_row(number=1)
    for url in _urls(letter):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_unknown_kind_or_letter_is_a_404(client):
    letter = registry_row(number=1)
    client.force_login(province_staff())
    assert client.get(reverse("filing:download", args=[letter.pk, "xlsx"])).status_code == 404
    assert client.get(reverse("filing:download", args=[letter.pk + 99, "pdf"])).status_code == 404


def test_staff_downloads_are_audited_and_the_organizations_are_not(client):
    letter = registry_row(number=1)
    staff = province_staff()
    client.force_login(staff)
    client.get(_urls(letter)[1])
    event = AuditEvent.objects.get(action="download_filing_letter")
    assert (event.actor_id, event.data["kind"], event.audience) == (staff.pk, "pdf", "staff")
    client.force_login(applicant_of(letter.application))
    client.get(_urls(letter)[0])
    assert AuditEvent.objects.filter(action="download_filing_letter").count() == 1


def test_the_case_page_shows_the_letter_to_its_organization(client):
    letter = registry_row(number=7)
    client.force_login(applicant_of(letter.application))
    page = client.get(reverse("applications:detail", args=[letter.application.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert letter.number in html and _urls(letter)[0] in html
