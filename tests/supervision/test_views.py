"""The pages from both sides (issue 25 item 6): the organization registers and reports, the
city accepts, the supervisor reports; refusals shown in Chinese with their clause; outsiders
get 404."""

from __future__ import annotations

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from evalorg.supervision.models import AssessmentPlan
from evalorg.supervision.roster import sample_xlsx
from tests.factories import CityStaffFactory, UserFactory, city_agency

from .conftest import AFTER, IDS, TODAY

pytestmark = pytest.mark.django_db
S = AssessmentPlan.Status


def form(line, **changes):
    data = {
        "line": line.pk,
        "starts_on": "2024-03-10",
        "ends_on": "2024-03-11",
        "site": "广州市天河区考点",
        "expected_candidates": "30",
        "examiners_text": "李考评\n王考评",
    }
    return data | changes


def xlsx(rows) -> SimpleUploadedFile:
    return SimpleUploadedFile("名册.xlsx", sample_xlsx(rows))


def test_register_accept_report_results_and_supervise_through_the_pages(
    client, owner, line, city, pool
):
    client.force_login(owner)
    with time_machine.travel(TODAY, tick=False):
        response = client.post("/supervision/plans/new/", form(line))
        plan = AssessmentPlan.objects.get()
        assert response.status_code == 302 and plan.examiners == ["李考评", "王考评"]
        client.force_login(city)
        page = client.get(f"/supervision/plans/{plan.pk}/").content.decode()
        assert 'data-action="accept_plan"' in page and 'data-action="return_plan"' in page
        client.post(f"/supervision/plans/{plan.pk}/accept_plan/", {"confirm": "yes"})
    plan.refresh_from_db()
    assert plan.status == S.ACCEPTED and plan.supervisor in pool
    client.force_login(owner)
    rows = [("张三", IDS[0], "合格", "Z1"), ("李四", IDS[1], "不合格", "")]
    with time_machine.travel(AFTER, tick=False):
        data = {"candidates": "2", "passed": "1", "certificates": "1", "roster": xlsx(rows)}
        response = client.post(f"/supervision/plans/{plan.pk}/results/", data)
        assert response.status_code == 302
        plan.refresh_from_db()
        assert plan.status == S.RESULTS_REPORTED and plan.roster.count() == 2
        client.force_login(plan.supervisor)
        page = client.get(f"/supervision/plans/{plan.pk}/").content.decode()
        assert 'data-testid="report-form"' in page
        report = {
            "on_time": "yes",
            "procedures_followed": "yes",
            "irregularities": "",
            "confirm": "yes",
        }
        client.post(f"/supervision/plans/{plan.pk}/report/", report)
    plan.refresh_from_db()
    assert plan.status == S.CLOSED and plan.on_time is True


def test_a_refused_plan_is_shown_with_its_clause_and_nothing_stored(client, owner, line):
    client.force_login(owner)
    with time_machine.travel(TODAY, tick=False):
        response = client.post(
            "/supervision/plans/new/", form(line, starts_on="2028-11-30", ends_on="2028-12-01")
        )
    assert response.status_code == 200
    assert "超出备案有效期" in response.content.decode() and "N-5.2" in response.content.decode()
    assert not AssessmentPlan.objects.exists()


def test_a_roster_that_disagrees_with_the_counts_is_refused(client, owner, accepted):
    client.force_login(owner)
    with time_machine.travel(AFTER, tick=False):
        data = {
            "candidates": "3",
            "passed": "1",
            "certificates": "1",
            "roster": xlsx([("张三", IDS[0], "合格", "Z1")]),
        }
        response = client.post(f"/supervision/plans/{accepted.pk}/results/", data, follow=True)
    assert "名册共 1 人，与填写的参加人数 3 不一致" in response.content.decode()
    accepted.refresh_from_db()
    assert accepted.status == S.ACCEPTED and not accepted.roster.exists()


def test_a_bad_row_is_named_on_the_page(client, owner, accepted):
    client.force_login(owner)
    with time_machine.travel(AFTER, tick=False):
        data = {
            "candidates": "1",
            "passed": "1",
            "certificates": "1",
            "roster": xlsx([("张三", "440106199001011236", "合格", "Z1")]),
        }
        response = client.post(f"/supervision/plans/{accepted.pk}/results/", data)
    assert response.status_code == 400 and "第 2 行" in response.content.decode()


def test_outsiders_get_404(client, accepted):
    outsiders = [
        CityStaffFactory(agency=city_agency("440300")),
        UserFactory(role="expert"),
        UserFactory(role="applicant"),
    ]
    for user in outsiders:
        client.force_login(user)
        assert client.get(f"/supervision/plans/{accepted.pk}/").status_code in {403, 404}
    client.logout()
    assert client.get(f"/supervision/plans/{accepted.pk}/").status_code == 302
