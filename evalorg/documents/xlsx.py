"""Helpers shared by every XLSX the system writes.

Every export builds its workbook in openpyxl's write-only mode: rows go to a temporary XML
file as they are produced, the finished archive to a temporary file that the response streams
in chunks. Memory stays flat and time linear in the rows (issue 12: the inbox export was
quadratic, 19 s for 10,000 rows).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO, Any

from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles.cell_style import StyleArray
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Characters that make a spreadsheet read a text cell as a formula (OWASP "CSV injection"):
# a name like ``=HYPERLINK(...)`` or a reason like ``=cmd|' /C calc'!A0`` must stay text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Archives up to this size stay in memory before spilling to disk.
SPOOL_BYTES = 1 << 20


def safe(value: Any) -> Any:
    """``value`` as it may go into a cell: user text starting like a formula is prefixed with
    an apostrophe's effect (a leading single quote), numbers and dates pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def write_only_sheet(title: str) -> tuple[Workbook, WriteOnlyWorksheet]:
    """A streaming workbook and its one sheet. Column widths, frozen panes and print titles
    must be set before the first ``append``; merged ranges and page setup at any time."""
    book = Workbook(write_only=True)
    return book, book.create_sheet(title)


def styled(sheet: WriteOnlyWorksheet, value: Any, **style: Any) -> WriteOnlyCell:
    """A write-only cell holding ``safe(value)`` with ``font``, ``alignment``, ``border``,
    ``number_format`` as given."""
    cell = WriteOnlyCell(sheet, value=safe(value))
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def cell_style(sheet: WriteOnlyWorksheet, **style: Any) -> StyleArray:
    """The workbook's indexes of ``style`` (as ``styled`` takes it), looked up once: setting a
    font or border on a cell hashes the whole style object, which was most of the 附件4's time
    with ten styled cells a row (issue 24)."""
    return styled(sheet, None, **style)._style


def styled_as(sheet: WriteOnlyWorksheet, value: Any, style: StyleArray) -> WriteOnlyCell:
    """``styled(sheet, value, ...)`` with a style from ``cell_style``: no lookup per cell."""
    cell = WriteOnlyCell(sheet, value=safe(value))
    cell._style = StyleArray(style)
    return cell


def cells_only(sheet: WriteOnlyWorksheet) -> WriteOnlyWorksheet:
    """Let ``sheet`` take rows of ``WriteOnlyCell`` (``styled``, ``styled_as``) or None only,
    each placed as it is: openpyxl first tries every appended cell as a value (an exception
    per cell) and makes a spare cell after each styled one (issue 24, the 附件4 at 10,000 rows
    of ten styled cells)."""

    def place(cells: list[WriteOnlyCell | None], row_idx: int) -> Iterator[WriteOnlyCell]:
        for col_idx, cell in enumerate(cells, 1):
            if cell is not None:
                cell.column, cell.row = col_idx, row_idx
                yield cell

    sheet._values_to_row = place  # type: ignore[method-assign]
    return sheet


def save_to_file(book: Workbook) -> IO[bytes]:
    """The finished archive in a temporary file (memory up to ``SPOOL_BYTES``), rewound."""
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (the response closes it)
    book.save(out)
    out.seek(0)
    return out


def xlsx_response(book: Workbook, filename: str) -> FileResponse:
    """Stream a finished write-only workbook as an attachment named ``filename``."""
    response = FileResponse(
        save_to_file(book), as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
    )
    response["Cache-Control"] = "private, no-store"
    return response
