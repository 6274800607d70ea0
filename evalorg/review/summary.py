"""The recommendation summary (遴选推荐汇总表, 附件4) as XLSX and PDF (SPEC §6.2, §7).

One row per application the agency recommends, in rank order, with the figures of the stored
ranking (``ranking``, issue 24): total, the three dimension subtotals, experts and method, the
opinion; the same cases, order, places and scores as the ranking page.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet as Sheet

from evalorg.accounts.models import Agency
from evalorg.applications.models import (
    Application,
    ApplicationOccupation,
    SkillLevel,
    group_lines,
)
from evalorg.catalog.models import Occupation
from evalorg.core import clock
from evalorg.documents.chunked import Progress, chunked_pdf
from evalorg.documents.xlsx import (
    cell_style,
    cells_only,
    save_to_file,
    styled,
    styled_as,
    write_only_sheet,
)
from evalorg.institutions.models import Category, OtherKind
from evalorg.rounds.models import Round

from .ranking import RANK_ORDER, ensure_current, ranking
from .scoring import DIMENSIONS, SCORE_NUMBER_FORMAT, SCORE_PLACES
from .services import first_instance_stage

TITLE = "广东省社会培训评价组织遴选推荐汇总表"
HEADERS = [
    "序号/推荐排名",
    "机构名称",
    "统一社会信用代码",
    "机构类别",
    "申报职业（工种）及等级",
    "综合得分",
    *(label for _code, label in DIMENSIONS),
    "推荐意见",
]
COLUMN_WIDTHS = [9, 30, 22, 14, 40, 10, 11, 11, 11, 36]  # in Excel character units
METHOD_LABELS = {"mean": "算术平均", "trimmed_mean": "去掉一个最高分和一个最低分后平均"}


@dataclass(frozen=True)
class SummaryRow:
    rank: int
    institution_name: str
    uscc: str
    category: str
    occupations: str
    total: Decimal
    subtotals: tuple[Decimal, ...]  # in the order of ``scoring.DIMENSIONS``
    expert_count: int
    method: str  # label of the aggregation actually used
    opinion: str

    @property
    def scores(self) -> list[Decimal]:
        return [self.total, *self.subtotals]


@dataclass(frozen=True)
class Summary:
    agency_name: str
    round_name: str
    prepared_on: date
    prepared_by: str
    phone: str
    rows: list[SummaryRow]

    @property
    def note(self) -> str:
        return scoring_note(self.rows)


# ---- rows ---------------------------------------------------------------------------------


def summary_rows(agency: Agency, round_: Round) -> list[SummaryRow]:
    """The recommended applications of ``agency`` in ``round_``, in rank order, from the stored
    ranking (issue 24): the round's stage is refreshed first when a sheet or a declaration
    changed after its score was stored (``ranking.ensure_current``), then read in rank order,
    as tuples, 1,000 a batch, with one query for the occupation lines of a batch. ``rank`` is
    the case's place in the whole ranking, as the ranking page shows it."""
    stage = first_instance_stage(agency)
    ensure_current(agency, round_, stage)
    records = ranking(agency, round_, stage).order_by(*RANK_ORDER).values_list(*RECORD_VALUES)
    labels = Labels.now()
    rows: list[SummaryRow] = []
    batch: list[tuple[int, tuple]] = []
    for position, record in enumerate(records.iterator(chunk_size=BATCH), start=1):
        if record[1]:  # recommended
            batch.append((position, record))
        if len(batch) == BATCH:
            rows += batch_rows(batch, labels)
            batch = []
    return rows + batch_rows(batch, labels)


BATCH = 1000
# What a 附件4 row reads of its stage record and case (``batch_rows`` unpacks them in order).
RECORD_VALUES = (
    "application_id",
    "recommended",
    "reason",
    "score_total",
    "score_industry",
    "score_authority",
    "score_professionalism",
    "score_count",
    "score_method",
    "application__institution__name",
    "application__institution__uscc",
    "application__institution__category",
    "application__institution__other_kind",
)


