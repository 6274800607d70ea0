"""The admin lists cultivation records; a signed letter cannot be edited or deleted there."""

import pytest
from django.urls import reverse

from evalorg.cultivation.commitment import sign
from evalorg.cultivation.models import CommitmentLetter
from tests.applications.conftest import applicant_of
from tests.cultivation.conftest import cultivating
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_admin_lists_and_protects_the_records(client):
    case = cultivating()
    letter = sign(case, applicant_of(case), "张三", None)
    client.force_login(UserFactory(role="admin", is_staff=True, is_superuser=True))
    models = ["cultivationperiod", "commitmentletter", "reminder", "trainingsession"]
    for model in [*models, "bankreviewassignment", "bankdecision"]:
        assert client.get(reverse(f"admin:cultivation_{model}_changelist")).status_code == 200
    delete = reverse("admin:cultivation_commitmentletter_delete", args=[letter.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert CommitmentLetter.objects.filter(pk=letter.pk).exists()
