"""Every question-bank threshold of SPEC §5 Cultivation (N-4.2, 附件6), tested on both sides.

SPEC: "X (core) points ≥ 80 %, Y ≤ 15 %, Z ≤ 5 %, ≥ 200 points per level; every point has
≥ 4 theory items; two sample papers (A/B, ≤ 10 % shared)", the "first-level weights summing to
100", and our default of 2 points per weight point in each first-level range
(``BankRequirements.points_per_weight``). Each boundary has a test that the
value exactly at the limit is accepted and one that the nearest value past it is refused; the
specification tables are built as parsed rows (no workbook) so the counts are exact.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from evalorg.cultivation.banks.checks import _overlap_problems, check_theory_bank
from evalorg.cultivation.banks.parse import SpecRow, TheoryItem
from evalorg.cultivation.banks.report import Report
from evalorg.cultivation.banks.requirements import BankRequirements, PaperPlan
from evalorg.cultivation.banks.specification import check_specification

REQ = BankRequirements()
WEIGHTS = {"A": 30, "B": 40, "C": 30}


def table(
    x: int,
    y: int,
    z: int,
    blank: int = 0,
    level: int = 5,
    weights: dict[str, float] = WEIGHTS,
    sizes: dict[str, int] | None = None,
) -> list[SpecRow]:
    """A level's specification table with ``x`` X, ``y`` Y, ``z`` Z points and ``blank`` points
    without importance, spread over the ranges A/B/C by their weights (30/40/30) unless
    ``sizes`` says how many points each range has."""
    importance = ["X"] * x + ["Y"] * y + ["Z"] * z + [""] * blank
    total, rows, n = len(importance), [], 0
    if sizes is None:
        sizes = {code: int(total * weight // 100) for code, weight in weights.items()}
        sizes["B"] += total - sum(sizes.values())
    assert sum(sizes.values()) == total
    for code, weight in weights.items():
        rows.append(SpecRow("细目表", len(rows) + 2, level, code, code, weight, "", "", ""))
        for k in range(1, sizes[code] + 1):
            row = SpecRow(
                "细目表", len(rows) + 2, level, code, "", None, f"{k:03d}", "点", importance[n]
            )
            rows.append(row)
            n += 1
    return rows


def messages(report: Report, needle: str) -> list[str]:
    return [p.message for p in report.errors if needle in p.message]


def core(report: Report) -> list[str]:
    return messages(report, "核心鉴定点 X")


def test_the_builder_gives_a_clean_table_at_every_limit():
    """Positive control for all below: 80 % X, 15 % Y, 5 % Z, 200 points pass."""
    assert check_specification(table(160, 30, 10), REQ).problems == []
    assert check_specification(table(800, 150, 50), REQ).problems == []


# ---- X (core) ≥ 80 % ---------------------------------------------------------------------------


def test_core_share_of_exactly_80_percent_is_accepted():
    assert core(check_specification(table(800, 150, 50), REQ)) == []


def test_core_share_of_79_9_percent_is_refused():
    # 799 X of 1000 points (one point has no importance, so Y and Z stay within their limits)
    report = check_specification(table(799, 150, 50, blank=1), REQ)
    assert core(report) == ["5级核心鉴定点 X 占 79.9%，应不低于 80%（N-4.2）。"]


def test_core_share_of_79_5_percent_is_refused():
    """The issue's case: 159 X of 200 points."""
    report = check_specification(table(159, 30, 10, blank=1), REQ)
    assert core(report) == ["5级核心鉴定点 X 占 79.5%，应不低于 80%（N-4.2）。"]


def test_a_refused_core_share_is_never_shown_rounded_up_to_the_limit():
    """1999 X of 2500 points is 79.96 %: refused, and the message must not say "80.0 %"
    (rounded half-up it would read as if the limit were met)."""
    report = check_specification(table(1999, 375, 125, blank=1), REQ)
    assert core(report) == ["5级核心鉴定点 X 占 79.9%，应不低于 80%（N-4.2）。"]


# ---- Y ≤ 15 %, Z ≤ 5 % -------------------------------------------------------------------------


def test_y_share_of_exactly_15_percent_is_accepted():
    assert messages(check_specification(table(800, 150, 50), REQ), "鉴定点 Y") == []


def test_y_share_of_15_1_percent_is_refused():
    report = check_specification(table(800, 151, 49), REQ)
    assert messages(report, "鉴定点 Y") == ["5级一般鉴定点 Y 占 15.1%，应不高于 15%（N-4.2）。"]
    assert core(report) == [] and messages(report, "鉴定点 Z") == []


