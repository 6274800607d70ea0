"""Read uploaded workbooks (read-only, streaming) into typed rows with sheet and row number.

A structural fault (unreadable file, missing sheet or header, a cell of the wrong type) becomes a
`Problem`, never an exception. A row whose level cannot be read is dropped (its problem stays);
any other bad cell is reported and left empty so the row is still checked.

Every read is bounded by `ReadLimits` (issue 21 item 2): past ``max_rows`` sheet rows (counted
as they stream, whatever the sheet's <dimension> says), a cell longer than ``max_cell_chars`` or
a level with more than ``max_items_per_level`` rows, the read stops and returns no row, only the
problem saying why (kinds in ``LIMIT_KINDS``). With ``foreground_rows`` (a check in the upload's
request) a longer sheet raises `TooLargeForRequest` so the caller moves the check to the task.
"""

from __future__ import annotations

import datetime
import io
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.worksheet import _reader as openpyxl_reader
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.xml.functions import iterparse

from .layout import (
    IMPORTANCE,
    MARKING_COLUMNS,
    MARKING_SHEET,
    OPTION_LETTERS,
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
from .report import Problem, error
from .requirements import ITEM_TYPES, LEVELS

Source = bytes | BinaryIO
# progress(rows read so far, estimated total rows or None), called every PROGRESS_EVERY rows.
Progress = Callable[[int, int | None], None]
PROGRESS_EVERY = 500
HEADER_SEARCH_ROWS = 10  # a title row or two above the header is tolerated
_LEVEL_NAMES = {"五级": 5, "四级": 4, "三级": 3, "二级": 2, "一级": 1}


def _parse_dimensions(self: Any) -> tuple[int, int, int, int] | None:
    """openpyxl's ``WorkSheetParser.parse_dimensions`` looks for <dimension> on "end" events,
    so a sheet without one (openpyxl's own write-only files, or a hostile one) is parsed whole
    before its first row is read, by every ``load_workbook(read_only=True)``: 100,000 rows,
    seconds each time. <dimension> precedes <sheetData>: stop at the latter's start."""
    for _event, element in iterparse(self.source, events=("start",)):
        if element.tag == openpyxl_reader.DIMENSION_TAG:
            return SheetDimension.from_tree(element).boundaries  # type: ignore[no-any-return]
        if element.tag == openpyxl_reader.DATA_TAG:
            return None
    return None


openpyxl_reader.WorkSheetParser.parse_dimensions = _parse_dimensions


@dataclass(frozen=True)
class ReadLimits:
    """The hard limits of one read (the round's ``BankRequirements``); ``foreground_rows``:
    the most data rows read in a request before `TooLargeForRequest` is raised."""

    max_rows: int = 50_000
    max_cell_chars: int = 5_000
    max_items_per_level: int = 20_000
    foreground_rows: int | None = None


DEFAULT_LIMITS = ReadLimits()
LIMIT_KINDS = ("row_limit", "cell_limit", "level_limit")


class TooLargeForRequest(Exception):
    """The sheet has more rows than a check in the request may read (``foreground_rows``)."""


class _Stop(Exception):
    """A hard limit was passed while reading: ``problem`` says which."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


@dataclass(frozen=True)
class RawRow:
    sheet: str
    row: int
    values: dict[str, Any]


@dataclass(frozen=True)
class SpecRow:
    """A range row (empty `point_code`) or a point row of the specification table."""

    sheet: str
    row: int
    level: int
    range_code: str
    range_name: str
    weight: float | None
    point_code: str
    point_name: str
    importance: str

    @property
    def is_point(self) -> bool:
        return bool(self.point_code)

    @property
    def full_point_code(self) -> str:
        return f"{self.range_code}.{self.point_code}"


@dataclass(frozen=True)
class TheoryItem:
    sheet: str
    row: int
    item_id: str
    type: str
    stem: str
    options: tuple[str, ...]  # A–E, "" when empty
    answer: str
    point_code: str
    level: int
    difficulty: int | None
    score: float | None


@dataclass(frozen=True)
class SkillTask:
    """One skill-operation task (操作技能试题); numbers are None when empty or unreadable."""

    sheet: str
    row: int
    level: int
    task_code: str
    module: str
    title: str
    requirements: str
    minutes: float | None
    points: float | None
    equipment: str
    point_code: str


@dataclass(frozen=True)
class ScoringItem:
    """One scoring item of a task in the marking scheme (评分标准)."""

    sheet: str
    row: int
    level: int
    task_code: str
    item: str
    criteria: str
    points: float | None


@dataclass(frozen=True)
class TheoryPaperPlan:
    """The theory paper of one level in the paper-assembly plan (组卷方案)."""

    sheet: str
    row: int
    level: int
    items: int | None
    judge: int | None
    single: int | None
    multi: int | None
    minutes: int | None
    total_score: float | None
    pass_score: float | None


@dataclass(frozen=True)
class SkillDraw:
    """How many tasks the skill paper of a level draws from one module."""

    sheet: str
    row: int
    level: int
    module: str
    count: int | None


def read_rows(
    source: Source,
    sheet: str,
    columns: Sequence[tuple[str, str, bool]],
    progress: Progress | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> tuple[list[RawRow], list[Problem]]:
    """The non-empty rows under the header of `sheet`, as dicts keyed by column key; no row
    and the problem when a limit of ``limits`` is passed."""
    try:
        wb = load_workbook(_as_file(source), read_only=True, data_only=True)
    except Exception:  # a corrupt upload raises many kinds (zip, XML, KeyError…)
        message = _("无法读取文件，请上传 .xlsx 格式的工作簿（附件6）。")
        return [], [error(sheet, None, "", message, "unreadable_file")]
    try:
        if sheet not in wb.sheetnames:
            message = _("缺少工作表「%(sheet)s」（附件6）。") % {"sheet": sheet}
            return [], [error(sheet, None, "", message, "missing_sheet")]
        ws = wb[sheet]
        # Progress shows the sheet's stated <dimension> (read-only ``max_row`` reads that element,
        # no scan); a sheet without one is counted once at upload (``estimated_rows``), not here.
        total = ws.max_row if progress is not None else None
        ws.reset_dimensions()  # trust the cells, not a stale <dimension> element
        _precount(ws, sheet, limits)
        rows = _bounded(ws.iter_rows(values_only=True), sheet, limits)
        if progress is not None:
            rows = _reporting(rows, total, progress)
        return _rows_under_header(sheet, rows, columns, limits.max_cell_chars)
    except _Stop as stop:
        return [], [stop.problem]
    except TooLargeForRequest:
        raise
    except Exception:
        message = _("工作表内容无法读取，文件可能已损坏。")
        return [], [error(sheet, None, "", message, "unreadable_file")]
    finally:
        wb.close()


def estimated_rows(source: Source, sheet: str) -> int | None:
    """The sheet's row count as its <dimension> element states it, else the number of <row>
    elements in its XML (no cell is parsed); None when the file or sheet cannot be read.
    Decides whether a check runs in the background."""
    try:
        wb = load_workbook(_as_file(source), read_only=True, data_only=True)
    except Exception:  # unreadable: the check itself reports it
        return None
    try:
        if sheet not in wb.sheetnames:
            return None
        ws = wb[sheet]
        return ws.max_row or _count_row_tags(ws)
    except Exception:
        return None
    finally:
        wb.close()


def _count_row_tags(ws: Any) -> int:
    """Rows of a sheet written without <dimension> (openpyxl's write-only mode, some exporters),
    by counting ``<row`` in its decompressed XML; uses the read-only sheet's XML source."""
    count, tail = 0, b""
    with ws._get_source() as xml:  # openpyxl's reader of this sheet's part in the archive
        while chunk := xml.read(1 << 20):
            data = tail + chunk
            count += data.count(b"<row ") + data.count(b"<row>")
            tail = data[-4:]
    return count


def _precount(ws: Any, sheet: str, limits: ReadLimits) -> None:
    """Refuse at once a sheet whose XML holds more <row> elements than the limits allow: the
    k-th row element is row k or later, so ``_bounded`` would stop it too, after parsing
    every cell up to there (50,000 rows: seconds). Rows this count cannot see (written with
    a namespace prefix) are still stopped by ``_bounded``."""
    _at_row(_count_row_tags(ws), sheet, limits)


def _bounded(
    rows: Iterator[tuple[Any, ...]], sheet: str, limits: ReadLimits
) -> Iterator[tuple[Any, ...]]:
    """The sheet's rows, stopping past ``max_rows`` (a row number: the gaps openpyxl fills with
    empty rows count, so a lone row 1,048,576 cannot make it yield a million)."""
    for number, row in enumerate(rows, start=1):
        _at_row(number, sheet, limits)
        yield row


def _at_row(number: int, sheet: str, limits: ReadLimits) -> None:
    """Raise `TooLargeForRequest` past ``foreground_rows`` data rows (the header row not
    counted), else stop past ``max_rows``."""
    foreground = limits.foreground_rows
    if foreground is not None and number > foreground + 1:
        raise TooLargeForRequest(sheet)
    if number > limits.max_rows:
        message = _(
            "工作表「%(sheet)s」已达上限 %(n)d 行（含表头和空行），停止检查；"
            "请删除多余的行或拆分后重新上传（N-4.2）。"
        ) % {"sheet": sheet, "n": limits.max_rows}
        raise _Stop(error(sheet, None, "", message, "row_limit"))


def _reporting(
    rows: Iterator[tuple[Any, ...]], total: int | None, progress: Progress
) -> Iterator[tuple[Any, ...]]:
    done = 0
    for done, row in enumerate(rows, start=1):
        if done % PROGRESS_EVERY == 0:
            progress(done, total)
        yield row
    progress(done, max(done, total or 0))


def _as_file(source: Source) -> BinaryIO:
    return io.BytesIO(source) if isinstance(source, bytes | bytearray) else source


def _norm_header(value: Any) -> str:
    text = unicodedata.normalize("NFKC", str(value or ""))
    return "".join(text.split()).replace("(%)", "").replace("%", "").upper()


def _rows_under_header(
    sheet: str,
    rows: Iterator[tuple[Any, ...]],
    columns: Sequence[tuple[str, str, bool]],
    max_cell_chars: int = DEFAULT_LIMITS.max_cell_chars,
) -> tuple[list[RawRow], list[Problem]]:
    wanted = {_norm_header(header): key for key, header, _req in columns}
    headers = {key: header for key, header, _req in columns}
    required = {key: header for key, header, req in columns if req}
    index: dict[str, int] = {}
    result: list[RawRow] = []
    for number, cells in enumerate(rows, start=1):
        if not index:
            found = {wanted[h]: i for i, h in enumerate(map(_norm_header, cells)) if h in wanted}
            if required.keys() <= found.keys():
                index = found
            elif number >= HEADER_SEARCH_ROWS:
                break
            continue
        values = {key: cells[i] if i < len(cells) else None for key, i in index.items()}
        _check_lengths(sheet, number, values, headers, max_cell_chars)
        if any(_present(v) for v in values.values()):
            result.append(RawRow(sheet, number, values))
    if not index:
        missing = "、".join(required.values())
        message = _("前 %(n)d 行中找不到表头，须包含：%(headers)s（附件6）。")
        args = {"n": HEADER_SEARCH_ROWS, "headers": missing}
        return [], [error(sheet, None, "", message % args, "missing_header")]
    return result, []


def _check_lengths(
    sheet: str, number: int, values: dict[str, Any], headers: dict[str, str], most: int
) -> None:
    for key, value in values.items():
        if isinstance(value, str) and len(value) > most:
            message = _(
                "单元格有 %(length)d 个字符，已达上限 %(n)d 个，停止检查；"
                "请精简内容后重新上传（N-4.2）。"
            ) % {"length": len(value), "n": most}
            raise _Stop(error(sheet, number, headers[key], message, "cell_limit"))


def _level_limit(sheet: str, levels: Counter[int], most: int) -> list[Problem]:
    """The problem of a level with more than ``most`` rows, if any (the first such level)."""
    over = [level for level, n in levels.items() if n > most]
    if not over:
        return []
    message = _("%(level)d级已达上限 %(n)d 行，停止检查；请拆分后重新上传（N-4.2）。") % {
        "level": min(over),
        "n": most,
    }
    return [error(sheet, None, "", message, "level_limit")]


def _present(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


class _Cells:
    """Converts the cells of one row, collecting a problem for each cell of the wrong type."""

    def __init__(self, raw: RawRow, headers: dict[str, str]) -> None:
        self.raw = raw
        self.headers = headers
        self.problems: list[Problem] = []

    def bad(self, key: str, message: str, kind: str = "bad_cell") -> None:
        where = (self.raw.sheet, self.raw.row, self.headers[key])
        self.problems.append(error(*where, message, kind))

    def text(self, key: str, upper: bool = False) -> str:
        value = self.raw.values.get(key)
        if value is None:
            return ""
        if isinstance(value, bool | datetime.date | datetime.time):
            self.bad(key, _("应为文字，不能是日期或逻辑值。"))
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = unicodedata.normalize("NFKC", str(value)).strip() if upper else str(value).strip()
        return text.upper() if upper else text

    def number(self, key: str, convert: Callable[[Any], Any], message: str) -> Any:
        value = self.raw.values.get(key)
        if not _present(value):
            return None
        try:
            if isinstance(value, bool | datetime.date | datetime.time):
                raise ValueError
            return convert(str(value).strip() if isinstance(value, str) else value)
        except (TypeError, ValueError):
            self.bad(key, message)
            return None

    def level(self) -> int | None:
        value = self.raw.values.get("level")
        if isinstance(value, str) and value.strip() in _LEVEL_NAMES:
            return _LEVEL_NAMES[value.strip()]
        level = self.number("level", _int_in(LEVELS), _("等级应为 1–5 的整数。"))
        if level is None and not self.problems:
            self.bad("level", _("等级未填写。"))
        return level

    def choice(
        self,
        key: str,
        allowed: Sequence[str],
        message: str,
        strip: str = "",
        kind: str = "bad_cell",
    ) -> str:
        text = self.text(key, upper=True)
        if strip and text.endswith(strip):
            text = text[: -len(strip)]
        if text and text not in allowed:
            self.bad(key, message, kind)
            return ""
        return text

    def item_type(self) -> str:
        """The item's type; an unknown or missing one is reported here, once."""
        message = _("题型应为 判断、单选 或 多选。")
        text = self.choice("type", ITEM_TYPES, message, strip="题", kind="bad_type")
        if not text and not _present(self.raw.values.get("type")):
            self.bad("type", _("题型未填写，应为 判断、单选 或 多选。"), "bad_type")
        return text


def _int_in(allowed: Sequence[int]) -> Callable[[Any], int]:
    def convert(value: Any) -> int:
        number = float(value)
        if not number.is_integer() or int(number) not in allowed:
            raise ValueError
        return int(number)

    return convert


def _non_negative(value: Any) -> float:
    number = float(value)
    if number < 0 or number != number:
        raise ValueError
    return number


def _point_number(cells: _Cells) -> str:
    value = cells.raw.values.get("point_code")
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        return f"{int(value):03d}"  # Excel turned 001 into 1
    return cells.text("point_code", upper=True)


def read_specification(
    source: Source, progress: Progress | None = None, limits: ReadLimits = DEFAULT_LIMITS
) -> tuple[list[SpecRow], list[Problem]]:
    """The specification table's rows and the structural problems found reading it."""
    raws, problems = read_rows(source, SPEC_SHEET, SPEC_COLUMNS, progress, limits)
    headers = {key: header for key, header, _req in SPEC_COLUMNS}
    rows: list[SpecRow] = []
    for raw in raws:
        cells = _Cells(raw, headers)
        level = cells.level()
        row = SpecRow(
            sheet=raw.sheet,
            row=raw.row,
            level=level or 0,
            range_code=cells.text("range_code", upper=True).replace(" ", ""),
            range_name=cells.text("range_name"),
            weight=cells.number("weight", _non_negative, _("比重应为非负数（百分数）。")),
            point_code=_point_number(cells),
            point_name=cells.text("point_name"),
            importance=cells.choice("importance", IMPORTANCE, _("重要程度应为 X、Y 或 Z。")),
        )
        problems.extend(cells.problems)
        if level is not None:
            rows.append(row)
    return _within_levels(SPEC_SHEET, rows, problems, limits)


def _within_levels(
    sheet: str, rows: list[Any], problems: list[Problem], limits: ReadLimits
) -> tuple[list[Any], list[Problem]]:
    """``rows`` and ``problems``, or no row and the problem of a level over its limit."""
    over = _level_limit(sheet, Counter(r.level for r in rows), limits.max_items_per_level)
    return ([], problems + over) if over else (rows, problems)


def read_theory_bank(
    source: Source, progress: Progress | None = None, limits: ReadLimits = DEFAULT_LIMITS
) -> tuple[list[TheoryItem], list[Problem]]:
    """The theory bank's items and the structural problems found reading it."""
    raws, problems = read_rows(source, THEORY_SHEET, THEORY_COLUMNS, progress, limits)
    headers = {key: header for key, header, _req in THEORY_COLUMNS}
    items: list[TheoryItem] = []
    for raw in raws:
        cells = _Cells(raw, headers)
        level = cells.level()
        item = TheoryItem(
            sheet=raw.sheet,
            row=raw.row,
            item_id=cells.text("item_id"),
            type=cells.item_type(),
            stem=cells.text("stem"),
            options=tuple(cells.text(f"option_{letter}") for letter in OPTION_LETTERS),
            answer=cells.text("answer", upper=True)
            .replace(" ", "")
            .replace(",", "")
            .replace("、", ""),
            point_code=cells.text("point_code", upper=True).replace(" ", ""),
            level=level or 0,
            difficulty=cells.number("difficulty", _int_in(range(1, 6)), _("难度应为 1–5 的整数。")),
            score=cells.number("score", _non_negative, _("分值应为非负数。")),
        )
        problems.extend(cells.problems)
        if level is not None:
            items.append(item)
    return _within_levels(THEORY_SHEET, items, problems, limits)


def _whole(value: Any) -> int:
    number = float(value)
    if number < 0 or not number.is_integer():
        raise ValueError
    return int(number)


def _typed_rows(
    source: Source,
    sheet: str,
    columns: Sequence[tuple[str, str, bool]],
    build: Callable[[_Cells, int], Any],
    progress: Progress | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> tuple[list[Any], list[Problem]]:
    """Rows of ``sheet`` built by ``build(cells, level)``; a row without a level is dropped."""
    raws, problems = read_rows(source, sheet, columns, progress, limits)
    headers = {key: header for key, header, _req in columns}
    rows: list[Any] = []
    for raw in raws:
        cells = _Cells(raw, headers)
        level = cells.level()
        row = build(cells, level or 0)
        problems.extend(cells.problems)
        if level is not None:
            rows.append(row)
    return _within_levels(sheet, rows, problems, limits)


def _not_whole() -> str:
    return _("应为非负整数。")


def _not_number() -> str:
    return _("应为非负数。")


def _skill_task(cells: _Cells, level: int) -> SkillTask:
    return SkillTask(
        sheet=cells.raw.sheet,
        row=cells.raw.row,
        level=level,
        task_code=cells.text("task_code", upper=True),
        module=cells.text("module"),
        title=cells.text("title"),
        requirements=cells.text("requirements"),
        minutes=cells.number("minutes", _non_negative, _not_number()),
        points=cells.number("points", _non_negative, _not_number()),
        equipment=cells.text("equipment"),
        point_code=cells.text("point_code", upper=True).replace(" ", ""),
    )


def read_skill_bank(
    source: Source, progress: Progress | None = None, limits: ReadLimits = DEFAULT_LIMITS
) -> tuple[list[SkillTask], list[Problem]]:
    """The skill-operation bank's tasks and the structural problems found reading it."""
    return _typed_rows(source, SKILL_SHEET, SKILL_COLUMNS, _skill_task, progress, limits)


def _scoring_item(cells: _Cells, level: int) -> ScoringItem:
    return ScoringItem(
        sheet=cells.raw.sheet,
        row=cells.raw.row,
        level=level,
        task_code=cells.text("task_code", upper=True),
        item=cells.text("item"),
        criteria=cells.text("criteria"),
        points=cells.number("points", _non_negative, _not_number()),
    )


def read_marking_scheme(
    source: Source, progress: Progress | None = None, limits: ReadLimits = DEFAULT_LIMITS
) -> tuple[list[ScoringItem], list[Problem]]:
    """The marking scheme's scoring items and the structural problems found reading it."""
    return _typed_rows(source, MARKING_SHEET, MARKING_COLUMNS, _scoring_item, progress, limits)


def _theory_paper(cells: _Cells, level: int) -> TheoryPaperPlan:
    def whole(key: str) -> int | None:
        return cells.number(key, _whole, _not_whole())  # type: ignore[no-any-return]

    return TheoryPaperPlan(
        sheet=cells.raw.sheet,
        row=cells.raw.row,
        level=level,
        items=whole("items"),
        judge=whole("judge"),
        single=whole("single"),
        multi=whole("multi"),
        minutes=whole("minutes"),
        total_score=cells.number("total_score", _non_negative, _not_number()),
        pass_score=cells.number("pass_score", _non_negative, _not_number()),
    )


def _skill_draw(cells: _Cells, level: int) -> SkillDraw:
    return SkillDraw(
        sheet=cells.raw.sheet,
        row=cells.raw.row,
        level=level,
        module=cells.text("module"),
        count=cells.number("count", _whole, _not_whole()),
    )


def read_paper_plan(
    source: Source, progress: Progress | None = None, limits: ReadLimits = DEFAULT_LIMITS
) -> tuple[list[TheoryPaperPlan], list[SkillDraw], list[Problem]]:
    """The plan's theory papers and skill draws and the structural problems found reading it."""
    papers, problems = _typed_rows(
        source, THEORY_PLAN_SHEET, THEORY_PLAN_COLUMNS, _theory_paper, limits=limits
    )
    draws, more = _typed_rows(
        source, SKILL_PLAN_SHEET, SKILL_PLAN_COLUMNS, _skill_draw, progress, limits
    )
    return papers, draws, problems + more
