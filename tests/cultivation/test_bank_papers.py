"""A/B sample papers drawn within the paper-assembly plan (issue 20 item 2, 附件6, N-4.2).

The plan allows 判断 40–60 and 单选 140–160 in a 200-item paper; the papers may share at most
10 % of a paper's items. With one first-level range (weight 100) and plenty of 判断, the fewest
shared items come with 60 判断 / 140 单选: A and B then share max(0, 280 − S) 单选 for S 单选
in the bank. The old fixed 50/150 draw shared 300 − S and refused every bank below 280.
"""

from __future__ import annotations

import pytest

from evalorg.cultivation.banks.checks import Paper, assemble_papers, check_theory_bank
from evalorg.cultivation.banks.parse import SpecRow, TheoryItem
from evalorg.cultivation.banks.requirements import BankRequirements, PaperPlan

REQ = BankRequirements()
PLAN = REQ.plan_for(5)


def spec() -> list[SpecRow]:
    rows = [SpecRow("细目表", 2, 5, "A", "A", 100.0, "", "", "")]
    rows += [
        SpecRow("细目表", k + 3, 5, "A", "", None, f"{k + 1:03d}", "点", "X") for k in range(200)
    ]
    return rows


def bank(judge: int, single: int) -> list[TheoryItem]:
    items = []
    for k in range(judge + single):
        is_judge = k < judge
        items.append(
            TheoryItem(
                "理论知识试题",
                k + 2,
                f"T{k}",
                "判断" if is_judge else "单选",
                f"题干{k}",
                ("",) * 5 if is_judge else ("甲", "乙", "丙", "丁", ""),
                "对" if is_judge else "A",
                f"A.{k % 200 + 1:03d}",
                5,
                None,
                None,
            )
        )
    return items


def shared(a: Paper, b: Paper) -> int:
    return len({i.row for i in a.items} & {i.row for i in b.items})


@pytest.mark.parametrize(("single", "shared_items"), [(261, 19), (260, 20)])
def test_a_bank_that_allows_10_percent_shared_within_the_ranges_passes(single, shared_items):
    result = assemble_papers(spec(), bank(120, single), PLAN, seed=1)
    assert not isinstance(result, list), result
    a, b = result
    assert a.counts_by_type() == b.counts_by_type() == {"判断": 60, "单选": 140}
    assert shared(a, b) == shared_items


def test_one_item_past_the_boundary_is_refused_with_the_real_share():
    result = assemble_papers(spec(), bank(120, 259), PLAN, seed=1)
    assert isinstance(result, list)
    [problem] = result
    assert problem.kind == "paper_overlap"
    assert "最少也有 21 道相同试题（10.5%）" in problem.message
    assert "判断 40–60 道、单选 140–160 道" in problem.message


def test_the_check_reports_what_was_drawn_and_the_real_share():
    report = check_theory_bank(spec(), bank(120, 260), REQ)
    [papers] = report.summary["papers"]
    assert papers == {
        "level": 5,
        "items": 200,
        "A": {"判断": 60, "单选": 140, "多选": 0},
        "B": {"判断": 60, "单选": 140, "多选": 0},
        "shared": 20,
        "share": 10.0,  # 20 of a paper's 200 items, not 20 of A's and B's 400 doubled
        "passed": True,
    }
    assert not report.has_kind("paper_overlap")
    refused = check_theory_bank(spec(), bank(120, 259), REQ)
    assert refused.summary["papers"][0]["share"] == 10.5
    assert refused.summary["papers"][0]["passed"] is False
    assert not refused.passed


def test_few_judge_items_move_the_counts_the_other_way():
    """With 80 判断 and plenty of 单选 the least sharing is 40 判断 (no 判断 shared)."""
    a, b = assemble_papers(spec(), bank(80, 400), PLAN, seed=2)
    assert a.counts_by_type() == {"判断": 40, "单选": 160}
    assert shared(a, b) == 0


def test_a_bank_with_room_keeps_the_plans_target_counts():
    a, _b = assemble_papers(spec(), bank(200, 600), PLAN, seed=2)
    assert a.counts_by_type() == {"判断": 50, "单选": 150}


def test_a_bank_below_every_count_in_the_ranges_names_the_short_pool():
    result = assemble_papers(spec(), bank(39, 400), PLAN, seed=2)
    assert isinstance(result, list)
    assert [p.kind for p in result] == ["paper_pool"]
    assert "判断题只有 39 道可用" in result[0].message and "需要 40 道" in result[0].message


def test_a_plan_of_three_types_is_searched_too():
    plan = PaperPlan(level=5, judge=(20, 40), single=(120, 140), multi=(20, 40))
    items = bank(80, 500)
    items += [
        TheoryItem(
            "理论知识试题",
            2000 + k,
            f"M{k}",
            "多选",
            f"多选题{k}",
            ("甲", "乙", "丙", "", ""),
            "AB",
            f"A.{k % 200 + 1:03d}",
            5,
            None,
            None,
        )
        for k in range(40)
    ]
    a, b = assemble_papers(spec(), items, plan, seed=3)
    assert a.counts_by_type() == {"判断": 40, "单选": 140, "多选": 20}
    assert shared(a, b) == 0
