"""The city-managed expert pool (issue #10): city staff add experts with an account and an
invitation; only that city's staff see or grow its pool."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evalorg.accounts.models import Role, User
from evalorg.core.models import AuditEvent
from evalorg.notify.models import OutboundEmail
from evalorg.review.models import ExpertProfile
from tests.factories import ApplicantFactory, CityStaffFactory, city_agency, make_uscc

from .conftest import verified

pytestmark = pytest.mark.django_db
URL = "/review/panels/experts/"


def _data(email: str = "li.expert@example.cn", **extra) -> dict:
    return {
        "full_name": "李专家",
        "employer_name": "广州职业技术学院",
        "employer_uscc": make_uscc("12", "440100", 7),
        "title": "教授",
        "specialties": ["4", "6"],
        "phone": "13912345678",
        "email": email,
        **extra,
    }


def test_city_staff_add_an_expert_who_is_invited_and_can_set_a_password(client):
    staff = CityStaffFactory()
    client.force_login(staff)
    assert reverse("panels:experts") == URL
    response = client.post(URL, _data())
    assert response.status_code == 302
    expert = User.objects.get(username="li.expert@example.cn")
    assert expert.role == Role.EXPERT and not expert.has_usable_password()
    profile = ExpertProfile.objects.get(user=expert)
    assert profile.pool_agency == staff.agency and profile.specialties == [4, 6]
    assert profile.added_by == staff and profile.employer_name == "广州职业技术学院"
    assert AuditEvent.objects.filter(action="expert_added_to_pool", actor=staff).exists()
    mail = OutboundEmail.objects.get(to=["li.expert@example.cn"])
    link = re.search(r"https?://\S+", mail.body).group(0)

    pool = client.get(URL).content.decode()
    assert "李专家" in pool and "广州职业技术学院" in pool
    verified(staff)  # a received case: the panel page now shows the panel and its pool
    panel_page = client.get(reverse("panels:list")).content.decode()
    pool_table = panel_page.split('data-testid="pool"', 1)[1].split("</table>", 1)[0]
    assert f'<tr data-expert="{expert.pk}">' in pool_table and "李专家" in pool_table
    assert f'<a href="{URL}" data-testid="manage-pool">' in panel_page  # the pool is linked

    client.logout()
    form = client.get(link, follow=True)
    assert form.status_code == 200
    set_url = form.redirect_chain[-1][0] if form.redirect_chain else link
    done = client.post(
        set_url, {"new_password1": "Zhuan-Jia-2026!", "new_password2": "Zhuan-Jia-2026!"}
    )
    assert done.status_code == 302
    expert.refresh_from_db()
    assert expert.check_password("Zhuan-Jia-2026!")


def test_a_bad_uscc_or_a_taken_email_creates_nothing(client):
    client.force_login(CityStaffFactory())
    response = client.post(URL, _data(employer_uscc="12345"))
    assert response.status_code == 400
    assert not User.objects.filter(role=Role.EXPERT, email="li.expert@example.cn").exists()
    existing = ApplicantFactory()
    response = client.post(URL, _data(email=existing.email or "taken@example.cn"))
    if existing.email:
        assert response.status_code == 400 and "已有账号" in response.content.decode()
    assert not OutboundEmail.objects.exists()


def test_only_the_own_city_sees_its_pool_and_others_cannot_add(client):
    client.force_login(CityStaffFactory())
    client.post(URL, _data(), follow=True)  # the success message is shown and gone
    client.force_login(CityStaffFactory(agency=city_agency("440300")))
    assert "李专家" not in client.get(URL).content.decode()
    client.force_login(ApplicantFactory())
    assert client.get(URL).status_code == 403
    assert client.post(URL, _data(email="x@example.cn")).status_code == 403
    assert not User.objects.filter(email="x@example.cn").exists()


def test_the_pool_page_keeps_a_constant_number_of_queries(client):
    staff = CityStaffFactory()
    client.force_login(staff)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    client.post(URL, _data(email="a1@example.cn"))
    few = count()
    for n in range(2, 6):
        client.post(URL, _data(email=f"a{n}@example.cn"))
    assert count() == few
