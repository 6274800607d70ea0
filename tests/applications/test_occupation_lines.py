"""Occupation lines: one row per application, occupation and level (issue #7, item 3)."""

from datetime import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse

from evalorg.applications import workflow
from evalorg.applications.eligibility import input_from_application
from evalorg.applications.models import Application, ApplicationOccupation, group_lines
from evalorg.applications.occupation_lines import create_lines, set_levels
from evalorg.core.models import AuditEvent

from .conftest import SH, applicant_of, build_application

pytestmark = pytest.mark.django_db

WELDER, ELECTRICIAN = "6-18-02-04", "6-31-01-03"


def levels_of(application, code: str = WELDER) -> list[int]:
    return list(application.occupations.filter(occupation_id=code).values_list("level", flat=True))


def post_levels(client, application, code: str, levels: list[int]):
    url = reverse("applications:step_occupations", args=[application.pk])
    return client.post(url, {"code": code, "levels": levels})


def test_wizard_saving_two_levels_creates_two_lines(client):
    application = build_application(occupations=())
    client.force_login(applicant_of(application))
    response = post_levels(client, application, WELDER, [4, 5])
    assert response.status_code == 302
    assert levels_of(application) == [5, 4]
    assert set(application.occupations.values_list("status", flat=True)) == {"requested"}
    event = AuditEvent.objects.for_object(application).get(action="occupation_added")
    assert event.data == {"code": WELDER, "levels": [5, 4]}


def test_unticking_a_level_deletes_only_its_line(client):
    application = build_application(occupations=((WELDER, [5, 4]),))
    kept = application.occupations.get(level=5).pk
    client.force_login(applicant_of(application))
    post_levels(client, application, WELDER, [5, 3])
    assert levels_of(application) == [5, 3]
    assert application.occupations.get(level=5).pk == kept  # status and identity kept
    removed = AuditEvent.objects.for_object(application).get(action="occupation_removed")
    assert removed.data == {"code": WELDER, "levels": [4]}


def test_remove_button_deletes_one_level(client):
    application = build_application(occupations=((WELDER, [5, 4]), (ELECTRICIAN, [5])))
    line = application.occupations.get(occupation_id=WELDER, level=4)
    client.force_login(applicant_of(application))
    client.post(reverse("applications:occupation_remove", args=[application.pk, line.pk]))
    assert levels_of(application) == [5]
    assert levels_of(application, ELECTRICIAN) == [5]


def test_remove_all_deletes_every_level_of_the_occupation(client):
    application = build_application(occupations=((WELDER, [5, 4]), (ELECTRICIAN, [5])))
    client.force_login(applicant_of(application))
    url = reverse("applications:occupation_remove_all", args=[application.pk, WELDER])
    client.post(url)
    assert levels_of(application) == []
    assert levels_of(application, ELECTRICIAN) == [5]


def test_lines_cannot_change_once_submitted():
    application = build_application()
    with time_machine.travel(datetime(2023, 5, 10, tzinfo=SH), tick=False):
        workflow.perform(application, "submit", applicant_of(application))
    stale = Application.objects.get(pk=application.pk)
    stale.state = "draft"  # a page loaded before the submission
    with pytest.raises(PermissionDenied):
        set_levels(stale, WELDER, [3], applicant_of(application))
    assert levels_of(application) == [5, 4]


def test_one_line_per_application_occupation_and_level():
    application = build_application(occupations=((WELDER, [5]),))
    with pytest.raises(IntegrityError), transaction.atomic():
        ApplicationOccupation.objects.create(application=application, occupation_id=WELDER, level=5)
    create_lines(application, WELDER, [4])  # another level is another line
    assert levels_of(application) == [5, 4]


def test_lines_are_ordered_by_code_then_five_to_one():
    application = build_application(occupations=((ELECTRICIAN, [1, 3]), (WELDER, [4, 5])))
    assert list(application.occupations.values_list("occupation_id", "level")) == [
        (WELDER, 5),
        (WELDER, 4),
        (ELECTRICIAN, 3),
        (ELECTRICIAN, 1),
    ]


def test_group_lines_shows_an_occupation_once_without_queries(django_assert_num_queries):
    application = build_application(occupations=((WELDER, [4, 5]), (ELECTRICIAN, [3])))
    prefetched = Application.objects.prefetch_related("occupations__occupation").get(
        pk=application.pk
    )
    with django_assert_num_queries(0):
        groups = prefetched.occupation_groups()
        texts = [str(group) for group in groups]
    assert texts == ["焊工（五级/初级工、四级/中级工）", "电工（三级/高级工）"]
    assert [group.levels for group in groups] == [(5, 4), (3,)]


def test_group_lines_sorts_levels_whatever_the_row_order():
    application = build_application(occupations=((WELDER, [3, 5, 4]),))
    rows = list(application.occupations.select_related("occupation").order_by("level"))
    [group] = group_lines(rows)
    assert group.level_labels == ["五级/初级工", "四级/中级工", "三级/高级工"]


def test_pages_list_each_occupation_once_with_its_levels(client):
    application = build_application(occupations=((WELDER, [5, 4]),))
    client.force_login(applicant_of(application))

    def page(name: str) -> str:
        return client.get(reverse(name, args=[application.pk])).content.decode()

    assert (
        page("applications:step_review").count("6-18-02-04 焊工（五级/初级工、四级/中级工）") == 1
    )
    assert page("applications:step_occupations").count(f'<tr data-code="{WELDER}">') == 1
    detail = page("applications:detail")
    assert detail.count("<td>焊工</td>") == 1
    assert "五级/初级工（申请中）<br>四级/中级工（申请中）" in detail


def test_search_pre_ticks_the_levels_already_requested(client):
    application = build_application(occupations=((WELDER, [4]),))
    client.force_login(applicant_of(application))
    url = reverse("applications:occupation_search", args=[application.pk])
    page = client.get(url, {"q": WELDER}).content.decode()
    assert 'value="4" checked' in page and 'value="5" checked' not in page


def test_eligibility_input_groups_lines_by_occupation():
    application = build_application(occupations=((WELDER, [4, 5]), (ELECTRICIAN, [3])))
    assert input_from_application(application).occupations == (
        (WELDER, (5, 4)),
        (ELECTRICIAN, (3,)),
    )
