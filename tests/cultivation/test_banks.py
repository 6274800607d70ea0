"""Question-bank checkers (issue 9, N-4.2, 附件6): crafted workbooks, one fault at a time."""

from __future__ import annotations

import datetime
import io
import random
from collections import Counter
from itertools import combinations

import pytest
from openpyxl import load_workbook
from rapidfuzz import fuzz

from evalorg.cultivation.banks import samples
from evalorg.cultivation.banks.checks import (
    Paper,
    assemble_papers,
    check_specification,
    check_theory_bank,
)
from evalorg.cultivation.banks.layout import SPEC_COLUMNS, THEORY_COLUMNS
from evalorg.cultivation.banks.parse import read_specification, read_theory_bank
from evalorg.cultivation.banks.requirements import BankRequirements
from evalorg.cultivation.banks.similarity import near_duplicates, normalise_stem
from evalorg.cultivation.banks.templates import specification_template, theory_template

REQ = BankRequirements()
WEIGHTS = samples.WEIGHTS
Bank = samples.Bank
make_bank = samples.make_bank
_xlsx = samples.xlsx


def _parsed(bank: Bank):
    spec, p1 = read_specification(bank.spec_xlsx())
    items, p2 = read_theory_bank(bank.theory_xlsx())
    assert p1 == [] and p2 == []
    return spec, items


def _at(report, row: int, severity: str = "error") -> list[str]:
    return [p.message for p in report.problems if p.row == row and p.severity == severity]


@pytest.fixture(scope="module")
def valid() -> Bank:
    return make_bank()


def fresh() -> Bank:
    return make_bank()


def test_valid_bank_passes_and_papers_follow_the_plan(valid):
    spec, items = _parsed(valid)
    assert check_specification(spec, REQ).problems == []
    report = check_theory_bank(spec, items, REQ)
    assert report.problems == [], report.as_text()
    assert report.passed
    a, b = assemble_papers(spec, items, REQ.plan_for(5), seed=3)
    for paper in (a, b):
        assert isinstance(paper, Paper)
        assert len(paper.items) == 200
        assert paper.counts_by_type() == {"判断": 50, "单选": 150}
        assert paper.counts_by_range() == {"A": 60, "B": 80, "C": 60}
        assert len({i.row for i in paper.items}) == 200
    assert len({i.row for i in a.items} & {i.row for i in b.items}) <= 20
    again = assemble_papers(spec, items, REQ.plan_for(5), seed=3)
    assert [i.row for i in again[0].items] == [i.row for i in a.items]


def test_too_few_items_for_a_point_is_reported_on_its_row():
    bank = fresh()
    del bank.items[bank.item_rows_of("B.A.007")[-1]]
    spec, items = _parsed(bank)
    report = check_theory_bank(spec, items, REQ)
    assert any("只有 3 道试题" in m for m in _at(report, bank.spec_row_of("B.A.007")))
    assert not report.passed


def test_an_uncovered_point_is_reported_on_its_row():
    bank = fresh()
    for k in reversed(bank.item_rows_of("C.A.002")):
        del bank.items[k]
    spec, items = _parsed(bank)
    report = check_theory_bank(spec, items, REQ)
    assert any("没有任何试题覆盖" in m for m in _at(report, bank.spec_row_of("C.A.002")))


def test_a_duplicated_stem_names_both_rows():
    bank = fresh()
    bank.items[40][2] = " " + bank.items[10][2].replace("（  ）。", "(　)") + "？"
    spec, items = _parsed(bank)
    report = check_theory_bank(spec, items, REQ)
    assert any("第 12、42 行" in m for m in _at(report, 42))  # data row k is sheet row k + 2


def test_a_near_duplicate_is_a_warning_with_both_rows():
    bank = fresh()
    stem = bank.items[10][2]
    bank.items[300][2] = stem[:5] + "变" + stem[6:]
    spec, items = _parsed(bank)
    report = check_theory_bank(spec, items, REQ)
    assert any("第 12、302 行" in m for m in _at(report, 302, "warning"))
    assert report.passed  # a warning does not block


