"""The cell (A1 reference) of each problem: the column whose header is the problem's field.

Works for any sheet a checker names: the header is looked for in the sheet's first rows
(``parse.HEADER_SEARCH_ROWS``), the first cell with that text wins. Read-only and streaming:
only those first rows of the sheets named are read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from itertools import islice

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from .parse import HEADER_SEARCH_ROWS, Source, _as_file, _norm_header
from .report import Problem


def header_columns(source: Source, sheets: set[str]) -> dict[str, dict[str, int]]:
    """{sheet: {normalised header: column number (1-based)}} for the sheets present."""
    try:
        wb = load_workbook(_as_file(source), read_only=True, data_only=True)
    except Exception:  # unreadable: its problem says so already
        return {}
    try:
        found: dict[str, dict[str, int]] = {}
        for sheet in sheets & set(wb.sheetnames):
            columns: dict[str, int] = {}
            rows = wb[sheet].iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True)
            for cells in islice(rows, HEADER_SEARCH_ROWS):
                for number, value in enumerate(cells, start=1):
                    if value is not None:
                        columns.setdefault(_norm_header(value), number)
            found[sheet] = columns
        return found
    except Exception:
        return {}
    finally:
        wb.close()


def locate(source: Source, problems: Sequence[Problem]) -> list[Problem]:
    """``problems`` with ``cell`` set where the row and the field's column are known."""
    wanted = {p.sheet for p in problems if p.row is not None and p.field and not p.cell}
    if not wanted:
        return list(problems)
    columns = header_columns(source, wanted)
    return [_located(p, columns) for p in problems]


def _located(problem: Problem, columns: dict[str, dict[str, int]]) -> Problem:
    if problem.row is None or not problem.field or problem.cell:
        return problem
    column = columns.get(problem.sheet, {}).get(_norm_header(problem.field))
    if column is None:
        return problem
    return replace(problem, cell=f"{get_column_letter(column)}{problem.row}")
