"""The uploaded workbook, copied with its problem cells highlighted and commented.

A streaming copy (read-only in, write-only out): memory stays flat and time linear in the
cells, a 10,000-item bank in a few seconds. Cell values are copied (formulas as their last
computed values, as the checks read them; text that would read as a formula stays text); the
formatting of the original is not. A first sheet 检查结果 lists the stored problems. At most
``max_comments`` cells get a comment (errors first, then warnings, in the report's order),
so a report of any size gives a bounded file.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import column_index_from_string
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from evalorg.documents.xlsx import FORMULA_TRIGGERS, save_to_file, styled

from .parse import DEFAULT_LIMITS, Source, _as_file
from .report import ERROR, kind_label

RESULT_SHEET = "检查结果"
AUTHOR = "EvalOrg"
FILLS = {
    "error": PatternFill("solid", fgColor="FFC7CE"),
    "warning": PatternFill("solid", fgColor="FFEB9C"),
}
COMMENT_CHARS = 2000  # a comment longer than this is cut


@dataclass(frozen=True)
class Note:
    """What one annotated cell gets: the worst severity among its problems and their text."""

    severity: str
    text: str


def notes(problems: Sequence[Mapping[str, Any]], limit: int) -> dict[tuple[str, int, int], Note]:
    """(sheet, row, column) → note for the first ``limit`` cells with problems (errors
    first); a problem without a known column marks the row's first cell."""
    ordered = sorted(
        (p for p in problems if p.get("sheet") and p.get("row")),
        key=lambda p: p.get("severity") != ERROR,
    )
    texts: dict[tuple[str, int, int], list[str]] = defaultdict(list)
    worst: dict[tuple[str, int, int], str] = {}
    for p in ordered:
        key = (p["sheet"], int(p["row"]), _column(p.get("cell") or ""))
        if key not in texts and len(texts) >= limit:
            continue
        texts[key].append(f"[{kind_label(p.get('kind') or '')}] {p['message']}")
        if worst.get(key) != ERROR:
            worst[key] = p["severity"]
    return {k: Note(worst[k], "\n".join(v)[:COMMENT_CHARS]) for k, v in texts.items()}


def _column(cell: str) -> int:
    letters = "".join(ch for ch in cell if ch.isalpha())
    try:
        return column_index_from_string(letters) if letters else 1
    except ValueError:
        return 1


def annotated_workbook(
    source: Source,
    problems: Sequence[Mapping[str, Any]],
    max_comments: int,
    counts_text: str,
    max_rows: int = DEFAULT_LIMITS.max_rows,
) -> IO[bytes]:
    """A copy of the workbook ``source`` with a 检查结果 sheet first and the problem cells
    filled and commented; a temporary file, rewound. Raises ValueError when the file cannot
    be read as a workbook. Each sheet is copied up to ``max_rows`` rows, where the check
    stopped reading too (a lone row 1,048,576 would otherwise be a million empty rows)."""
    try:
        source_wb = load_workbook(_as_file(source), read_only=True, data_only=True)
    except Exception as exc:  # a corrupt upload raises many kinds (zip, XML, KeyError…)
        raise ValueError(str(exc)) from exc
    try:
        book = Workbook(write_only=True)
        _result_sheet(book.create_sheet(RESULT_SHEET), problems, counts_text)
        cells = notes(problems, max_comments)
        for name in source_wb.sheetnames:
            if name == RESULT_SHEET:
                continue
            ws = source_wb[name]
            ws.reset_dimensions()  # as the checks read it: the cells, not a stated size
            rows = islice(ws.iter_rows(values_only=True), max_rows)
            _copy(book.create_sheet(name), name, rows, cells)
        return save_to_file(book)
    finally:
        source_wb.close()


def _result_sheet(
    sheet: WriteOnlyWorksheet, problems: Sequence[Mapping[str, Any]], counts_text: str
) -> None:
    bold = Font(bold=True)
    sheet.append([styled(sheet, counts_text, font=bold)])
    headers = (_("类别"), _("问题"), _("工作表"), _("行"), _("单元格"), _("说明"))
    sheet.append([styled(sheet, h, font=bold) for h in headers])
    for p in problems:
        severity = _("错误") if p.get("severity") == ERROR else _("提醒")
        values = (
            severity,
            kind_label(p.get("kind") or ""),
            p.get("sheet") or "",
            p.get("row"),
            p.get("cell") or "",
            p.get("message") or "",
        )
        sheet.append([styled(sheet, v) for v in values])


def _copy(
    sheet: WriteOnlyWorksheet,
    name: str,
    rows: Iterable[tuple[Any, ...]],
    cells: Mapping[tuple[str, int, int], Note],
) -> None:
    marked: dict[int, dict[int, Note]] = defaultdict(dict)
    for (sheet_name, row, column), note in cells.items():
        if sheet_name == name:
            marked[row][column] = note
    for number, values in enumerate(rows, start=1):
        notes_here = marked.get(number)
        if not notes_here:
            sheet.append([_plain(sheet, v) for v in values])
            continue
        width = max(len(values), max(notes_here))
        padded = list(values) + [None] * (width - len(values))
        sheet.append(
            [_annotated(sheet, v, notes_here.get(k)) for k, v in enumerate(padded, start=1)]
        )


def _plain(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # the uploaded text, never a formula
        return cell
    return value


def _annotated(sheet: WriteOnlyWorksheet, value: Any, note: Note | None) -> Any:
    if note is None:
        return _plain(sheet, value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    cell.fill = FILLS.get(note.severity, FILLS["warning"])
    cell.comment = Comment(note.text, AUTHOR, width=320, height=120)
    return cell