def test_a_single_choice_answer_that_is_not_an_option():
    bank = fresh()
    k = next(k for k, r in enumerate(bank.items) if r[1] == "单选")
    bank.items[k][8] = "E"
    spec, items = _parsed(bank)
    report = check_theory_bank(spec, items, REQ)
    assert any("不是已填写的选项" in m for m in _at(report, k + 2))


def test_answers_and_options_must_fit_the_type():
    bank = fresh()
    bank.items[0][8] = "是"  # 判断
    bank.items[1][8] = "AB"  # 单选 with two letters
    bank.items[2][1], bank.items[2][8] = "多选", "A"  # 多选 with one letter
    bank.items[3][4] = None  # 选项B empty between A and C
    spec, items = _parsed(bank)
    report = check_theory_bank(spec, items, REQ)
    assert any("对" in m for m in _at(report, 2))
    assert any("只能是一个" in m for m in _at(report, 3))
    assert any("两个及以上" in m for m in _at(report, 4))
    assert any("选项B为空" in m for m in _at(report, 5))


def test_an_item_bound_to_no_point():
    bank = fresh()
    bank.items[5][9] = "A.A.999"
    spec, items = _parsed(bank)
    assert any("不存在" in m for m in _at(check_theory_bank(spec, items, REQ), 7))


def test_weights_not_summing_to_100_are_reported_on_the_first_range_row():
    bank = fresh()
    bank.spec[0][3] = 25
    spec, _items = _parsed(bank)
    report = check_specification(spec, REQ)
    assert any("之和为 95" in m for m in _at(report, 2))


def test_core_points_below_80_percent_point_at_the_rows_to_change_not_a_range_row():
    bank = fresh()
    for row in bank.spec[2:12]:  # the first ten points (rows 4–13) become Y
        row[6] = "Y"
    spec, _items = _parsed(bank)
    report = check_specification(spec, REQ)
    messages = _at(report, 4)  # the first point not marked X, and the first Y
    assert any("X 占 75.0%" in m for m in messages)
    assert any("Y 占 20.0%" in m for m in messages)
    assert not [p for p in report.problems if p.kind == "importance_share" and p.row == 2]
    shares = [p for p in report.problems if p.kind == "importance_share"]
    assert {(p.sheet, p.field) for p in shares} == {("鉴定要素细目表", "重要程度")}


def test_too_few_points_and_bad_codes_in_the_specification():
    bank = fresh()
    del bank.spec[5]
    bank.spec[3][1] = "a-b"
    spec, _items = _parsed(bank)
    report = check_specification(spec, REQ)
    assert any("只有 199 个" in m or "只有 198 个" in m for m in _at(report, 2))
    assert any("格式不对" in m for m in _at(report, 5))
    assert any("只有 58 个鉴定点" in m for m in _at(report, 2))


def test_a_bank_that_cannot_fill_the_plan():
    bank = fresh()
    judge_b = [k for k, r in enumerate(bank.items) if r[1] == "判断" and r[9].startswith("B.")]
    for k in judge_b[5:]:
        bank.items[k][1], bank.items[k][3:8], bank.items[k][8] = (
            "单选",
            ["甲", "乙"] + [None] * 3,
            "A",
        )
    spec, items = _parsed(bank)
    result = assemble_papers(spec, items, REQ.plan_for(5), seed=1)
    assert isinstance(result, list)
    assert any("「B」的判断题只有 5 道" in p.message for p in result)
    assert not check_theory_bank(spec, items, REQ).passed


def test_papers_sharing_more_than_10_percent_are_refused(valid):
    spec, items = _parsed(valid)
    quotas = {("判断", "A"): 15, ("判断", "B"): 20, ("判断", "C"): 15}
    taken: Counter[tuple[str, str]] = Counter()
    thin = []
    for item in items:
        key = (item.type, item.point_code[0])
        if key in quotas:
            taken[key] += 1
            if taken[key] > quotas[key]:
                continue
        thin.append(item)
    result = assemble_papers(spec, thin, REQ.plan_for(5), seed=1)
    assert isinstance(result, list)
    # 50 判断 in all: 40 判断 a paper (the plan's least) share 30 items, the fewest possible
    assert any("最少也有 30 道相同试题（15.0%）" in p.message for p in result)
    assert not check_theory_bank(spec, thin, REQ).passed