def batch_rows(batch: list[tuple[int, tuple]], labels: Labels) -> list[SummaryRow]:
    """The summary rows of one batch of (position, ``RECORD_VALUES``): one query for the
    occupation lines of its cases."""
    if not batch:
        return []
    lines = batch_lines([record[0] for _position, record in batch])
    rows = []
    for position, record in batch:
        (pk, _recommended, reason, total, industry, authority, professionalism) = record[:7]
        count, method, name, uscc, category, other_kind = record[7:]
        rows.append(
            SummaryRow(
                rank=position,
                institution_name=name,
                uscc=uscc,
                category=category_text(category, other_kind, labels),
                occupations=occupations_text(lines.get(pk, []), labels),
                total=total,
                # in the order of ``scoring.DIMENSIONS``
                subtotals=tuple(v or Decimal(0) for v in (industry, authority, professionalism)),
                expert_count=count,
                method=METHOD_LABELS.get(method, method),
                opinion=reason,
            )
        )
    return rows


@dataclass(frozen=True)
class Line:
    """What ``occupations_text`` reads of an occupation line."""

    occupation_id: str
    occupation: Occupation
    level: int
    status: str


def batch_lines(application_ids: list[int]) -> dict[int, list[Line]]:
    """The occupation lines of these cases, each case's in the model's order (occupation,
    level from 五级): two queries, the lines and then their occupations. Not joined in SQL:
    without statistics SQLite scanned the whole occupation catalogue and probed the lines per
    occupation and case (0.3 s a batch of 1,000, growing with the catalogue)."""
    found = ApplicationOccupation.objects.filter(application_id__in=application_ids).order_by()
    rows = list(found.values_list("application_id", "occupation_id", "level", "status"))
    names = Occupation.objects.filter(pk__in={row[1] for row in rows}).only("name")
    occupations = {occupation.pk: occupation for occupation in names}
    lines: dict[int, list[Line]] = {}
    for pk, code, level, status in sorted(rows, key=lambda row: (row[0], row[1], -row[2])):
        lines.setdefault(pk, []).append(Line(code, occupations[code], level, status))
    return lines


@dataclass(frozen=True)
class Labels:
    """The category and level labels, translated once per document, not per row (issue 24)."""

    categories: dict[str, str]
    other_kinds: dict[str, str]
    levels: dict[int, str]

    @classmethod
    def now(cls) -> Labels:
        return cls(
            categories={key: str(label) for key, label in Category.choices},
            other_kinds={key: str(label) for key, label in OtherKind.choices},
            levels={key: str(label) for key, label in SkillLevel.choices},
        )


def category_text(category: str, other_kind: str, labels: Labels) -> str:
    label = labels.categories.get(category, category)
    if other_kind:
        return f"{label}（{labels.other_kinds.get(other_kind, other_kind)}）"
    return label


def category_label(application: Application, labels: Labels | None = None) -> str:
    institution = application.institution
    return category_text(institution.category, institution.other_kind, labels or Labels.now())


def occupations_text(
    lines: Iterable[ApplicationOccupation] | Iterable[Line], labels: Labels | None = None
) -> str:
    """``焊工（五级/初级工、四级/中级工）；电工（…）``: excluded lines left out."""
    levels = (labels or Labels.now()).levels
    requested = (line for line in lines if line.status != ApplicationOccupation.Status.EXCLUDED)
    return "；".join(
        f"{group.occupation.name}（{'、'.join(levels[line.level] for line in group.lines)}）"
        for group in group_lines(requested)
    )


def scoring_note(rows: Sequence[SummaryRow]) -> str:
    # The places said are those SCORE_PLACES rounds to (one decimal), in the cells too (issue 22).
    base = "注：综合得分及各维度得分为评审专家评分汇总结果（保留一位小数）"
    methods = {(row.expert_count, row.method) for row in rows}
    if len(methods) == 1:
        count, method = methods.pop()
        return f"{base}，由 {count} 名专家评分{method}得出。"
    per_row = "；".join(f"排名{r.rank}：{r.expert_count} 名专家，{r.method}" for r in rows)
    return f"{base}。{per_row}。" if rows else f"{base}。"


