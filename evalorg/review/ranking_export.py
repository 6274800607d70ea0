"""The whole ranking as CSV or XLSX (issue 24), for the city's and the province's pages.

Both stream: the records are read in chunks in rank order (``ranking.export_records``), the
CSV goes out line by line, the XLSX through openpyxl's write-only sheet. Labels are worked out
once per file, not per row; user text that starts like a formula stays text (``safe``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from evalorg.applications.models import State
from evalorg.documents.xlsx import safe, write_only_sheet, xlsx_response

from .models import ReviewStage
from .ranking import export_records
from .scoring import METHOD_LABELS, format_score

EXPORT_FORMATS = ("csv", "xlsx")
BOM = "\ufeff"  # Excel reads a UTF-8 CSV as such only with it


def header(*, with_city: bool) -> list[str]:
    names = [_("排名"), _("受理编号"), _("机构")]
    if with_city:
        names.append(_("报送机构"))
    names += [
        _("专家数"),
        _("汇总方法"),
        _("综合得分"),
        _("产业代表性"),
        _("行业权威性"),
        _("评价专业性"),
        _("状态"),
        _("决定"),
        _("理由"),
    ]
    return names


def rows(ranked: QuerySet[ReviewStage], *, with_city: bool) -> Iterator[list]:
    """One list per case, in rank order, position first."""
    states = dict(State.choices)
    methods = {key: str(label) for key, label in METHOD_LABELS.items()}
    verdicts = {True: _("推荐"), False: _("不推荐"), None: ""}
    for position, record in enumerate(export_records(ranked, with_city=with_city), start=1):
        application = record.application
        row = [position, application.acknowledgement_no, application.institution.name]
        if with_city:
            agency = application.receiving_agency
            row.append(agency.name if agency else "")
        row += [
            record.score_count,
            methods.get(record.score_method, record.score_method),
            format_score(record.score_total),
            format_score(record.score_industry),
            format_score(record.score_authority),
            format_score(record.score_professionalism),
            str(states.get(application.state, application.state)),
            verdicts[record.recommended],
            record.reason,
        ]
        yield [safe(value) for value in row]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(ranked: QuerySet[ReviewStage], *, with_city: bool) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow(header(with_city=with_city))
    for row in rows(ranked, with_city=with_city):
        yield writer.writerow(row)


def export_response(
    ranked: QuerySet[ReviewStage], fmt: str, name: str, *, with_city: bool
) -> HttpResponse:
    """``ranked`` (a whole ranking) as a streamed CSV or XLSX attachment named ``name``."""
    if fmt == "csv":
        response = StreamingHttpResponse(
            csv_lines(ranked, with_city=with_city), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = content_disposition_header(True, name)
        response["Cache-Control"] = "private, no-store"
        return response
    book, sheet = write_only_sheet(_("排名"))
    sheet.append(header(with_city=with_city))
    for row in rows(ranked, with_city=with_city):
        sheet.append(row)
    return xlsx_response(book, name)
