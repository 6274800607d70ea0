"""The role-aware home page and the agencies (issue #2)."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from evalorg.accounts.models import Agency, Role, User

pytestmark = pytest.mark.django_db


def test_anonymous_sees_the_portal_with_the_round_and_the_agencies(client):
    call_command("load_demo", stdout=io.StringIO())
    page = client.get(reverse("home")).content.decode()
    assert 'data-testid="portal"' in page and 'data-testid="countdown"' in page
    assert "广州市职业技能评价指导机构" in page and "广东省职业技能服务指导中心" in page
    assert reverse("institutions:signup") in page and reverse("accounts:login") in page
    assert 'data-testid="portal-checklist"' in page and "待办事项" not in page
    assert reverse("public:notices") in page and reverse("registry:list") in page


def test_logged_in_users_get_their_home_not_the_portal(client):
    client.force_login(User.objects.create_user("someone", role=Role.APPLICANT))
    page = client.get(reverse("home")).content.decode()
    assert "待办事项" in page and 'data-testid="portal"' not in page


def test_agencies_one_per_city_plus_center_and_department():
    assert Agency.objects.filter(kind="city").count() == 21
    assert Agency.objects.get(kind="province").name == "广东省职业技能服务指导中心"
    assert Agency.objects.filter(kind="department").count() == 1
    assert Agency.objects.get(kind="city", division_id="440300").name.startswith("深圳市")


def test_load_demo_creates_every_role_and_prints_logins():
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    call_command("load_demo", stdout=io.StringIO())  # idempotent
    text = out.getvalue()
    for username in [
        "gz_staff",
        "sz_staff",
        "province_staff",
        "department",
        "expert1",
        "applicant_gz",
        "applicant_sz",
        "admin",
    ]:
        assert username in text
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert User.objects.get(username="applicant_gz").membership.institution.uscc.startswith("9144")


@pytest.mark.parametrize("username", ["gz_staff", "applicant_gz", "expert1", "department"])
def test_home_shows_role_and_empty_todo(client, username):
    call_command("load_demo", stdout=io.StringIO())
    client.force_login(User.objects.get(username=username))
    body = client.get(reverse("home")).content.decode()
    user = User.objects.get(username=username)
    assert user.get_role_display() in body
    assert "待办事项" in body


def test_staff_role_requires_agency():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="nobody", role=Role.CITY_STAFF)
