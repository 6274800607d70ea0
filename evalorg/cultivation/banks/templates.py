"""Blank workbooks handed to the organizations (附件6): headers, drop-down lists and an
instructions sheet (填写说明) stating the round's numbers, for all five deliverables."""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .layout import (
    IMPORTANCE,
    INSTRUCTIONS_SHEET,
    MARKING_COLUMNS,
    MARKING_SHEET,
    SKILL_COLUMNS,
    SKILL_PLAN_COLUMNS,
    SKILL_PLAN_SHEET,
    SKILL_SHEET,
    SPEC_COLUMNS,
    SPEC_SHEET,
    THEORY_COLUMNS,
    THEORY_PLAN_COLUMNS,
    THEORY_PLAN_SHEET,
    THEORY_SHEET,
)
from .requirements import ITEM_TYPES, LEVELS, BankRequirements

MAX_ROWS = 20000  # rows covered by the drop-down lists


def _spec_instructions(req: BankRequirements) -> list[str]:
    return [
        _("鉴定要素细目表填写说明（N-4.2、附件6）"),
        _("1. 每行是一个鉴定范围或一个鉴定点；等级填本职业（工种）申报的等级（5 为五级/初级工）。"),
        _(
            "2. 鉴定范围行：填鉴定范围代码和名称，鉴定点代码留空。"
            "代码每层一个大写字母，层间用点分隔，最多 4 层，"
            "例如 A、A.B、A.B.C、A.B.C.D；下层范围须先有上层范围行。"
        ),
        _("3. 比重(%%)只填在一级鉴定范围（如 A、B）行上，各一级范围比重之和为 %(total)d。")
        % {"total": req.weight_total},
        _(
            "4. 鉴定点行：鉴定范围代码填所属范围（通常为最末层），鉴定点代码在该范围内按 001、002… "
            "编号，并填鉴定点名称和重要程度（X 核心、Y 一般、Z 辅助）。"
        ),
        _(
            "5. 本批次要求：每个等级理论知识鉴定点不少于 %(points)d 个；X 不低于 %(x)s%%，"
            "Y 不高于 %(y)s%%，Z 不高于 %(z)s%%；每个一级范围的鉴定点数不少于其比重的 %(per)s 倍。"
        )
        % _numbers(req),
        _(
            "示例：5 | A | 基础知识 | 30 |  |  | （一级范围）；"
            "5 | A.A | 职业道德 |  |  |  | （二级范围）；"
            "5 | A.A |  |  | 001 | 职业道德基本知识 | X（鉴定点，完整代码 A.A.001）。"
        ),
        _("只填写本职业（工种）申报等级的行；空表或其他等级的行不能通过检查。"),
    ]


def _numbers(req: BankRequirements) -> dict[str, object]:
    return {
        "points": req.min_points_per_level,
        "x": f"{req.core_min_percent:g}",
        "y": f"{req.y_max_percent:g}",
        "z": f"{req.z_max_percent:g}",
        "per": f"{req.points_per_weight:g}",
        "items": req.min_items_per_point,
        "tasks": req.min_skill_tasks_per_level,
        "shared": f"{req.max_shared_percent:g}",
    }


def _plan_lines(req: BankRequirements) -> list[str]:
    """One line per level: the theory paper the round asks for."""
    lines = []
    for level in LEVELS:
        plan = req.plan_for(level)
        lines.append(
            _(
                "%(level)d级：%(items)d 道题，判断 %(j0)d–%(j1)d 道，单选 %(s0)d–%(s1)d 道，"
                "多选 %(m0)d–%(m1)d 道，考试 %(minutes)d 分钟，"
                "满分 %(total)d 分，及格 %(pass)d 分。"
            )
            % {
                "level": level,
                "items": plan.items,
                "j0": plan.judge[0],
                "j1": plan.judge[1],
                "s0": plan.single[0],
                "s1": plan.single[1],
                "m0": plan.multi[0],
                "m1": plan.multi[1],
                "minutes": plan.minutes,
                "total": plan.total_score,
                "pass": plan.pass_score,
            }
        )
    return lines


def _theory_instructions(req: BankRequirements) -> list[str]:
    return [
        _("理论知识试题填写说明（N-4.2、附件6）"),
        _("1. 每行一道试题；题型为 判断、单选 或 多选；等级填本职业（工种）申报的等级。"),
        _(
            "2. 判断题答案填 对 或 错，选项留空；单选题答案填一个已填写选项的字母；"
            "多选题答案填两个及以上已填写选项的字母（如 ABD）。选项从 A 起连续填写，中间不得留空。"
        ),
        _(
            "3. 鉴定点代码填完整代码：鉴定范围代码加鉴定点编号，如 A.B.001，"
            "须在细目表同一等级中存在。"
        ),
        _("4. 本批次要求：每个鉴定点不少于 %(items)d 道试题；题干不得重复，相似题干会被提醒；")
        % _numbers(req)
        + _("A、B 两套试卷相同试题不超过 %(shared)s%%。") % _numbers(req),
        _("5. 难度填 1–5（1 最易），分值填数字。"),
        _("6. 组卷要求（每套试卷）："),
        *_plan_lines(req),
    ]


