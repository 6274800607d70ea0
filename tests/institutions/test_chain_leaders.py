"""Chain-leader units are designated by the department only, with a document (N-4.1.4)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evalorg.accounts.models import Agency, Role
from evalorg.core.models import AuditEvent
from evalorg.institutions.models import ChainLeaderDesignation
from tests.applications.conftest import PDF_BYTES
from tests.factories import ApplicantFactory, CityStaffFactory, InstitutionFactory, UserFactory

pytestmark = pytest.mark.django_db


def _post(client, institution, document=None):
    return client.post(
        reverse("institutions:chain_leaders"),
        {
            "uscc": institution.uscc.lower(),
            "industry_chain": "新能源汽车产业链",
            "designated_on": "2023-04-01",
            "document": document or SimpleUploadedFile("认定文件.pdf", PDF_BYTES),
        },
    )


@pytest.fixture
def department():
    return UserFactory(role=Role.DEPARTMENT, agency=Agency.objects.get(kind="department"))


def test_the_department_designates_with_a_document(client, department):
    institution = InstitutionFactory()
    client.force_login(department)
    assert _post(client, institution).status_code == 302
    institution.refresh_from_db()
    assert institution.is_chain_leader
    designation = ChainLeaderDesignation.objects.get()
    assert designation.industry_chain == "新能源汽车产业链" and designation.document.sha256
    assert AuditEvent.objects.filter(action="chain_leader_designated").exists()
    document = reverse("institutions:chain_leader_document", args=[designation.pk])
    assert client.get(document).status_code == 200


def test_a_bad_document_changes_nothing(client, department):
    institution = InstitutionFactory()
    client.force_login(department)
    fake = SimpleUploadedFile("认定文件.pdf", b"MZ not a pdf at all")
    response = _post(client, institution, fake)
    assert response.status_code == 400
    institution.refresh_from_db()
    assert not institution.is_chain_leader and not ChainLeaderDesignation.objects.exists()


@pytest.mark.parametrize("who", ["applicant", "city_staff", "province_staff"])
def test_nobody_else_designates(client, who):
    institution = InstitutionFactory()
    users = {
        "applicant": lambda: ApplicantFactory(institution=institution),
        "city_staff": CityStaffFactory,
        "province_staff": lambda: UserFactory(
            role=Role.PROVINCE_STAFF, agency=Agency.objects.get(kind="province")
        ),
    }
    client.force_login(users[who]())
    assert _post(client, institution).status_code == 403
    institution.refresh_from_db()
    assert not institution.is_chain_leader
