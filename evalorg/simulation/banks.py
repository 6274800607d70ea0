"""Generated question banks (附件6): a valid specification table and theory bank per level.

One generator shared by the checker tests (tests/cultivation) and the whole-round simulation
(``simulate_round``), so the banks the tests prove valid are the banks the simulation uploads.
``Bank`` holds worksheet rows so a test (or the simulation) can break one on purpose.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field

from openpyxl import Workbook

from evalorg.cultivation.banks.layout import SPEC_COLUMNS, THEORY_COLUMNS

# 60 + 80 + 60 = 200 points per level, each range twice its weight (附件6 minimums).
WEIGHTS = {"A": 30, "B": 40, "C": 30}
CHARS = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工"
CHARS += "也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物"
SPEC_SHEET = "鉴定要素细目表"
THEORY_SHEET = "理论知识试题"
# Column of the answer in a theory row (item id, type, stem, options A–E, answer, …).
ANSWER_COLUMN = 8


@dataclass
class Bank:
    """A valid specification table and theory bank of one level, as worksheet rows."""

    spec: list[list[object]] = field(default_factory=list)
    items: list[list[object]] = field(default_factory=list)

    def spec_row_of(self, full_code: str) -> int:
        range_code, _dot, number = full_code.rpartition(".")
        found = [r for r in self.spec if r[1] == range_code and r[4] == number]
        return self.spec.index(found[0]) + 2  # header is row 1

    def item_rows_of(self, full_code: str) -> list[int]:
        return [k for k, r in enumerate(self.items) if r[9] == full_code]

    def copy(self) -> Bank:
        return Bank([list(r) for r in self.spec], [list(r) for r in self.items])

    def spec_xlsx(self) -> bytes:
        return xlsx(SPEC_SHEET, SPEC_COLUMNS, self.spec)

    def theory_xlsx(self, broken_rows: tuple[int, ...] = ()) -> bytes:
        """The theory bank; each index in ``broken_rows`` gets a 单选 answer that is no option
        (a fault the checks report with its row number)."""
        items = [list(r) for r in self.items]
        for index in broken_rows:
            items[index][ANSWER_COLUMN] = "Z"
        return xlsx(THEORY_SHEET, THEORY_COLUMNS, items)


def xlsx(sheet: str, columns, rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append([header for _key, header, _req in columns])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _stem(rng: random.Random) -> str:
    return "".join(rng.choice(CHARS) for _ in range(rng.randint(20, 30))) + "（  ）。"


def make_bank(level: int = 5, seed: int = 7) -> Bank:
    """200 points (160 X, 30 Y, 10 Z) in three ranges and four items per point (one 判断 and
    three 单选): passes every check and fills the default paper plan."""
    rng = random.Random(seed)
    bank = Bank()
    importance = ["X"] * 160 + ["Y"] * 30 + ["Z"] * 10
    n = 0
    for top, weight in WEIGHTS.items():
        bank.spec.append([level, top, f"范围{top}", weight, None, None, None])
        bank.spec.append([level, f"{top}.A", f"范围{top}.A", None, None, None, None])
        for k in range(1, 2 * weight + 1):
            code = f"{k:03d}"
            bank.spec.append(
                [level, f"{top}.A", None, None, code, f"鉴定点{top}{k}", importance[n]]
            )
            n += 1
            for t in range(4):
                full = f"{top}.A.{code}"
                if t == 0:
                    row = [f"T{len(bank.items)}", "判断", _stem(rng), *[None] * 5, "对"]
                else:
                    options = ["甲", "乙", "丙", "丁", None]
                    row = [f"T{len(bank.items)}", "单选", _stem(rng), *options, "ABCD"[t]]
                bank.items.append([*row, full, level, 3, 0.5])
    return bank
