"""A case's history says which occupation line moved and shows its states in Chinese (issue 19
item 7: line events read ``requested → excluded`` with no occupation)."""

import pytest

from evalorg.applications import workflow
from evalorg.applications.history import applicant_history, staff_history
from tests.factories import CityStaffFactory

from .test_views import _submitted

pytestmark = pytest.mark.django_db


def test_a_line_event_names_its_occupation_and_its_states_in_chinese():
    case = _submitted()
    line = case.occupations.select_related("occupation").order_by("pk").first()
    workflow.perform(line, "exclude", CityStaffFactory(), reason="该等级不在本轮目录内")
    name = f"{line.occupation.name} · {line.get_level_display()}"
    for history in (staff_history(case), applicant_history(case)):
        row = next(r for r in history if r.label.startswith("排除该职业"))
        assert row.label == f"排除该职业（{name}）"
        assert row.change == "申请中 → 已排除"
        assert row.reason == "该等级不在本轮目录内"
        for raw in ("requested", "excluded", "exclude"):
            assert raw not in f"{row.label} {row.change}"


def test_the_history_costs_the_same_queries_with_more_lines(django_assert_num_queries):
    case = _submitted()
    staff = CityStaffFactory()
    lines = list(case.occupations.order_by("pk"))
    workflow.perform(lines[0], "exclude", staff, reason="一")
    with django_assert_num_queries(2):
        staff_history(case)
    for line in lines[1:]:
        workflow.perform(line, "exclude", staff, reason="二")
    with django_assert_num_queries(2):
        assert len([r for r in staff_history(case) if "排除该职业" in r.label]) == len(lines)
