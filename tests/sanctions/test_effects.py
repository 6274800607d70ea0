"""What an effective sanction does (N-5.2): no new assessment plan nor expansion; the registry
(page, CSV, JSON, API, the organization's page with its dated history) and the verify page show
the status; the registry's ETag changes with it; the organization sees it on its home page."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime

import pytest
import time_machine
from django.urls import reverse

from evalorg.applications.eligibility import Outcome, evaluate, input_from_application
from evalorg.applications.models import Kind
from evalorg.core.workflow import TransitionRefused, perform
from evalorg.filing.verification import new_code
from evalorg.sanctions.models import Sanction
from evalorg.supervision.models import AssessmentPlan
from tests.applications.conftest import SH, build_application
from tests.supervision.conftest import new_plan

from .conftest import TODAY, K, take_effect

pytestmark = pytest.mark.django_db


def _body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def _json_item(client) -> dict:
    return json.loads(_body(client.get(reverse("registry:json"))))["items"][0]


# ---- assessment plans and expansions ----------------------------------------------------------


def test_a_suspended_organization_cannot_register_a_plan_citing_the_decision(
    suspended, owner, line
):
    with pytest.raises(TransitionRefused) as refused:
        new_plan(owner, line)
    message = str(refused.value)
    assert "暂停备案至 2024年05月31日" in message and "N-5.2" in message
    assert not AssessmentPlan.objects.exists()


def test_a_plan_submitted_before_the_suspension_is_not_accepted(
    city, center, department, organization, owner, line, pool
):
    plan = new_plan(owner, line)
    take_effect(city, center, department, organization)
    with time_machine.travel(TODAY, tick=False), pytest.raises(TransitionRefused, match="暂停"):
        perform(plan, "accept_plan", city)
    assert AssessmentPlan.objects.get(pk=plan.pk).status == AssessmentPlan.Status.SUBMITTED


def test_a_revoked_occupation_refuses_its_plans_and_not_the_others(
    city, center, department, organization, owner, line
):
    take_effect(city, center, department, organization, K.REVOCATION, line=line)
    with pytest.raises(TransitionRefused, match="该职业（工种）已于 2024年03月01日 被取消备案"):
        new_plan(owner, line)
    other = organization.applications.get().occupations.exclude(pk=line.pk).first()
    assert new_plan(owner, other).status == AssessmentPlan.Status.SUBMITTED


def test_a_restored_organization_may_register_plans_again(suspended, center, owner, line):
    with time_machine.travel(TODAY, tick=False):
        perform(suspended, "restore_sanction", center, reason="整改到位")
    assert new_plan(owner, line).status == AssessmentPlan.Status.SUBMITTED


def test_a_suspended_organization_cannot_apply_for_an_expansion(suspended, organization):
    expansion = build_application(organization, occupations=(("4-07-05-02", [5]),))
    expansion.kind = Kind.EXPANSION
    expansion.save()
    results = [r for r in evaluate(input_from_application(expansion)) if r.rule == "expansion"]
    assert [(r.outcome, r.clause) for r in results] == [(Outcome.FAIL, "N-5.2")]
    assert "暂停" in results[0].message


def test_a_warning_changes_no_status(city, organization, owner, line, client):
    from .conftest import draft

    warning = draft(city, organization, K.WARNING)
    with time_machine.travel(TODAY, tick=False):
        perform(warning, "issue_warning", city)
        assert new_plan(owner, line).pk
        assert _json_item(client)["org_status"] == "正常"


# ---- the registry -----------------------------------------------------------------------------


def test_the_registry_shows_the_status_in_html_csv_json_and_api(suspended, client):
    with time_machine.travel(TODAY, tick=False):
        page = client.get(reverse("registry:list")).content.decode()
        assert '<td data-testid="row-status">暂停</td>' in page
        item = _json_item(client)
        assert (item["status"], item["org_status"]) == ("暂停", "暂停")
        rows = list(csv.reader(io.StringIO(_body(client.get(reverse("registry:csv")))[1:])))
        assert rows[1][-1] == "暂停" and rows[1][8] == "暂停"
        api = client.get("/api/public/registry").json()["items"][0]
        assert (api["status"], api["org_status"]) == ("暂停", "暂停")
        assert {o["status"] for o in api["occupations"]} == {"正常"}


def test_a_revocation_shows_already_cancelled_and_one_revoked_line_only_on_that_line(
    city, center, department, organization, line, client
):
    take_effect(city, center, department, organization, K.REVOCATION, line=line)
    with time_machine.travel(TODAY, tick=False):
        item = _json_item(client)
    assert item["org_status"] == "正常"
    by_level = {o["level"]: o["status"] for o in item["occupations"]}
    assert by_level[line.level] == "已取消" and set(by_level.values()) == {"已取消", "正常"}
    take_effect(city, center, department, organization, K.REVOCATION)
    with time_machine.travel(TODAY, tick=False):
        assert _json_item(client)["org_status"] == "已取消"


def test_the_registry_etag_changes_with_the_status(city, center, department, organization, client):
    with time_machine.travel(TODAY, tick=False):
        before = client.get(reverse("registry:json"))["ETag"]
        again = client.get(reverse("registry:json"), HTTP_IF_NONE_MATCH=before)
        assert again.status_code == 304
    take_effect(city, center, department, organization)
    with time_machine.travel(TODAY, tick=False):
        after = client.get(reverse("registry:json"), HTTP_IF_NONE_MATCH=before)
    assert after.status_code == 200 and after["ETag"] != before


def test_the_organization_page_has_the_dated_history(suspended, center, organization, client):
    with time_machine.travel(datetime(2024, 3, 5, 10, tzinfo=SH), tick=False):
        perform(suspended, "restore_sanction", center, reason="整改到位")
        page = client.get(reverse("registry:organization", args=[organization.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert '<strong data-testid="org-status">正常</strong>' in text
    history = text[text.index('data-testid="history"') :]
    assert history.index("2023-12-01") < history.index("2024-03-01") < history.index("2024-03-05")
    assert "暂停备案（2024-03-01 至 2024-05-31）" in history and "N-5.2" in history


def test_an_organization_not_in_the_registry_has_no_page(client, db):
    from tests.factories import InstitutionFactory

    unfiled = InstitutionFactory()
    assert client.get(reverse("registry:organization", args=[unfiled.pk])).status_code == 404


def test_the_verify_page_says_suspended(suspended, letter, client):
    letter.verify_code = new_code()
    letter.save(update_fields=["verify_code"])
    with time_machine.travel(TODAY, tick=False):
        page = client.get(reverse("verify:letter", args=[letter.verify_code])).content.decode()
    assert "<strong>暂停</strong>" in page and "alert-warning" in page
    assert "暂停或取消备案期间不能据此开展" in page


# ---- public notice and home page --------------------------------------------------------------


def test_the_public_notice_lists_effective_suspensions_and_revocations_only(
    suspended, city, organization, client
):
    from .conftest import draft

    draft(city, organization, K.REVOCATION, facts="草稿不公开")
    with time_machine.travel(TODAY, tick=False):
        page = client.get(reverse("sanctions_public:list")).content.decode()
    table = page[page.index('data-testid="public-sanctions"') :]
    assert table.count("<tr>") == 2  # the header and the one effective suspension
    assert "2024-03-01" in table and organization.name in table and "N-5.2" in table
    assert "草稿不公开" not in page and "现场检查记录" not in page  # no facts nor evidence


def test_the_organization_sees_its_sanction_on_its_home_page(suspended, owner, client):
    client.force_login(owner)
    with time_machine.travel(TODAY, tick=False):
        page = client.get(reverse("home"), follow=True).content.decode()
    assert 'data-testid="sanctions-in-force"' in page and "暂停至 2024-05-31" in page
    assert Sanction.objects.get().effective_on == date(2024, 3, 1)


def test_the_open_data_carries_each_organizations_dated_status_history(
    suspended, center, organization, client
):
    """Issue 25 item 9: the CSV and JSON add the dated status changes, as the organization's
    page shows them, oldest first."""
    with time_machine.travel(datetime(2024, 3, 5, 10, tzinfo=SH), tick=False):
        perform(suspended, "restore_sanction", center, reason="整改到位")
        item = _json_item(client)
        rows = list(csv.reader(io.StringIO(_body(client.get(reverse("registry:csv")))[1:])))
    changes = [(c["day"], c["status"]) for c in item["status_history"]]
    assert changes == [("2023-12-01", "正常"), ("2024-03-01", "暂停"), ("2024-03-05", "正常")]
    assert item["status_history"][1]["clause"] == "N-5.2"
    cell = rows[1][rows[0].index("状态变化")]
    assert cell.startswith(
        "2023-12-01 正常 备案（粤职评备〔2023〕001号）；2024-03-01 暂停 暂停备案"
    )
