"""The agency's overview of one year as CSV or XLSX, streamed like the ranking's export
(``review/ranking_export.py``): rows read in chunks, the CSV line by line, the XLSX through
openpyxl's write-only sheet; user text that starts like a formula stays text (``safe``)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from evalorg.documents.xlsx import safe, write_only_sheet, xlsx_response
from evalorg.institutions.models import Institution

from .reports import status_label

EXPORT_FORMATS = ("csv", "xlsx")
BOM = "\ufeff"  # Excel reads a UTF-8 CSV as such only with it


def header() -> list[str]:
    return [
        _("报告年度"),
        _("评价组织"),
        _("统一社会信用代码"),
        _("地市"),
        _("状态"),
        _("提交时间"),
    ]


def rows(found: QuerySet[Institution], year: int) -> Iterator[list[Any]]:
    labels: dict[str | None, str] = {}
    for institution in found.iterator(chunk_size=1000):
        status = institution.report_status  # type: ignore[attr-defined]
        if status not in labels:
            labels[status] = status_label(status)
        submitted = institution.report_submitted_at  # type: ignore[attr-defined]
        row = [
            year,
            institution.name,
            institution.uscc,
            institution.city.name if institution.city else "",
            labels[status],
            f"{localtime(submitted):%Y-%m-%d %H:%M}" if submitted else "",
        ]
        yield [safe(value) for value in row]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(found: QuerySet[Institution], year: int) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow(header())
    for row in rows(found, year):
        yield writer.writerow(row)


def export_response(found: QuerySet[Institution], year: int, fmt: str) -> HttpResponse:
    name = f"年度报告报送情况-{year}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(
            csv_lines(found, year), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = content_disposition_header(True, name)
        response["Cache-Control"] = "private, no-store"
        return response
    book, sheet = write_only_sheet(_("年度报告报送情况"))
    sheet.append(header())
    for row in rows(found, year):
        sheet.append(row)
    return xlsx_response(book, name)
