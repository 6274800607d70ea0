"""Each role's to-do list (issue 19 item 1) on the access matrix's world (tests/access/world.py),
where cases stand at every stage: each user finds an item they can act on, with the page where
the action is, and not one of somebody else's (another city's case, another expert's sheet)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from evalorg.applications.models import Application
from evalorg.applications.todo import CASE_SOURCE
from evalorg.core.todo import Stage, TodoItem, _items_of, todo_groups, todo_items
from evalorg.core.workflow import available_actions
from tests.access.world import (
    CITY,
    DEPARTMENT,
    EXPERT,
    OTHER_APPLICANT,
    OTHER_CITY,
    OTHER_EXPERT,
    PROVINCE,
    World,
    build_world,
)
from tests.applications.conftest import SH

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    storage = tmp_path_factory.mktemp("todo-private")
    files = {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(storage)},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with (
        django_db_blocker.unblock(),
        override_settings(
            STORAGES=files,
            MEDIA_ROOT=storage,
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
        ),
        transaction.atomic(),
    ):
        built = build_world()
        yield built
        transaction.set_rollback(True)


def _items(user) -> dict[str, TodoItem]:
    return {item.url: item for item in todo_items(user)}


def _item_for(user, url: str) -> TodoItem:
    items = _items(user)
    assert url in items, f"{url} not in {sorted(items)}"
    return items[url]


def test_the_applicant_submits_its_draft_and_sees_no_other_institutions(world: World) -> None:
    draft = world.case("draft")
    page = reverse("applications:detail", args=[draft.pk])
    item = _item_for(world.owner("draft"), page)
    assert (item.stage, item.actions, item.deadline) == (
        Stage.APPLICATION,
        ("submit",),
        draft.round.application_deadline,
    )
    assert "甲方机构1有限公司" in item.title
    assert page not in _items(world.users[OTHER_APPLICANT])
    assert page not in _items(world.owner("review"))  # another institution of the same city


def test_city_staff_decide_their_own_cases_only(world: World) -> None:
    assessed, other = world.case("assessed"), world.case("other_city")
    items = todo_items(world.users[CITY])
    mine = [i for i in items if i.pk == assessed.pk and i.workflow == "case"]
    assert [(i.actions, i.url, i.stage) for i in mine] == [
        (("recommend", "not_recommend"), reverse("review:ranking"), Stage.CITY_REVIEW)
    ]
    url = reverse("applications:detail", args=[other.pk])
    assert url not in _items(world.users[CITY])
    assert _item_for(world.users[OTHER_CITY], url).actions == ("return_for_correction", "verify")


def test_province_staff_review_banks_and_not_a_citys_first_instance(world: World) -> None:
    line = world.objects["line"]
    review = reverse("cultivation:line_review", kwargs={"line_pk": line.pk})
    item = _item_for(world.users[PROVINCE], review)
    assert item.actions == ("pass_bank", "fail_bank") and item.stage == Stage.CULTIVATION
    assert item.deadline == world.case("cultivation").cultivation_period.last_day
    other = reverse("applications:detail", args=[world.case("other_city").pk])
    assert other not in _items(world.users[PROVINCE])
    assert review not in _items(world.owner("cultivation"))  # the applicant cannot review it


def test_the_department_approves_the_proposed_batch_not_the_approved_one(world: World) -> None:
    proposed = reverse("filing:batch", args=[world.pk("batch")])
    item = _item_for(world.users[DEPARTMENT], proposed)
    assert item.actions == ("approve",) and item.stage == Stage.ACCEPTANCE
    approved = reverse("filing:batch", args=[world.pk("approved_batch")])
    assert approved not in _items(world.users[DEPARTMENT])
    assert _item_for(world.users[PROVINCE], approved).actions == ("publish",)
    assert proposed not in _items(world.users[PROVINCE])


def test_the_expert_scores_the_assigned_case_before_saving_anything(world: World) -> None:
    case = world.case("review")
    sheet = reverse("expert:scoresheet", args=[case.pk])
    item = _item_for(world.users[EXPERT], sheet)
    assert item.actions == ("submit_scoresheet",) and item.pk is None  # not started yet
    assert item.stage == Stage.CITY_REVIEW
    assert sheet not in _items(world.users[OTHER_EXPERT])
    unassigned = reverse("expert:scoresheet", args=[world.pk("unassigned")])
    scored = reverse("expert:scoresheet", args=[world.case("scored").pk])
    assert unassigned not in _items(world.users[EXPERT])
    assert scored not in _items(world.users[EXPERT])  # submitted already


def test_every_stored_item_is_an_action_the_engine_offers(world: World) -> None:
    """The list and the pages' buttons agree: each stored object's listed actions are among
    ``available_actions`` for that user."""
    from evalorg.core.workflow import workflows

    models = {w.name: w.model for w in workflows()}
    users = [world.users[r] for r in (CITY, OTHER_CITY, PROVINCE, DEPARTMENT, EXPERT)]
    users += [world.owner(stage) for stage in ("draft", "cultivation", "province")]
    checked = 0
    for user in users:
        for item in todo_items(user):
            if item.pk is None:
                continue
            obj = models[item.workflow]._default_manager.get(pk=item.pk)
            offered = {t.action for t in available_actions(obj, user)}
            assert set(item.actions) <= offered, (user, item)
            checked += 1
    assert checked > 10


def test_groups_follow_the_stages_and_count_every_item(world: World) -> None:
    groups = todo_groups(world.users[PROVINCE])
    order = [g.stage for g in groups]
    assert order == sorted(order, key=list(Stage.values).index)
    for group in groups:
        assert sum(k.count for k in group.kinds) == group.count == len(group.items)


def test_a_notice_is_work_once_its_period_is_over(world: World) -> None:
    notice = world.objects["notice"]
    page = reverse("publicity:notice", args=[notice.pk])
    last_day = datetime.combine(notice.ends_on, time(18, 0), tzinfo=SH)
    with time_machine.travel(last_day, tick=False):
        assert page not in _items(world.users[PROVINCE])
    with time_machine.travel(last_day + timedelta(days=1), tick=False):
        assert _item_for(world.users[PROVINCE], page).actions == ("end",)


def test_the_relation_is_asked_when_a_scope_is_wider(world: World) -> None:
    """A source whose scope is every case still lists only the receiving city's (the case
    workflow's relation, asked object by object on what the scope loaded)."""
    wide = replace(CASE_SOURCE, scope=lambda user: Application.objects.all())
    other = world.case("other_city")
    assert other.pk not in {i.pk for i in _items_of(wide, world.users[CITY])}
    assert other.pk in {i.pk for i in _items_of(wide, world.users[OTHER_CITY])}
