"""The center finds the question banks waiting for review (N-4.2, issue 19): a to-do item on
its home page, an entry in its navigation and a queue page listing every submitted bank, also
of cases the center never received (a city's case, or one that came by the chain-leader fast
track, N-4.1.4). Nobody else may open the queue."""

from __future__ import annotations

import pytest
from django.urls import reverse

from evalorg.accounts.models import Agency, Role
from evalorg.applications.models import ApplicationOccupation
from tests.applications.conftest import applicant_of
from tests.factories import CityStaffFactory, InstitutionFactory, UserFactory
from tests.filing.conftest import department_staff, province_staff

from .conftest import cultivating

pytestmark = pytest.mark.django_db
Line = ApplicationOccupation.Status
QUEUE = reverse("cultivation:bank_queue")


def submitted_case(name: str = "广州焊接培训学校"):
    """A city's case in cultivation with one line's bank submitted (fixture data: the
    submission itself is tested in test_deliverables)."""
    case = cultivating(InstitutionFactory(name=name, legal_rep_name="张 三"))
    line = case.occupations.order_by("pk").first()
    ApplicationOccupation.objects.filter(pk=line.pk).update(status=Line.BANK_SUBMITTED)
    return case, line


def _todo(client, user) -> str:
    client.force_login(user)
    html = client.get("/").content.decode()
    return html.split('data-testid="todo-list"')[1].split("</div>")[0]


def test_the_center_finds_a_submitted_bank_from_its_home_page(client):
    center = province_staff()
    assert "题库审核通过" not in _todo(client, center)
    case, line = submitted_case()
    assert case.receiving_agency.kind == Agency.Kind.CITY  # never sent to the center
    todo = _todo(client, center)
    review = reverse("cultivation:line_review", args=[line.pk])
    assert "题库审核通过／题库审核未通过" in todo and f'href="{review}"' in todo

    page = client.get(QUEUE).content.decode()
    assert "广州焊接培训学校" in page
    assert f'href="{reverse("cultivation:line_review", args=[line.pk])}"' in page
    # The row and the review page both lead to the one case page, which the center may open.
    case_page = reverse("applications:detail", args=[case.pk])
    assert f'href="{case_page}"' in page
    assert f'href="{case_page}"' in client.get(review).content.decode()
    assert client.get(case_page).status_code == 200
    home = client.get("/").content.decode()
    assert f'href="{QUEUE}"' in home.split('data-testid="todo-list"')[0]  # the navigation


def test_the_queue_lists_only_submitted_banks(client):
    _case, line = submitted_case()
    cultivating_only = cultivating(
        InstitutionFactory(name="佛山未提交学校", legal_rep_name="李 四")
    )
    client.force_login(province_staff())
    page = client.get(QUEUE).content.decode()
    assert f'data-line="{line.pk}"' in page
    assert "佛山未提交学校" not in page
    ApplicationOccupation.objects.filter(pk=line.pk).update(status=Line.BANK_PASSED)
    assert "没有待审核的题库" in client.get(QUEUE).content.decode()
    assert cultivating_only.occupations.filter(status=Line.CULTIVATING).exists()


def test_only_the_center_opens_the_queue(client):
    case, _line = submitted_case()
    for user in (
        CityStaffFactory(),
        department_staff(),
        applicant_of(case),
        UserFactory(role=Role.EXPERT),
    ):
        client.force_login(user)
        response = client.get(QUEUE)
        assert response.status_code == 403, user.role
        assert "广州焊接培训学校" not in response.content.decode()
        assert "题库审核通过" not in _todo(client, user)
    client.logout()
    response = client.get(QUEUE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_queue_costs_the_same_queries_with_more_banks(
    client, django_assert_max_num_queries, django_assert_num_queries
):
    submitted_case()
    client.force_login(province_staff())
    client.get(QUEUE)  # warm caches (session, site settings)
    with django_assert_max_num_queries(30) as one:
        client.get(QUEUE)
    for n in range(5):
        submitted_case(f"第{n}家培训学校")
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(QUEUE).content.decode()
    assert page.count("data-line=") == 6
