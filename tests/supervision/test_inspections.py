"""Random inspection draws (双随机、一公开, issue 25 item 2, N-5.2): reproducible from the
recorded seed, never an inspector of the organization's city or with a conflict, published
through the engine, and public without the inspectors' identities."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evalorg.core.workflow import TransitionRefused, available_actions, perform
from evalorg.supervision.inspections import create_draw, run_draw, verify
from evalorg.supervision.models import Inspection, InspectionDraw
from tests.factories import CityStaffFactory, InstitutionFactory, city_agency
from tests.filing.conftest import province_staff, registry_row

from .conftest import TODAY, expert

pytestmark = pytest.mark.django_db

GUANGZHOU, SHENZHEN = "440100", "440300"


def filed(city: str, number: int):
    return registry_row(InstitutionFactory(city_id=city), number=number).application.institution


@pytest.fixture
def center(db):
    return province_staff()


@pytest.fixture
def organizations(db):
    """Four filed organizations: two in Guangzhou, two in Shenzhen."""
    return [filed(GUANGZHOU, 1), filed(GUANGZHOU, 2), filed(SHENZHEN, 3), filed(SHENZHEN, 4)]


@pytest.fixture
def inspectors(db):
    """Two experts of Guangzhou's pool, two of Shenzhen's."""
    return [
        expert(city_agency(GUANGZHOU), full_name="广州检查员甲"),
        expert(city_agency(GUANGZHOU), full_name="广州检查员乙"),
        expert(city_agency(SHENZHEN), full_name="深圳检查员甲"),
        expert(city_agency(SHENZHEN), full_name="深圳检查员乙"),
    ]


def draw(center, share=50, seed=2024, year=2024) -> InspectionDraw:
    with time_machine.travel(TODAY, tick=False):
        return create_draw(center, year, share, seed)


def drawn(d: InspectionDraw) -> list[tuple[int, int]]:
    return [(i.institution_id, i.inspector_id) for i in d.inspections.order_by("position")]


def test_the_same_seed_gives_the_same_draw_and_the_record_re_runs(
    center, organizations, inspectors
):
    first, second = draw(center, seed=77), draw(center, seed=77)
    assert drawn(first) == drawn(second) and len(drawn(first)) == 2  # 50% of 4
    assert first.candidates == sorted(o.pk for o in organizations)
    assert verify(first).matches
    outcomes = {tuple(drawn(draw(center, seed=seed))) for seed in range(12)}
    assert len(outcomes) > 1  # the seed decides


def test_a_changed_record_no_longer_re_runs(center, organizations, inspectors):
    d = draw(center, share=100)
    inspection = d.inspections.order_by("position").first()
    other = next(pk for pk in inspection.eligible if pk != inspection.inspector_id)
    Inspection.objects.filter(pk=inspection.pk).update(inspector_id=other)
    check = verify(d)
    assert check.organizations_match and not check.inspectors_match and not check.matches


def test_run_draw_is_a_pure_function_of_its_inputs():
    pools = {1: [10, 11], 2: [12], 3: [10, 13]}
    once = run_draw(5, [1, 2, 3], 60, pools.__getitem__)
    assert once == run_draw(5, [1, 2, 3], 60, pools.__getitem__)
    assert len(once) == 2  # 60% of 3, rounded up
    assert all(inspector in pools[org] for org, inspector in once)


def test_no_inspector_of_the_organizations_city_or_with_a_conflict(
    center, organizations, inspectors
):
    gz_org = organizations[0]
    conflicted = expert(city_agency(SHENZHEN), uscc=gz_org.uscc, full_name="本机构员工")
    for seed in range(15):
        for inspection in draw(center, share=100, seed=seed).inspections.select_related(
            "inspector__expert_profile__pool_agency", "institution"
        ):
            inspector_city = inspection.inspector.expert_profile.pool_agency.division_id
            assert inspector_city != inspection.institution.city_id
            if inspection.institution_id == gz_org.pk:
                assert inspection.inspector_id != conflicted.pk
                assert conflicted.pk not in inspection.eligible
    shenzhen_ids = {inspectors[2].pk, inspectors[3].pk}
    gz = Inspection.objects.filter(institution=gz_org).first()
    assert set(gz.eligible) == shenzhen_ids  # the positive control: who was eligible


def test_an_organization_without_an_eligible_inspector_refuses_the_draw(center, organizations):
    expert(city_agency(GUANGZHOU))  # only Guangzhou experts: Guangzhou's organizations have none
    with pytest.raises(TransitionRefused) as refused:
        draw(center, share=100)
    assert (
        "没有可抽取的检查人员" in str(refused.value)
        and "（N-5.2）" in refused.value.refusals[0].shown
    )
    assert not InspectionDraw.objects.exists() and not Inspection.objects.exists()


@pytest.mark.parametrize("share", [0, 101])
def test_a_share_out_of_range_is_refused(center, organizations, inspectors, share):
    with pytest.raises(TransitionRefused) as refused:
        draw(center, share=share)
    assert "抽取比例须在" in str(refused.value)
    assert not InspectionDraw.objects.exists()


def test_only_the_center_publishes_and_everyone_concerned_is_told(
    center, organizations, inspectors
):
    d = draw(center)
    city = CityStaffFactory(agency=city_agency(GUANGZHOU))
    assert available_actions(d, city) == []
    with pytest.raises(TransitionRefused):
        perform(d, "publish_draw", city)
    with time_machine.travel(TODAY, tick=False):
        published = perform(d, "publish_draw", center)
    assert published.status == "published" and published.published_at is not None
    with pytest.raises(TransitionRefused):  # published once
        perform(published, "publish_draw", center)
    notified = {m.recipient_id for m in _messages()}
    assert {i.inspector_id for i in d.inspections.all()} <= notified


def _messages():
    from evalorg.notify.models import Message

    return Message.objects.all()


def test_the_public_page_lists_published_draws_without_inspectors(
    client, center, organizations, inspectors
):
    hidden = draw(center, seed=1)
    shown = draw(center, seed=2)
    with time_machine.travel(TODAY, tick=False):
        perform(shown, "publish_draw", center)
    page = client.get(reverse("inspections_public:list")).content.decode()
    assert str(shown.seed) in page and str(hidden) not in page
    for inspection in shown.inspections.select_related("institution", "inspector"):
        assert inspection.institution.name in page
        assert inspection.inspector.full_name not in page
    assert "已抽取检查人员" in page and "与记录一致" in page
    before = _queries(client, reverse("inspections_public:list"))
    for seed in (3, 4):
        more = draw(center, seed=seed)
        with time_machine.travel(TODAY, tick=False):
            perform(more, "publish_draw", center)
    assert _queries(client, reverse("inspections_public:list")) == before  # rows grew


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_center_draws_on_its_page_and_the_re_run_matches(
    client, center, organizations, inspectors
):
    client.force_login(center)
    with time_machine.travel(TODAY, tick=False):
        response = client.post(
            reverse("supervision:draws"), {"year": 2024, "share": 50, "seed": 99, "confirm": "yes"}
        )
    d = InspectionDraw.objects.get()
    assert response.status_code == 302 and d.seed == 99 and d.inspections.count() == 2
    page = client.get(reverse("supervision:draw", args=[d.pk]) + "?verify=1").content.decode()
    assert "99" in page and "重新演算结果与记录一致" in page


def test_a_city_reads_its_own_organizations_and_an_inspector_its_own(
    client, center, organizations, inspectors
):
    d = draw(center, share=100)
    with time_machine.travel(TODAY, tick=False):
        perform(d, "publish_draw", center)
    gz_city = CityStaffFactory(agency=city_agency(GUANGZHOU))
    client.force_login(gz_city)
    page = client.get(reverse("supervision:draw", args=[d.pk])).content.decode()
    assert organizations[0].name in page and organizations[2].name not in page
    inspection = d.inspections.order_by("position").first()
    client.force_login(inspection.inspector)
    page = client.get(reverse("supervision:draw", args=[d.pk])).content.decode()
    assert inspection.institution.name in page
    others = d.inspections.exclude(inspector=inspection.inspector)
    assert all(o.institution.name not in page for o in others)
    not_drawn = expert(city_agency(SHENZHEN), full_name="未抽中专家")
    client.force_login(not_drawn)
    assert client.get(reverse("supervision:draw", args=[d.pk])).status_code == 404


def test_the_centers_list_of_draws_keeps_its_queries_as_draws_grow(
    client, center, organizations, inspectors
):
    draw(center, seed=1)
    client.force_login(center)
    before = _queries(client, reverse("supervision:draws"))
    for seed in (2, 3, 4):
        draw(center, seed=seed)
    assert _queries(client, reverse("supervision:draws")) == before


def test_the_draft_and_each_inspection_are_on_the_to_do_list_of_who_acts(
    center, organizations, inspectors
):
    """The center finds its unpublished draw, each drawn inspector its inspection's page, from the
    home page's to-do list (issue 19's routing); a city agency has nothing to do before the
    organization answers."""
    from evalorg.core.todo import todo_items

    d = draw(center)
    url = reverse("supervision:draw", args=[d.pk])
    assert [(i.url, i.actions) for i in todo_items(center) if i.workflow == "inspection_draw"] == [
        (url, ("publish_draw",))
    ]
    with time_machine.travel(TODAY, tick=False):
        perform(d, "publish_draw", center)
    assert not [i for i in todo_items(center) if i.workflow == "inspection_draw"]
    first = d.inspections.select_related("inspector").order_by("position").first()
    mine = [i for i in todo_items(first.inspector) if i.workflow == "inspection"]
    assert mine and {i.url for i in mine} == {reverse("supervision:inspection", args=[first.pk])}
    assert "record_no_findings" in mine[0].actions
    city = CityStaffFactory(agency=city_agency(GUANGZHOU))
    assert not [i for i in todo_items(city) if i.workflow == "inspection"]