def _skill_instructions(req: BankRequirements) -> list[str]:
    return [
        _("操作技能试题填写说明（N-4.2、附件6）"),
        _("1. 每行一道操作技能试题；等级填本职业（工种）申报的等级，试题编号在本等级内不重复。"),
        _("2. 模块、试题名称、操作要求、考核时限（分钟）、配分、设备材料均须填写。"),
        _("3. 鉴定点代码填细目表同一等级中的完整鉴定点代码，如 A.B.001。"),
        _("4. 本批次要求：每个等级不少于 %(tasks)d 道完整的操作技能试题。") % _numbers(req),
        _("5. 每道试题的评分项填在“评分标准”工作簿中，评分项配分之和须等于本表该题配分。"),
    ]


def _marking_instructions(req: BankRequirements) -> list[str]:
    return [
        _("评分标准填写说明（N-4.2、附件6）"),
        _("1. 每行一个评分项；试题编号填“操作技能试题”中同一等级的试题编号。"),
        _("2. 评分项、配分须填写，评分要点写明扣分标准。"),
        _("3. 同一试题各评分项配分之和须等于该试题在“操作技能试题”中的配分。"),
        _("4. 操作技能试题中每道本等级试题都须有评分项（本批次每等级至少 %(tasks)d 道试题）。")
        % _numbers(req),
    ]


def _plan_instructions(req: BankRequirements) -> list[str]:
    return [
        _("组卷方案填写说明（N-4.2、附件6）"),
        _("1. “理论知识组卷”：本等级填一行，各题型题数在本批次范围内，之和等于试卷题量；"),
        _("   考试时长、满分和及格分按本批次要求填写："),
        *_plan_lines(req),
        _(
            "2. “操作技能组卷”：每个模块一行，填从该模块抽取的题数；模块须在“操作技能试题”"
            "本等级中存在，且试题数不少于抽取题数。"
        ),
    ]


def specification_template(req: BankRequirements | None = None) -> bytes:
    """The empty specification table (鉴定要素细目表) as XLSX bytes."""
    lists = {"level": LEVELS, "importance": IMPORTANCE}
    req = req or BankRequirements()
    return _workbook([(SPEC_SHEET, SPEC_COLUMNS, lists)], _spec_instructions(req))


def theory_template(req: BankRequirements | None = None) -> bytes:
    """The empty theory bank (理论知识试题) as XLSX bytes."""
    lists = {"level": LEVELS, "type": ITEM_TYPES}
    req = req or BankRequirements()
    return _workbook([(THEORY_SHEET, THEORY_COLUMNS, lists)], _theory_instructions(req))


def skill_template(req: BankRequirements | None = None) -> bytes:
    """The empty skill-operation bank (操作技能试题) as XLSX bytes."""
    req = req or BankRequirements()
    sheets = [(SKILL_SHEET, SKILL_COLUMNS, {"level": LEVELS})]
    return _workbook(sheets, _skill_instructions(req))


def marking_template(req: BankRequirements | None = None) -> bytes:
    """The empty marking scheme (评分标准) as XLSX bytes."""
    req = req or BankRequirements()
    sheets = [(MARKING_SHEET, MARKING_COLUMNS, {"level": LEVELS})]
    return _workbook(sheets, _marking_instructions(req))


def paper_plan_template(req: BankRequirements | None = None) -> bytes:
    """The empty paper-assembly plan (组卷方案), its two sheets, as XLSX bytes."""
    req = req or BankRequirements()
    sheets = [
        (THEORY_PLAN_SHEET, THEORY_PLAN_COLUMNS, {"level": LEVELS}),
        (SKILL_PLAN_SHEET, SKILL_PLAN_COLUMNS, {"level": LEVELS}),
    ]
    return _workbook(sheets, _plan_instructions(req))


Sheet = tuple[str, Sequence[tuple[str, str, bool]], dict[str, Sequence[object]]]


def _workbook(sheets: Sequence[Sheet], instructions: Sequence[str]) -> bytes:
    wb = Workbook(write_only=True)
    for sheet, columns, lists in sheets:
        ws = wb.create_sheet(sheet)
        for index, (key, _header, _required) in enumerate(columns, start=1):
            letter = get_column_letter(index)
            wide = key in ("stem", "point_name", "title", "requirements", "criteria")
            ws.column_dimensions[letter].width = 40 if wide else 14
            if key in lists:
                ws.data_validations.append(_list_validation(letter, lists[key]))
        ws.append([header for _key, header, _required in columns])
    notes = wb.create_sheet(INSTRUCTIONS_SHEET)
    notes.column_dimensions["A"].width = 120
    for line in instructions:
        notes.append([line])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _list_validation(letter: str, values: Sequence[object]) -> DataValidation:
    formula = '"' + ",".join(str(v) for v in values) + '"'
    dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True)
    dv.error = _("请从下拉列表中选择。")
    dv.add(f"{letter}2:{letter}{MAX_ROWS}")
    return dv
