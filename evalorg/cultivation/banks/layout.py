"""Sheet names and columns of the two workbooks, shared by the templates and the parsers.

Specification table (鉴定要素细目表), one row per range or per point:
- a range row has 鉴定范围代码 and 鉴定范围名称 and an empty 鉴定点代码; its code is a path of one
  capital letter per depth joined by dots (`A`, `A.B`, `A.B.C`, `A.B.C.D`, at most 4 depths);
  a deeper range needs its parent declared; 比重 (percent) is filled on first-level ranges only;
- a point row has 鉴定范围代码 (the range it belongs to, usually the deepest), 鉴定点代码 (three
  digits `001`, `002`, … counted within that range), 鉴定点名称 and 重要程度 (X, Y or Z).
A point's full code is the range path and its number: `A.B.001`. Codes are per level.

Theory bank (理论知识试题): one item per row; 鉴定点代码 is the full point code of that level.
"""

from __future__ import annotations

SPEC_SHEET = "鉴定要素细目表"
THEORY_SHEET = "理论知识试题"
INSTRUCTIONS_SHEET = "填写说明"
SKILL_SHEET = "操作技能试题"

# (key used in code, header in the workbook, required)
SPEC_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("level", "等级", True),
    ("range_code", "鉴定范围代码", True),
    ("range_name", "鉴定范围名称", False),
    ("weight", "比重(%)", False),
    ("point_code", "鉴定点代码", True),
    ("point_name", "鉴定点名称", False),
    ("importance", "重要程度", True),
)

OPTION_LETTERS = ("A", "B", "C", "D", "E")

THEORY_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("item_id", "试题编号", True),
    ("type", "题型", True),
    ("stem", "题干", True),
    *((f"option_{letter}", f"选项{letter}", True) for letter in OPTION_LETTERS),
    ("answer", "答案", True),
    ("point_code", "鉴定点代码", True),
    ("level", "等级", True),
    ("difficulty", "难度", False),
    ("score", "分值", False),
)

IMPORTANCE = ("X", "Y", "Z")
TRUE_FALSE = ("对", "错")
MAX_RANGE_DEPTH = 4

# Skill-operation bank (操作技能试题): one task per row; 鉴定点代码 is a full point code of the
# specification table's same level; 试题编号 is unique within a level.
SKILL_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("level", "等级", True),
    ("task_code", "试题编号", True),
    ("module", "模块", True),
    ("title", "试题名称", True),
    ("requirements", "操作要求", True),
    ("minutes", "考核时限(分钟)", True),
    ("points", "配分", True),
    ("equipment", "设备材料", True),
    ("point_code", "鉴定点代码", True),
)

# Marking scheme (评分标准): one scoring item per row, under its task's 试题编号; the items of a
# task add up to the task's 配分 in the skill-operation bank.
MARKING_SHEET = "评分标准"
MARKING_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("level", "等级", True),
    ("task_code", "试题编号", True),
    ("item", "评分项", True),
    ("criteria", "评分要点", False),
    ("points", "配分", True),
)

# Paper-assembly plan (组卷方案): two sheets, the theory paper per level and the skill paper's
# draw per module.
THEORY_PLAN_SHEET = "理论知识组卷"
THEORY_PLAN_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("level", "等级", True),
    ("items", "试卷题量", True),
    ("judge", "判断题数", True),
    ("single", "单选题数", True),
    ("multi", "多选题数", True),
    ("minutes", "考试时长(分钟)", True),
    ("total_score", "满分", True),
    ("pass_score", "及格分", True),
)
SKILL_PLAN_SHEET = "操作技能组卷"
SKILL_PLAN_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("level", "等级", True),
    ("module", "模块", True),
    ("count", "抽取题数", True),
)