def build_summary(agency: Agency, round_: Round, prepared_by: str) -> Summary:
    return Summary(
        agency_name=agency.name,
        round_name=round_.name,
        prepared_on=clock.today(),
        prepared_by=prepared_by,
        phone=agency.phone,
        rows=summary_rows(agency, round_),
    )


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# ---- XLSX ---------------------------------------------------------------------------------

FONT_NAME = "宋体"
GB2312_CHARSET = 134  # tells Excel the font is a Chinese one
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")
LINE_HEIGHT = 15  # points per line of 11pt text
HEADER_ROW = 3
LAST_COLUMN = len(HEADERS)


@cache
def font(size: float = 11, bold: bool = False) -> Font:
    """One ``Font`` per size and weight for the whole export (never modified): building one
    per cell was a fifth of the summary's time at 1,000 rows (cProfile, issue 12)."""
    return Font(name=FONT_NAME, size=size, bold=bold, charset=GB2312_CHARSET)


def summary_workbook(agency: Agency, round_: Round, *, prepared_by: str) -> Workbook:
    """附件4 in the official layout (title, agency line, table, note, signature lines) as a
    write-only workbook: each row goes out as it is written."""
    summary = build_summary(agency, round_, prepared_by)
    workbook, sheet = cells_only_sheet("遴选推荐汇总表")
    workbook.properties.title = TITLE
    workbook.properties.creator = agency.name
    set_up_page(sheet)
    write_heading(sheet, summary)
    last_row = write_table(sheet, summary.rows)
    write_footer(sheet, summary, last_row + 1)
    return workbook


def cells_only_sheet(title: str) -> tuple[Workbook, Sheet]:
    """``write_only_sheet`` taking rows of styled cells only (``documents.xlsx.cells_only``)."""
    workbook, sheet = write_only_sheet(title)
    return workbook, cells_only(sheet)


def summary_xlsx(agency: Agency, round_: Round, *, prepared_by: str) -> bytes:
    with save_to_file(summary_workbook(agency, round_, prepared_by=prepared_by)) as out:
        return out.read()


def merged_row(sheet: Sheet, row: int, spans: Sequence[tuple[int, int, str]], **style) -> None:
    """Append row ``row``: each (first, last, text) span merged, styled like ``merged``."""
    cells: list = []
    for first, last, value in spans:
        if last > first:  # Excel "repairs" single-cell merges
            sheet.merged_cells.add(
                f"{get_column_letter(first)}{row}:{get_column_letter(last)}{row}"
            )
        cells += [None] * (first - 1 - len(cells))
        cells.append(
            styled(
                sheet,
                value,
                font=style.get("font", font()),
                alignment=style.get("alignment", WRAP_LEFT),
            )
        )
    sheet.append(cells)