def test_a_refused_y_share_is_never_shown_rounded_down_to_the_limit():
    """376 Y of 2500 points is 15.04 %: refused, shown as 15.1 %, not "15.0 %"."""
    report = check_specification(table(2000, 376, 124), REQ)
    assert messages(report, "鉴定点 Y") == ["5级一般鉴定点 Y 占 15.1%，应不高于 15%（N-4.2）。"]


def test_z_share_of_exactly_5_percent_is_accepted():
    assert messages(check_specification(table(800, 150, 50), REQ), "鉴定点 Z") == []


def test_z_share_of_5_1_percent_is_refused():
    report = check_specification(table(800, 149, 51), REQ)
    assert messages(report, "鉴定点 Z") == ["5级辅助鉴定点 Z 占 5.1%，应不高于 5%（N-4.2）。"]
    assert core(report) == [] and messages(report, "鉴定点 Y") == []


# ---- ≥ 200 points per level --------------------------------------------------------------------


def test_200_points_in_a_level_are_accepted():
    assert messages(check_specification(table(160, 30, 10), REQ), "理论知识鉴定点只有") == []


def test_199_points_in_a_level_are_refused():
    report = check_specification(table(161, 29, 9), REQ)  # shares 80.9 / 14.6 / 4.5 %: fine
    assert messages(report, "理论知识鉴定点只有") == [
        "5级理论知识鉴定点只有 199 个，至少 200 个（N-4.2）。"
    ]
    assert core(report) == [] and messages(report, "鉴定点 Y") == []


# ---- ≥ 4 theory items per point ----------------------------------------------------------------


def _items(counts: Sequence[int]) -> tuple[list[SpecRow], list[TheoryItem]]:
    spec = table(160, 30, 10)
    points = [row for row in spec if row.is_point]
    items = []
    for row, count in zip(points, [*counts, *[4] * (len(points) - len(counts))], strict=True):
        for _k in range(count):
            items.append(
                TheoryItem(
                    "理论知识试题",
                    len(items) + 2,
                    f"T{len(items)}",
                    "判断",
                    f"题干{len(items)}",
                    ("",) * 5,
                    "对",
                    row.full_point_code,
                    row.level,
                    None,
                    None,
                )
            )
    return spec, items


def coverage(report: Report) -> list[str]:
    return [p.message for p in report.errors if "道试题" in p.message]


def test_a_point_with_4_items_is_covered():
    spec, items = _items([4])
    assert coverage(check_theory_bank(spec, items, REQ)) == []


def test_a_point_with_3_items_is_refused():
    spec, items = _items([3])
    assert coverage(check_theory_bank(spec, items, REQ)) == [
        "鉴定点「A.001」只有 3 道试题，至少 4 道（N-4.2）。"
    ]


# ---- A/B papers share ≤ 10 % ---------------------------------------------------------------------


def _papers(shared: int) -> tuple[list[TheoryItem], list[TheoryItem]]:
    _spec, items = _items([])
    a = items[:200]
    b = a[:shared] + items[200 : 400 - shared]
    return a, b


@pytest.mark.parametrize(("shared", "refused"), [(20, False), (21, True)])
def test_papers_may_share_10_percent_of_their_items_and_no_more(shared, refused):
    a, b = _papers(shared)
    assert len(a) == len(b) == 200
    problems = _overlap_problems(PaperPlan(level=5), a, b, REQ.max_shared_percent)
    assert bool(problems) is refused


# ---- first-level weights sum to 100; each range has ≥ 2 points per weight point -----------------


def test_weights_summing_to_100_are_accepted():
    report = check_specification(table(160, 30, 10, weights={"A": 30, "B": 40, "C": 30}), REQ)
    assert messages(report, "比重之和") == []


@pytest.mark.parametrize("a_weight", [29.5, 30.5])
def test_weights_half_a_point_off_100_are_refused(a_weight):
    weights = {"A": a_weight, "B": 40, "C": 30}
    report = check_specification(table(160, 30, 10, weights=weights), REQ)
    total = f"{a_weight + 70:g}"
    assert messages(report, "比重之和") == [
        f"5级各一级鉴定范围比重之和为 {total}，应为 100（N-4.2）。"
    ]


def test_a_range_with_2_points_per_weight_point_is_accepted():
    report = check_specification(table(160, 30, 10, sizes={"A": 60, "B": 80, "C": 60}), REQ)
    assert messages(report, "一级鉴定范围「") == []


def test_a_range_one_point_short_of_2_per_weight_point_is_refused():
    report = check_specification(table(160, 30, 10, sizes={"A": 59, "B": 81, "C": 60}), REQ)
    assert messages(report, "一级鉴定范围「") == [
        "一级鉴定范围「A」比重 30，只有 59 个鉴定点，应不少于 60 个。"
    ]
