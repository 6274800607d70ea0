"""The five deliverables as workbooks (issue 20, N-4.2, 附件6): each checked for the line's
level, against the round's requirements and against each other, at and around every threshold;
each refusal names its sheet and, where a row is at fault, its row."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from evalorg.cultivation.banks import samples
from evalorg.cultivation.banks.checks import check_theory_bank
from evalorg.cultivation.banks.layout import (
    MARKING_SHEET,
    SKILL_PLAN_SHEET,
    SKILL_SHEET,
    SPEC_SHEET,
    THEORY_PLAN_SHEET,
    THEORY_SHEET,
)
from evalorg.cultivation.banks.parse import (
    read_marking_scheme,
    read_paper_plan,
    read_skill_bank,
    read_specification,
    read_theory_bank,
)
from evalorg.cultivation.banks.plan import check_paper_plan
from evalorg.cultivation.banks.report import Report
from evalorg.cultivation.banks.requirements import BankRequirements
from evalorg.cultivation.banks.skill import check_marking_scheme, check_skill_bank
from evalorg.cultivation.banks.specification import check_specification
from evalorg.cultivation.banks.templates import (
    marking_template,
    paper_plan_template,
    skill_template,
    specification_template,
    theory_template,
)

REQ = BankRequirements()
Bank = samples.Bank
# Columns of the sample rows (samples.make_bank).
SKILL_POINTS, SKILL_POINT_CODE, MARKING_POINTS = 6, 8, 4
PLAN_JUDGE, PLAN_SINGLE, PLAN_MINUTES, PLAN_PASS = 2, 3, 5, 7


@pytest.fixture(scope="module")
def valid() -> Bank:
    return samples.make_bank(skill_tasks=10)


def errors(report: Report) -> list[tuple[str, int | None, str]]:
    return [(p.sheet, p.row, p.message) for p in report.errors]


def spec_rows(bank: Bank):
    rows, problems = read_specification(bank.spec_xlsx())
    assert problems == []
    return rows


def skill_tasks(bank: Bank):
    tasks, problems = read_skill_bank(bank.skill_xlsx())
    assert problems == []
    return tasks


def skill_report(bank: Bank, level: int = 5) -> Report:
    return check_skill_bank(spec_rows(bank), skill_tasks(bank), REQ, level)


def marking_report(bank: Bank) -> Report:
    items, problems = read_marking_scheme(bank.marking_xlsx())
    assert problems == []
    return check_marking_scheme(skill_tasks(bank), items, 5)


def plan_report(bank: Bank) -> Report:
    papers, draws, problems = read_paper_plan(bank.paper_plan_xlsx())
    assert problems == []
    return check_paper_plan(papers, draws, skill_tasks(bank), REQ, 5)


def test_a_valid_set_of_five_passes_for_its_level(valid):
    spec = spec_rows(valid)
    items, _problems = read_theory_bank(valid.theory_xlsx())
    assert check_specification(spec, REQ, level=5).problems == []
    assert check_theory_bank(spec, items, REQ, level=5).problems == []
    assert skill_report(valid).problems == []
    assert marking_report(valid).problems == []
    assert plan_report(valid).problems == []


# ---- empty files and the line's level ---------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "sheet"),
    [(specification_template, SPEC_SHEET), (theory_template, THEORY_SHEET)],
)
def test_an_untouched_template_fails_naming_its_sheet(template, sheet):
    data = template()
    if sheet == SPEC_SHEET:
        report = check_specification(read_specification(data)[0], REQ, level=4)
    else:
        spec = spec_rows(samples.make_bank(level=4))
        report = check_theory_bank(spec, read_theory_bank(data)[0], REQ, level=4)
    assert (sheet, None) in {(s, r) for s, r, _m in errors(report)}
    assert any("没有4级的数据行" in m for _s, _r, m in errors(report))


def test_the_other_three_templates_fail_naming_their_sheets(valid):
    tasks = skill_tasks(valid)
    skill = check_skill_bank(spec_rows(valid), read_skill_bank(skill_template())[0], REQ, 5)
    marking = check_marking_scheme(tasks, read_marking_scheme(marking_template())[0], 5)
    papers, draws, _problems = read_paper_plan(paper_plan_template())
    plan = check_paper_plan(papers, draws, tasks, REQ, 5)
    assert errors(skill) == [(SKILL_SHEET, None, errors(skill)[0][2])]
    assert [(s, r) for s, r, _m in errors(marking)] == [(MARKING_SHEET, None)]
    assert [(s, r) for s, r, _m in errors(plan)] == [
        (THEORY_PLAN_SHEET, None),
        (SKILL_PLAN_SHEET, None),
    ]


def test_a_correct_level_3_set_fails_on_a_level_4_line_row_by_row():
    bank = samples.make_bank(level=3, skill_tasks=10)
    spec = spec_rows(bank)
    report = check_specification(spec, REQ, level=4)
    wrong = [(s, r) for s, r, m in errors(report) if "等级填写为 3 级" in m]
    every_row = [(SPEC_SHEET, row) for row in range(2, len(bank.spec) + 2)]
    assert len(every_row) > report.keep_per_kind  # the report keeps the first of a kind
    assert wrong == every_row[: report.keep_per_kind]
    assert report.counts[("other_level", "error")] == len(every_row)  # and counts them all
    items, _problems = read_theory_bank(bank.theory_xlsx())
    theory = check_theory_bank(spec, items, REQ, level=4)
    assert (THEORY_SHEET, 2) in {(s, r) for s, r, _m in errors(theory)}
    assert (THEORY_SHEET, None) in {(s, r) for s, r, _m in errors(theory)}
    skill = check_skill_bank(spec, skill_tasks(bank), REQ, 4)
    assert {(s, r) for s, r, _m in errors(skill)} >= {(SKILL_SHEET, 2), (SKILL_SHEET, None)}


def test_one_row_of_another_level_is_refused_on_its_row(valid):
    bank = valid.copy()
    bank.items[9][10] = 4  # 等级 of the item on row 11
    spec = spec_rows(bank)
    items, _problems = read_theory_bank(bank.theory_xlsx())
    report = check_theory_bank(spec, items, REQ, level=5)
    assert [(s, r) for s, r, m in errors(report) if "等级填写为 4 级" in m] == [(THEORY_SHEET, 11)]


# ---- skill-operation bank: 9/10 tasks, binding to the specification ---------------------------


def test_ten_tasks_of_the_level_pass_nine_fail_naming_sheet_and_row():
    assert skill_report(samples.make_bank(skill_tasks=10)).passed
    report = skill_report(samples.make_bank(skill_tasks=9))
    assert errors(report) == [
        (SKILL_SHEET, 2, "5级完整的操作技能试题只有 9 道，至少 10 道（N-4.2）。")
    ]


def test_the_rounds_minimum_of_tasks_applies(valid):
    req = BankRequirements(min_skill_tasks_per_level=11)
    report = check_skill_bank(spec_rows(valid), skill_tasks(valid), req, 5)
    assert any("只有 10 道，至少 11 道" in m for _s, _r, m in errors(report))


def test_an_incomplete_task_does_not_count_and_is_reported_on_its_row(valid):
    bank = valid.copy()
    bank.skill[3][7] = None  # 设备材料 of row 5
    report = skill_report(bank)
    assert (SKILL_SHEET, 5, "设备材料未填写（附件6）。") in errors(report)
    assert any("只有 9 道" in m for _s, _r, m in errors(report))


def test_a_task_tied_to_no_point_of_its_level_is_refused(valid):
    bank = valid.copy()
    bank.skill[0][SKILL_POINT_CODE] = "A.A.999"
    report = skill_report(bank)
    assert errors(report) == [(SKILL_SHEET, 2, "鉴定点「A.A.999」在细目表5级中不存在（附件6）。")]


def test_a_repeated_task_code_is_refused_on_the_later_row(valid):
    bank = valid.copy()
    bank.skill[4][1] = bank.skill[1][1]
    report = skill_report(bank)
    assert (SKILL_SHEET, 6, "试题编号「S002」与第 3 行重复。") in errors(report)


# ---- marking scheme: scoring items adding up to the task's points ----------------------------


def test_scoring_items_one_point_short_fail_naming_sheet_and_row(valid):
    bank = valid.copy()
    bank.marking[5][MARKING_POINTS] = 4  # task S002's second item: 5 → 4, 19 of 20 points
    report = marking_report(bank)
    assert errors(report) == [
        (
            MARKING_SHEET,
            6,
            "试题「S002」各评分项配分之和为 19，应等于该题配分 20（操作技能试题第 3 行，附件6）。",
        )
    ]


def test_scoring_items_one_point_over_fail_and_exact_points_pass(valid):
    bank = valid.copy()
    bank.marking[5][MARKING_POINTS] = 6
    assert any("之和为 21" in m for _s, _r, m in errors(marking_report(bank)))
    bank.marking[5][MARKING_POINTS] = 5.0
    assert marking_report(bank).passed


def test_a_task_without_scoring_items_and_an_unknown_task_are_refused(valid):
    bank = valid.copy()
    for row in bank.marking:
        if row[1] == "S010":
            row[1] = "S099"
    report = marking_report(bank)
    assert (MARKING_SHEET, 38, "试题编号「S099」在操作技能试题5级中不存在。") in errors(report)
    assert (MARKING_SHEET, None, "试题「S010」（操作技能试题第 11 行）没有评分项。") in errors(
        report
    )


# ---- paper-assembly plan: the round's ranges, duration, pass mark, draws per module ----------


@pytest.mark.parametrize(
    ("judge", "single", "refused"),
    [
        (40, 160, []),
        (60, 140, []),
        (39, 161, ["判断题 39 道", "单选题 161 道"]),
        (61, 139, ["判断题 61 道", "单选题 139 道"]),
        (50, 149, ["各题型题数之和为 199"]),
    ],
)
def test_the_theory_paper_within_the_rounds_ranges(valid, judge, single, refused):
    bank = valid.copy()
    bank.theory_plan[0][PLAN_JUDGE], bank.theory_plan[0][PLAN_SINGLE] = judge, single
    found = errors(plan_report(bank))
    assert all((s, r) == (THEORY_PLAN_SHEET, 2) for s, r, _m in found)
    assert len(found) == len(refused)
    for needle in refused:
        assert any(needle in m for _s, _r, m in found), found


def test_the_duration_and_pass_mark_are_the_rounds(valid):
    bank = valid.copy()
    bank.theory_plan[0][PLAN_MINUTES], bank.theory_plan[0][PLAN_PASS] = 120, 59
    assert errors(plan_report(bank)) == [
        (THEORY_PLAN_SHEET, 2, "考试时长应为 90 分钟（本批次要求）。"),
        (THEORY_PLAN_SHEET, 2, "及格分应为 60 分（本批次要求）。"),
    ]
    req = BankRequirements.from_dict({"paper_plans": {"5": {"minutes": 120, "pass_score": 59}}})
    papers, draws, _problems = read_paper_plan(bank.paper_plan_xlsx())
    assert check_paper_plan(papers, draws, skill_tasks(bank), req, 5).passed


def test_a_draw_needs_a_module_of_the_skill_bank_with_enough_tasks(valid):
    bank = valid.copy()  # 10 tasks: 焊前准备 4, 焊接操作 3, 质量检验 3
    bank.skill_plan = [[5, "焊前准备", 4], [5, "焊接操作", 4], [5, "热处理", 1]]
    assert errors(plan_report(bank)) == [
        (SKILL_PLAN_SHEET, 3, "模块「焊接操作」只有 3 道操作技能试题，不够抽取 4 道（附件6）。"),
        (SKILL_PLAN_SHEET, 4, "模块「热处理」在操作技能试题5级中不存在（附件6）。"),
    ]


# ---- templates: the round's numbers in an instructions sheet ---------------------------------


def test_every_template_states_the_rounds_numbers():
    req = BankRequirements.from_dict(
        {
            "min_points_per_level": 150,
            "min_items_per_point": 5,
            "min_skill_tasks_per_level": 12,
            "core_min_percent": 70,
            "y_max_percent": 20,
            "z_max_percent": 10,
            "paper_plans": {"4": {"judge": [30, 50], "single": [150, 170], "minutes": 100}},
        }
    )
    wanted = {
        specification_template: (SPEC_SHEET, ["不少于 150 个", "X 不低于 70%", "Z 不高于 10%"]),
        theory_template: (THEORY_SHEET, ["不少于 5 道试题", "4级：200 道题，判断 30–50 道"]),
        skill_template: (SKILL_SHEET, ["不少于 12 道"]),
        marking_template: (MARKING_SHEET, ["至少 12 道"]),
        paper_plan_template: (THEORY_PLAN_SHEET, ["单选 150–170 道", "考试 100 分钟", "及格 60"]),
    }
    for build, (sheet, needles) in wanted.items():
        wb = load_workbook(io.BytesIO(build(req)))
        assert sheet in wb.sheetnames and wb.sheetnames[-1] == "填写说明"
        text = "\n".join(str(row[0]) for row in wb["填写说明"].iter_rows(values_only=True))
        for needle in needles:
            assert needle in text, (build.__name__, needle)