def write_heading(sheet: Sheet, summary: Summary) -> None:
    for column, width in enumerate(COLUMN_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.row_dimensions[1].height = 36
    merged_row(sheet, 1, [(1, LAST_COLUMN, TITLE)], font=font(18, bold=True), alignment=WRAP_CENTER)
    sheet.row_dimensions[2].height = 2 * LINE_HEIGHT + 4
    spans = [
        (1, 4, f"推荐单位（盖章）：{summary.agency_name}"),
        (5, 8, f"批次：{summary.round_name}"),
        (9, LAST_COLUMN, f"填报日期：{chinese_date(summary.prepared_on)}"),
    ]
    merged_row(sheet, 2, spans)
    sheet.row_dimensions[HEADER_ROW].height = row_height(HEADERS)
    bold = font(bold=True)
    sheet.append(
        [styled(sheet, title, font=bold, alignment=WRAP_CENTER, border=BORDER) for title in HEADERS]
    )


def write_table(sheet: Sheet, rows: Iterable[SummaryRow]) -> int:
    """One row per recommended application; returns the last table row."""
    row_number = HEADER_ROW
    text = cell_style(sheet, font=font(), border=BORDER, alignment=WRAP_LEFT)
    number = cell_style(sheet, font=font(), border=BORDER, alignment=WRAP_CENTER)
    score = cell_style(
        sheet, font=font(), border=BORDER, number_format=SCORE_NUMBER_FORMAT, alignment=RIGHT
    )
    for row in rows:
        row_number += 1
        texts = [row.institution_name, row.uscc, row.category, row.occupations]
        scores = [value.quantize(SCORE_PLACES, rounding=ROUND_HALF_UP) for value in row.scores]
        heights = [str(row.rank), *texts, *map(str, row.scores), row.opinion]
        sheet.row_dimensions[row_number].height = row_height(heights)
        sheet.append(
            [
                styled_as(sheet, row.rank, number),
                *(styled_as(sheet, value, text) for value in texts),
                *(styled_as(sheet, value, score) for value in scores),
                styled_as(sheet, row.opinion, text),
            ]
        )
    if row_number == HEADER_ROW:
        row_number += 1
        sheet.merged_cells.add(f"A{row_number}:{get_column_letter(LAST_COLUMN)}{row_number}")
        empty = styled(sheet, "（本批次无推荐机构）", font=font(), alignment=WRAP_CENTER)
        empty.border = BORDER
        rest = [styled(sheet, None, border=BORDER) for _ in range(LAST_COLUMN - 1)]
        sheet.append([empty, *rest])
    return row_number


def write_footer(sheet: Sheet, summary: Summary, row: int) -> None:
    sheet.row_dimensions[row].height = 2 * LINE_HEIGHT
    merged_row(sheet, row, [(1, LAST_COLUMN, summary.note)], font=font(10))
    sheet.append([])
    signature = row + 2
    sheet.row_dimensions[signature].height = 2 * LINE_HEIGHT
    spans = [
        (1, 2, f"填表人：{summary.prepared_by}"),
        (3, 4, f"联系电话：{summary.phone}"),
        (5, 6, "负责人签字："),
        (7, LAST_COLUMN, "日期：　　　　年　　月　　日"),
    ]
    merged_row(sheet, signature, spans)


def set_up_page(sheet: Sheet) -> None:
    """Print setup; the frozen header goes first (a write-only sheet writes its views first)."""
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = 9  # A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages as needed down
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"


@lru_cache(maxsize=4096)  # scores, categories, occupations and opinions repeat across rows
def display_width(text: str) -> int:
    """Width in Excel character units: CJK and full-width characters count twice."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def row_height(values: Sequence[str]) -> float:
    """Excel does not grow wrapped rows on opening: estimate the lines each cell needs."""
    lines = max(
        cell_lines(value, width) for value, width in zip(values, COLUMN_WIDTHS, strict=True)
    )
    return lines * LINE_HEIGHT + 6


def cell_lines(text: str, width: int) -> int:
    usable = max(width - 1, 1)
    return sum(max(-(-display_width(part) // usable), 1) for part in text.splitlines() or [""])


# ---- PDF ----------------------------------------------------------------------------------


# Rows laid out per WeasyPrint document: the whole 附件4 at once grew to 1.25 GB at 5,000 rows.
PDF_CHUNK_ROWS = 250
PAGE_SIZE, PAGE_MARGIN = "A4 landscape", "16mm 12mm 16mm 12mm"  # as summary_pdf.html's @page


def summary_pdf(
    agency: Agency, round_: Round, *, prepared_by: str, progress: Progress | None = None
) -> bytes:
    """The same summary on landscape A4 (WeasyPrint, embedded Noto CJK fonts)."""
    return pdf_of(build_summary(agency, round_, prepared_by), progress)


def pdf_of(summary: Summary, progress: Progress | None = None) -> bytes:
    """``summary`` as PDF, laid out ``PDF_CHUNK_ROWS`` rows at a time (``documents.chunked``)."""
    context = {
        "title": TITLE,
        "headers": HEADERS,
        "summary": summary,
        "prepared_on": chinese_date(summary.prepared_on),
        "generated_at": clock.now(),
    }
    return chunked_pdf(
        "review/summary_pdf.html",
        context,
        summary.rows,
        per_chunk=PDF_CHUNK_ROWS,
        title=TITLE,
        page_size=PAGE_SIZE,
        page_margin=PAGE_MARGIN,
        progress=progress,
    )