def test_templates_open_with_headers_and_drop_down_lists():
    for data, sheet, columns in (
        (specification_template(), "鉴定要素细目表", SPEC_COLUMNS),
        (theory_template(), "理论知识试题", THEORY_COLUMNS),
    ):
        wb = load_workbook(io.BytesIO(data))
        assert wb.sheetnames == [sheet, "填写说明"]
        assert [c.value for c in wb[sheet][1]] == [h for _k, h, _r in columns]
        formulas = {dv.formula1 for dv in wb[sheet].data_validations.dataValidation}
        assert '"5,4,3,2,1"' in formulas
        assert len(formulas) == 2
        assert wb["填写说明"]["A1"].value
    assert read_specification(specification_template()) == ([], [])
    assert read_theory_bank(theory_template()) == ([], [])


def test_broken_files_give_problems_not_exceptions():
    rows, problems = read_theory_bank(b"not a workbook")
    assert rows == [] and "无法读取" in problems[0].message
    rows, problems = read_theory_bank(_xlsx("Sheet1", THEORY_COLUMNS, []))
    assert "缺少工作表" in problems[0].message
    rows, problems = read_specification(_xlsx("鉴定要素细目表", THEORY_COLUMNS, []))
    assert "找不到表头" in problems[0].message
    spec_rows = [["五", "A", "x", 100, None, None, None], [5, "A", None, "很多", 1, "点", "W"]]
    rows, problems = read_specification(_xlsx("鉴定要素细目表", SPEC_COLUMNS, spec_rows))
    assert {(p.row, p.field) for p in problems} == {(2, "等级"), (3, "比重(%)"), (3, "重要程度")}
    assert [(r.row, r.point_code) for r in rows] == [(3, "001")]
    item = ["T1", "单选", datetime.date(2025, 1, 1), "甲", "乙", None, None, None, "A", "A.001"]
    rows, problems = read_theory_bank(_xlsx("理论知识试题", THEORY_COLUMNS, [[*item, 5, 9, 1]]))
    assert {(p.row, p.field) for p in problems} == {(2, "题干"), (2, "难度")}


def test_requirements_from_the_round_json():
    assert BankRequirements.from_dict({}) == REQ
    req = BankRequirements.from_dict(
        {"min_items_per_point": 5, "paper_plans": {"3": {"multi": [20, 40], "judge": [20, 40]}}}
    )
    assert req.min_items_per_point == 5
    assert req.plan_for(3).target_counts() == {"判断": 27, "单选": 147, "多选": 26}
    assert req.plan_for(5).target_counts() == {"判断": 50, "单选": 150, "多选": 0}
    for bad in ({"core_min": 80}, {"min_items_per_point": "many"}, {"paper_plans": {"9": {}}}):
        with pytest.raises(ValueError):
            BankRequirements.from_dict(bad)


def test_near_duplicates_miss_no_pair_a_full_comparison_finds():
    """Every pair of distinct stems, each by its first row: a later exact copy is reported as a
    duplicate, not compared again (issue 21 item 2)."""
    rng = random.Random(5)
    stems = ["".join(rng.choice("abcde") for _ in range(rng.randint(1, 16))) for _ in range(150)]
    firsts = {stems.index(stem) for stem in stems}
    assert len(firsts) < len(stems)  # exact copies are part of the test
    for cutoff in (70, 90):
        brute = {
            (i, j)
            for i, j in combinations(sorted(firsts), 2)
            if stems[i] != stems[j] and fuzz.ratio(stems[i], stems[j]) >= cutoff
        }
        assert {(i, j) for i, j, _s in near_duplicates(stems, cutoff)} == brute
    assert normalise_stem(" 下列，说法（ ）正确？ＡＢ") == "下列说法正确ab"
