"""One conflict-of-interest rule (回避), asked by every page (issue 7 item 10).

An expert is conflicted for (panel, application) when they declared a conflict, when a conflict
was detected when they declared, or when the detection finds one now. The last case is the one
the stored declarations alone missed: an expert who becomes the institution's contact after
declaring "none" kept seeing the case's files and PDF and kept counting in the ranking.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evalorg.review import conflicts
from evalorg.review.conflicts import ConflictIndex
from evalorg.review.models import Assignment, ExpertProfile, Panel, PanelMember
from evalorg.review.services import ranked
from evalorg.review.transitions import scoring_complete
from tests.factories import CityStaffFactory, UserFactory

from .conftest import ITEM_CODES, panel_with_experts, score, verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return CityStaffFactory()


@pytest.fixture
def scored(staff):
    """A verified case scored by four experts who all declared "none"; experts[0] gave 10s."""
    application = verified(staff)
    panel, experts = panel_with_experts(staff, 4)
    score(panel, application, experts, [10, 6, 6, 6])
    return application, panel, experts


def become_contact(expert, application) -> None:
    institution = application.institution
    institution.contact_email = expert.email
    institution.save()


def case_urls(application) -> list[str]:
    material = application.materials.first()
    return [
        reverse("applications:material_download", args=[application.pk, material.pk]),
        reverse("applications:pdf", args=[application.pk]),
    ]


# ---- the rule ---------------------------------------------------------------------------------


def test_each_detection_rule_from_both_sides(staff):
    application = verified(staff)
    institution = application.institution
    panel, experts = panel_with_experts(staff, 4)
    Assignment.objects.create(panel=panel, application=application)
    ExpertProfile.objects.create(user=experts[0], employer_uscc=institution.uscc.lower())
    institution.contact_phone = experts[1].phone = "13800138000"
    institution.save()
    experts[1].save()
    institution.memberships.create(user=experts[2])
    index = ConflictIndex.for_applications([application])
    reasons = [index.reasons(panel.pk, e, application) for e in experts]
    assert reasons[0] == ["专家工作单位统一社会信用代码与申请机构相同"]
    assert reasons[1] == ["专家是申请机构的联系人"]
    assert reasons[2] == ["专家是申请机构的系统账户"]
    assert reasons[3] == []
    assert [index.is_conflicted(panel.pk, e, application) for e in experts] == [1, 1, 1, 0]


def test_declared_kind_and_stored_detection_each_conflict(staff):
    application = verified(staff)
    panel, experts = panel_with_experts(staff, 3)
    conflicts.declare(panel, application, experts[0], "consultant")
    declaration = conflicts.declare(panel, application, experts[1], "none")
    declaration.detected = "专家是申请机构的联系人"  # detected then, not any more
    declaration.save()
    conflicts.declare(panel, application, experts[2], "none")
    index = ConflictIndex.for_applications([application])
    assert [index.is_conflicted(panel.pk, e, application) for e in experts] == [1, 1, 0]
    assert index.reasons(panel.pk, experts[1], application) == ["专家是申请机构的联系人"]


def test_a_declaration_on_another_panel_does_not_count_for_this_one(staff):
    application = verified(staff)
    panel, experts = panel_with_experts(staff, 1)
    other = Panel.objects.create(
        agency=staff.agency, round=application.round, stage="province_selection", name="省评审组"
    )
    conflicts.declare(other, application, experts[0], "consultant")
    index = ConflictIndex.for_applications([application])
    assert index.is_conflicted(other.pk, experts[0], application)
    assert not index.is_conflicted(panel.pk, experts[0], application)


def test_index_answers_many_cases_in_constant_queries(staff):
    panel, experts = panel_with_experts(staff, 3)
    counts = []
    for total in (1, 3):
        cases = []
        for _ in range(total):
            case = verified(staff)
            score(panel, case, experts, [8, 8, 8])
            cases.append(case)
        with CaptureQueriesContext(connection) as captured:
            index = ConflictIndex.for_applications(cases)
            for case in cases:
                for expert in experts:
                    index.is_conflicted(panel.pk, expert, case)
        counts.append(len(captured))
    assert counts[0] == counts[1]


# ---- the bugs: detected now, after (or before) declaring "none" --------------------------------


def test_expert_made_contact_after_declaring_loses_files_and_pdf(client, scored):
    application, _panel, experts = scored
    conflicted, cleared = experts[0], experts[1]
    client.force_login(conflicted)
    assert [client.get(url).status_code for url in case_urls(application)] == [200, 200]
    become_contact(conflicted, application)
    assert [client.get(url).status_code for url in case_urls(application)] == [404, 404]
    client.force_login(cleared)
    assert [client.get(url).status_code for url in case_urls(application)] == [200, 200]


def test_expert_detected_before_declaring_gets_no_files(client, staff):
    application = verified(staff)
    panel, experts = panel_with_experts(staff, 2)
    Assignment.objects.create(panel=panel, application=application)
    become_contact(experts[0], application)
    client.force_login(experts[0])
    assert [client.get(url).status_code for url in case_urls(application)] == [404, 404]
    client.force_login(experts[1])
    assert [client.get(url).status_code for url in case_urls(application)] == [200, 200]


def test_expert_made_contact_after_declaring_is_refused_the_scoresheet(client, scored):
    application, _panel, experts = scored
    url = reverse("expert:scoresheet", args=[application.pk])
    client.force_login(experts[0])
    assert client.get(url).status_code == 200
    become_contact(experts[0], application)
    response = client.get(url)
    assert response.status_code == 403
    assert "专家是申请机构的联系人" in response.content.decode()
    client.force_login(experts[1])
    assert client.get(url).status_code == 200


def test_ranking_drops_the_sheet_of_an_expert_made_contact(staff, scored):
    application, _panel, experts = scored
    before = ranked(staff.agency, application.round)[0].aggregate.total
    become_contact(experts[0], application)
    after = ranked(staff.agency, application.round)[0].aggregate.total
    assert after < before
    assert after == ranked_total_of(application, experts[1:])


def ranked_total_of(application, experts):
    """The total the three cleared experts give: every item at 6 points."""
    from evalorg.review.scoring import sheet_total
    from evalorg.review.services import template_for

    items = template_for(application.round, "city_assessment")
    return sheet_total({code: 6 for code in ITEM_CODES}, items)


def test_panel_page_and_expert_list_show_the_expert_made_contact_as_conflicted(
    client, staff, scored
):
    application, _panel, experts = scored
    become_contact(experts[0], application)
    client.force_login(staff)
    page = client.get(reverse("panels:list")).content.decode()
    row = f'data-application="{application.pk}" data-expert="{experts[0].pk}" class="table-warning"'
    assert row in page
    cleared = f'data-application="{application.pk}" data-expert="{experts[1].pk}">'
    assert cleared in page
    client.force_login(experts[0])
    assert "回避，不参与评分" in client.get(reverse("expert:home")).content.decode()
    client.force_login(experts[1])
    assert "回避，不参与评分" not in client.get(reverse("expert:home")).content.decode()


def test_scoring_complete_no_longer_waits_for_a_conflicted_expert(staff):
    application = verified(staff)
    panel, experts = panel_with_experts(staff, 4)
    score(panel, application, experts[:3], [8, 8, 8])
    conflicts.declare(panel, application, experts[3], "none")  # declared, never scored
    assert scoring_complete(application, staff, {})  # waits for experts[3]
    become_contact(experts[3], application)
    assert scoring_complete(application, staff, {}) == []


def test_case_page_aggregate_drops_the_sheet_of_an_expert_made_contact(staff, scored):
    from evalorg.review.stage_sections import stage_sections

    application, _panel, experts = scored
    before = stage_sections(application)[0].aggregate.total
    become_contact(experts[0], application)
    assert stage_sections(application)[0].aggregate.total < before


# ---- lists keep a constant number of queries -------------------------------------------------


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("target", ["expert:home", "applications:list"])
def test_expert_lists_query_count_is_constant(client, staff, target):
    panel, experts = panel_with_experts(staff, 3)
    client.force_login(experts[0])
    counts = []
    for total in (1, 4):
        while Assignment.objects.filter(panel=panel).count() < total:
            score(panel, verified(staff), experts, [8, 8, 8])
        counts.append(_queries(client, reverse(target)))
    assert counts[0] == counts[1]


def test_ranking_query_count_is_constant(staff):
    panel, experts = panel_with_experts(staff, 3)
    counts = []
    for total in (1, 4):
        while Assignment.objects.filter(panel=panel).count() < total:
            score(panel, verified(staff), experts, [8, 8, 8])
        round_ = panel.round
        with CaptureQueriesContext(connection) as captured:
            rows = ranked(staff.agency, round_)
        assert len(rows) == total
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_chosen_expert_not_on_panel_list_is_loaded_too(staff):
    """A scorer chosen by name is loaded by the index without a query per expert."""
    application = verified(staff)
    panel, _experts = panel_with_experts(staff, 3)
    assignment = Assignment.objects.create(panel=panel, application=application)
    outsider = UserFactory(role="expert")
    PanelMember.objects.create(panel=panel, expert=outsider)
    assignment.experts.set([outsider])
    become_contact(outsider, application)
    index = ConflictIndex.for_applications([application])
    with CaptureQueriesContext(connection) as captured:
        assert index.is_conflicted(panel.pk, outsider.pk, application)
    assert len(captured) == 0
