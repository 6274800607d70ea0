"""A hostile corpus of theory banks (issue 21 items 2 and 10), generated in code: each file is
small on disk and was, before the limits, minutes of CPU or gigabytes of memory.

- ``lying_dimension``: 1,500 near-identical stems whose <dimension> claims 3 rows (69 KiB in
  the issue: checked in the request, 58.9 s and 1.6 GB);
- ``near_duplicate_bomb``: 2,400 near-identical stems (123 s, 3.7 GB, the worker killed);
- ``many_rows``: 100,001 rows of 10 distinct stems (over 15 minutes in the duplicate stage);
- ``huge_cells``: stems of 30,000 characters (each comparison costs 200,000 times a normal one);
- ``far_row``: three rows then one at row 1,048,576 (openpyxl fills the gap with empty rows).

Every item is bound to a point of ``samples.make_bank``'s specification table of level 5, so the
rest of the check runs as for a real bank. Used by tests/cultivation/test_hostile_banks.py and
by ``bench/banks.py --hostile``.
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from collections.abc import Callable, Iterator

from evalorg.cultivation.banks.layout import THEORY_COLUMNS, THEORY_SHEET
from evalorg.cultivation.banks.samples import CHARS, make_bank, xlsx

LEVEL = 5
BASE = "焊接作业前应检查焊机接地线和电缆绝缘是否良好并确认作业现场无易燃易爆物品"


def spec_xlsx() -> bytes:
    return make_bank(level=LEVEL).spec_xlsx()


def _points() -> list[str]:
    return [f"{r[1]}.{r[4]}" for r in make_bank(level=LEVEL).spec if r[4]]


def _item(k: int, stem: str, point: str) -> list[object]:
    options = ["甲", "乙", "丙", "丁", None]
    return [f"T{k}", "单选", stem, *options, "ABCD"[k % 4], point, LEVEL, 3, 0.5]


def _near_identical(n: int) -> Iterator[str]:
    """Stems that differ from ``BASE`` and from each other by two characters."""
    for k in range(n):
        yield f"{BASE}{CHARS[k % len(CHARS)]}{CHARS[k // len(CHARS) % len(CHARS)]}（  ）。"


def _bank(stems: Iterator[str]) -> bytes:
    points = _points()
    rows = (_item(k, stem, points[k % len(points)]) for k, stem in enumerate(stems))
    return xlsx(THEORY_SHEET, THEORY_COLUMNS, rows)


def _rewrite_sheet(data: bytes, change: Callable[[bytes], bytes]) -> bytes:
    """``data`` with its first worksheet's XML changed by ``change``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            part = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                part = change(part)
            dst.writestr(info, part, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def lying_dimension(n: int = 1_500) -> bytes:
    """``n`` near-identical stems; the sheet states it holds A1:N4 (a header and 3 rows)."""
    return _rewrite_sheet(
        _bank(_near_identical(n)),
        lambda xml: xml.replace(b"<sheetViews>", b'<dimension ref="A1:N4"/><sheetViews>', 1),
    )


def near_duplicate_bomb(n: int = 2_400) -> bytes:
    return _bank(_near_identical(n))


def many_rows(n: int = 100_001, distinct: int = 10) -> bytes:
    """``n`` rows of ``distinct`` stems, the sheet's XML written directly (openpyxl's writer
    takes seconds per 10,000 rows)."""
    stems = [f"{BASE}第{k}种情形（  ）。" for k in range(distinct)]
    points = _points()
    rows = (
        _row_xml(k + 2, _item(k, stems[k % distinct], points[k % len(points)])) for k in range(n)
    )
    body = "".join(rows).encode()
    return _rewrite_sheet(
        _bank(iter(())), lambda xml: xml.replace(b"</sheetData>", body + b"</sheetData>", 1)
    )


def _row_xml(number: int, values: list[object]) -> str:
    cells = []
    for column, value in zip("ABCDEFGHIJKLMN", values, strict=False):
        ref = f"{column}{number}"
        if isinstance(value, int | float):
            cells.append(f'<c r="{ref}" t="n"><v>{value}</v></c>')
        elif value is not None:
            cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>')
    return f'<row r="{number}">{"".join(cells)}</row>'


def huge_cells(n: int = 30, chars: int = 30_000) -> bytes:
    """Stems of ``chars`` random characters (random, so the upload's ratio check lets them in)."""
    rng = random.Random(3)
    return _bank("".join(rng.choices(CHARS, k=chars)) for _ in range(n))


def far_row() -> bytes:
    def move_last(xml: bytes) -> bytes:
        cells = re.sub(rb'r="([A-Z]+)4"', rb'r="\g<1>1048576"', xml)
        return cells.replace(b'<row r="4"', b'<row r="1048576"')

    return _rewrite_sheet(_bank(_near_identical(3)), move_last)


CORPUS: dict[str, Callable[[], bytes]] = {
    "lying_dimension": lying_dimension,
    "near_duplicate_bomb": near_duplicate_bomb,
    "many_rows": many_rows,
    "huge_cells": huge_cells,
    "far_row": far_row,
}
