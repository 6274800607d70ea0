"""Generated question banks that pass the checks, as worksheet rows and XLSX bytes.

One generator for the tests, the browser test and anyone who needs a realistic bank (demo data):
a specification table of one level, 5 by default (ranges A, B, C weighted 30/40/30, 200 points,
80 % X) and a theory bank with ``items_per_point`` items per point (one 判断, the rest 单选),
stems drawn from a fixed character set with a seeded ``random.Random`` so the same arguments
give the same bank.
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from openpyxl import Workbook

from .layout import (
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

WEIGHTS = {"A": 30, "B": 40, "C": 30}  # 60 + 80 + 60 = 200 points, each range 2 × its weight
CHARS = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工"
CHARS += "也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物"
ANSWER_COLUMN = 8
IMPORTANCE = ["X"] * 160 + ["Y"] * 30 + ["Z"] * 10
MODULES = ("焊前准备", "焊接操作", "质量检验")
TASK_POINTS = 20
SCORING_ITEMS = 4  # of TASK_POINTS / SCORING_ITEMS points each
SKILL_POINTS_COLUMN, MARKING_POINTS_COLUMN = 6, 4
Rows = list[list[object]]


@dataclass
class Bank:
    """A valid level-5 specification table and theory bank, as worksheet rows to break."""

    spec: Rows = field(default_factory=list)
    items: Rows = field(default_factory=list)
    skill: Rows = field(default_factory=list)
    marking: Rows = field(default_factory=list)
    theory_plan: Rows = field(default_factory=list)
    skill_plan: Rows = field(default_factory=list)

    def spec_row_of(self, full_code: str) -> int:
        range_code, _dot, number = full_code.rpartition(".")
        found = [r for r in self.spec if r[1] == range_code and r[4] == number]
        return self.spec.index(found[0]) + 2  # header is row 1

    def item_rows_of(self, full_code: str) -> list[int]:
        return [k for k, r in enumerate(self.items) if r[9] == full_code]

    def copy(self) -> Bank:
        parts = (self.spec, self.items, self.skill, self.marking, self.theory_plan, self.skill_plan)
        return Bank(*([list(r) for r in rows] for rows in parts))

    def skill_xlsx(self) -> bytes:
        return xlsx(SKILL_SHEET, SKILL_COLUMNS, self.skill)

    def marking_xlsx(self) -> bytes:
        return xlsx(MARKING_SHEET, MARKING_COLUMNS, self.marking)

    def paper_plan_xlsx(self) -> bytes:
        return workbook(
            (THEORY_PLAN_SHEET, THEORY_PLAN_COLUMNS, self.theory_plan),
            (SKILL_PLAN_SHEET, SKILL_PLAN_COLUMNS, self.skill_plan),
        )

    def workbooks(self) -> dict[str, bytes]:
        """The five deliverables as XLSX bytes, keyed by ``Deliverable.Kind`` value."""
        return {
            "specification": self.spec_xlsx(),
            "theory": self.theory_xlsx(),
            "skill": self.skill_xlsx(),
            "paper_plan": self.paper_plan_xlsx(),
            "marking": self.marking_xlsx(),
        }

    def spec_xlsx(self) -> bytes:
        return xlsx(SPEC_SHEET, SPEC_COLUMNS, self.spec)

    def theory_xlsx(self, broken_rows: tuple[int, ...] = ()) -> bytes:
        """The theory bank; each index in ``broken_rows`` gets a 单选 answer that is no option
        (a fault the checks report with its row number)."""
        items = [list(r) for r in self.items]
        for index in broken_rows:
            items[index][ANSWER_COLUMN] = "Z"
        return xlsx(THEORY_SHEET, THEORY_COLUMNS, items)


Columns = Sequence[tuple[str, str, bool]]


def xlsx(sheet: str, columns: Columns, rows: Iterable[Sequence]) -> bytes:
    """A workbook with one sheet: the columns' headers, then ``rows``."""
    return workbook((sheet, columns, rows))


def workbook(*sheets: tuple[str, Columns, Iterable[Sequence]]) -> bytes:
    """A workbook with one sheet per (name, columns, rows): the headers, then the rows."""
    wb = Workbook(write_only=True)
    for sheet, columns, rows in sheets:
        ws = wb.create_sheet(sheet)
        ws.append([header for _key, header, _req in columns])
        for row in rows:
            ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _stem(rng: random.Random, length: tuple[int, int]) -> str:
    return "".join(rng.choice(CHARS) for _ in range(rng.randint(*length))) + "（  ）。"


def make_bank(
    items_per_point: int = 4, seed: int = 7, level: int = 5, skill_tasks: int = 12
) -> Bank:
    """A bank that passes every check (with 4 items per point: 800 items, 82 KB as XLSX; with
    50: 10,000 items, about 1 MB). Longer stems for larger banks keep near-duplicates away.
    ``skill_tasks`` tasks spread over three modules, each with its scoring items, and the
    default plan of the level (判断 50, 单选 150, one task drawn per module)."""
    rng = random.Random(seed)
    length = (20, 30) if items_per_point <= 4 else (30, 45)
    bank = Bank()
    n = 0
    for top, weight in WEIGHTS.items():
        bank.spec.append([level, top, f"范围{top}", weight, None, None, None])
        bank.spec.append([level, f"{top}.A", f"范围{top}.A", None, None, None, None])
        for k in range(1, 2 * weight + 1):
            code = f"{k:03d}"
            bank.spec.append(
                [level, f"{top}.A", None, None, code, f"鉴定点{top}{k}", IMPORTANCE[n]]
            )
            n += 1
            for t in range(items_per_point):  # one 判断, then 单选 with answers A–D in turn
                full = f"{top}.A.{code}"
                if t == 0:
                    row = [f"T{len(bank.items)}", "判断", _stem(rng, length), *[None] * 5, "对"]
                else:
                    options = ["甲", "乙", "丙", "丁", None]
                    answer = "ABCD"[t % 4]
                    row = [f"T{len(bank.items)}", "单选", _stem(rng, length), *options, answer]
                bank.items.append([*row, full, level, 3, 0.5])
    _add_skill(bank, level, skill_tasks)
    return bank


def _add_skill(bank: Bank, level: int, tasks: int) -> None:
    points = [f"{r[1]}.{r[4]}" for r in bank.spec if r[4]]
    for k in range(tasks):
        code, module = f"S{k + 1:03d}", MODULES[k % len(MODULES)]
        bank.skill.append(
            [
                level,
                code,
                module,
                f"{module}试题{k + 1}",
                "按图样要求完成操作",
                60,
                TASK_POINTS,
                "焊机、焊条、防护用品",
                points[k % len(points)],
            ]
        )
        for n in range(SCORING_ITEMS):
            share = TASK_POINTS // SCORING_ITEMS
            bank.marking.append([level, code, f"评分项{n + 1}", "不符合要求扣该项分", share])
    bank.theory_plan.append([level, 200, 50, 150, 0, 90, 100, 60])
    bank.skill_plan += [[level, module, 1] for module in MODULES[: min(tasks, len(MODULES))]]
