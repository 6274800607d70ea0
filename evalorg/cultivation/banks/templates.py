"""Blank workbooks handed to the organizations (附件6): headers, instructions, drop-down lists."""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .layout import (
    IMPORTANCE,
    INSTRUCTIONS_SHEET,
    SPEC_COLUMNS,
    SPEC_SHEET,
    THEORY_COLUMNS,
    THEORY_SHEET,
)
from .requirements import ITEM_TYPES, LEVELS

MAX_ROWS = 20000  # rows covered by the drop-down lists

SPEC_INSTRUCTIONS = (
    N_("鉴定要素细目表填写说明（N-4.2、附件6）"),
    N_("1. 每行是一个鉴定范围或一个鉴定点；等级填 1–5（5 为五级/初级工）。"),
    N_(
        "2. 鉴定范围行：填鉴定范围代码和名称，鉴定点代码留空。代码每层一个大写字母，层间用点分隔，"
        "最多 4 层，例如 A、A.B、A.B.C、A.B.C.D；下层范围须先有上层范围行。"
    ),
    N_("3. 比重(%)只填在一级鉴定范围（如 A、B）行上，同一等级各一级范围比重之和为 100。"),
    N_(
        "4. 鉴定点行：鉴定范围代码填所属范围（通常为最末层），鉴定点代码在该范围内按 001、002… "
        "编号，并填鉴定点名称和重要程度（X 核心、Y 一般、Z 辅助）。"
    ),
    N_(
        "5. 每个等级理论知识鉴定点不少于 200 个；X 不低于 80%，Y 不高于 15%，Z 不高于 5%；"
        "每个一级范围的鉴定点数不少于其比重的 2 倍（以本批次要求为准）。"
    ),
    N_(
        "示例：5 | A | 基础知识 | 30 |  |  | （一级范围）；"
        "5 | A.A | 职业道德 |  |  |  | （二级范围）；"
        "5 | A.A |  |  | 001 | 职业道德基本知识 | X（鉴定点，完整代码 A.A.001）。"
    ),
)

THEORY_INSTRUCTIONS = (
    N_("理论知识试题填写说明（N-4.2、附件6）"),
    N_("1. 每行一道试题；题型为 判断、单选 或 多选。"),
    N_(
        "2. 判断题答案填 对 或 错，选项留空；单选题答案填一个已填写选项的字母；"
        "多选题答案填两个及以上已填写选项的字母（如 ABD）。选项从 A 起连续填写，中间不得留空。"
    ),
    N_("3. 鉴定点代码填完整代码：鉴定范围代码加鉴定点编号，如 A.B.001，须在细目表同一等级中存在。"),
    N_("4. 每个鉴定点不少于 4 道试题；题干不得重复，相似题干会被提醒。"),
    N_("5. 难度填 1–5（1 最易），分值填数字。"),
)


def specification_template() -> bytes:
    """The empty specification table (鉴定要素细目表) as XLSX bytes."""
    lists = {"level": LEVELS, "importance": IMPORTANCE}
    return _workbook(SPEC_SHEET, SPEC_COLUMNS, lists, SPEC_INSTRUCTIONS)


def theory_template() -> bytes:
    """The empty theory bank (理论知识试题) as XLSX bytes."""
    lists = {"level": LEVELS, "type": ITEM_TYPES}
    return _workbook(THEORY_SHEET, THEORY_COLUMNS, lists, THEORY_INSTRUCTIONS)


def _workbook(
    sheet: str,
    columns: Sequence[tuple[str, str, bool]],
    lists: dict[str, Sequence[object]],
    instructions: Sequence[str],
) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    for index, (key, _header, _required) in enumerate(columns, start=1):
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = 40 if key in ("stem", "point_name") else 14
        if key in lists:
            ws.data_validations.append(_list_validation(letter, lists[key]))
    ws.append([header for _key, header, _required in columns])
    notes = wb.create_sheet(INSTRUCTIONS_SHEET)
    notes.column_dimensions["A"].width = 120
    for line in instructions:
        notes.append([_(line)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _list_validation(letter: str, values: Sequence[object]) -> DataValidation:
    formula = '"' + ",".join(str(v) for v in values) + '"'
    dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True)
    dv.error = _("请从下拉列表中选择。")
    dv.add(f"{letter}2:{letter}{MAX_ROWS}")
    return dv
