"""The specification table (鉴定要素细目表) as an index, and its checks (N-4.2, 附件6)."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .layout import MAX_RANGE_DEPTH, SPEC_SHEET
from .levels import of_level
from .parse import SpecRow
from .report import Problem, Report, error, warning
from .requirements import BankRequirements

RANGE_CODE = re.compile(rf"^[A-Z](\.[A-Z]){{0,{MAX_RANGE_DEPTH - 1}}}$")
POINT_NUMBER = re.compile(r"^\d{3}$")
F_RANGE, F_WEIGHT, F_POINT, F_IMPORTANCE = "鉴定范围代码", "比重(%)", "鉴定点代码", "重要程度"


@dataclass
class Specification:
    """Ranges, points and first-level weights per level, keyed by (level, code)."""

    ranges: dict[tuple[int, str], SpecRow] = field(default_factory=dict)
    points: dict[tuple[int, str], SpecRow] = field(default_factory=dict)
    weights: dict[int, dict[str, float]] = field(default_factory=lambda: defaultdict(dict))
    first_row: dict[int, int] = field(default_factory=dict)

    def levels(self) -> list[int]:
        return sorted(self.first_row, reverse=True)

    def points_of(self, level: int) -> list[SpecRow]:
        return [row for (lvl, _code), row in self.points.items() if lvl == level]


def index_specification(rows: Sequence[SpecRow]) -> Specification:
    """The first valid declaration of each range and point wins; the checks report the rest."""
    spec = Specification()
    for row in rows:
        spec.first_row.setdefault(row.level, row.row)
        if not RANGE_CODE.match(row.range_code):
            continue
        if not row.is_point:
            spec.ranges.setdefault((row.level, row.range_code), row)
            if "." not in row.range_code and row.weight is not None:
                spec.weights[row.level].setdefault(row.range_code, row.weight)
        elif POINT_NUMBER.match(row.point_code):
            spec.points.setdefault((row.level, row.full_point_code), row)
    return spec


def check_specification(
    rows: Sequence[SpecRow], req: BankRequirements, level: int | None = None
) -> Report:
    """Codes, weights, the X/Y/Z shares and the point counts of the specification table; with
    ``level`` (the line's), only that level's rows, which must exist (``levels.of_level``)."""
    report = Report()
    if level is not None:
        rows, problems = of_level(rows, level, SPEC_SHEET)
        report.extend(problems)
    spec = index_specification(rows)
    report.extend(_row_problems(rows, spec))
    for level in spec.levels():
        report.extend(_level_problems(spec, level, req))
    return report


def _row_problems(rows: Sequence[SpecRow], spec: Specification) -> Iterator[Problem]:
    for row in rows:
        if not RANGE_CODE.match(row.range_code):
            msg = _range_code_message(row.range_code)
            yield error(row.sheet, row.row, F_RANGE, msg, "bad_range_code")
        elif row.is_point:
            yield from _point_row_problems(row, spec)
        else:
            yield from _range_row_problems(row, spec)


def _range_code_message(code: str) -> str:
    if not code:
        return _("鉴定范围代码未填写。")
    return _(
        "鉴定范围代码「%(code)s」格式不对：每层一个大写字母，用点分隔，最多 %(depth)d 层，如 A.B。"
    ) % {
        "code": code,
        "depth": MAX_RANGE_DEPTH,
    }


def _range_row_problems(row: SpecRow, spec: Specification) -> Iterator[Problem]:
    args = {"code": row.range_code, "level": row.level}
    if spec.ranges[(row.level, row.range_code)] is not row:
        msg = _("%(level)d级鉴定范围「%(code)s」重复。") % args
        yield error(row.sheet, row.row, F_RANGE, msg, "duplicate_range")
    parent = row.range_code.rpartition(".")[0]
    if parent and (row.level, parent) not in spec.ranges:
        msg = _("上级鉴定范围「%(parent)s」未在本等级中列出。") % {"parent": parent}
        yield error(row.sheet, row.row, F_RANGE, msg, "undeclared_range")
    if not parent and row.weight is None:
        msg = _("一级鉴定范围须填写比重（N-4.2）。")
        yield error(row.sheet, row.row, F_WEIGHT, msg, "bad_weight")
    if parent and row.weight is not None:
        yield error(row.sheet, row.row, F_WEIGHT, _("比重只填在一级鉴定范围上。"), "bad_weight")


def _point_row_problems(row: SpecRow, spec: Specification) -> Iterator[Problem]:
    if not POINT_NUMBER.match(row.point_code):
        msg = _("鉴定点代码「%(code)s」应为三位数字，如 001。") % {"code": row.point_code}
        yield error(row.sheet, row.row, F_POINT, msg, "bad_point_code")
        return
    args = {"code": row.full_point_code, "level": row.level, "range": row.range_code}
    if spec.points[(row.level, row.full_point_code)] is not row:
        msg = _("%(level)d级鉴定点「%(code)s」重复。") % args
        yield error(row.sheet, row.row, F_POINT, msg, "duplicate_point")
    if (row.level, row.range_code) not in spec.ranges:
        msg = _("所属鉴定范围「%(range)s」未列出。") % args
        yield error(row.sheet, row.row, F_RANGE, msg, "undeclared_range")
    if not row.importance:
        msg = _("鉴定点须填写重要程度 X、Y 或 Z。")
        yield error(row.sheet, row.row, F_IMPORTANCE, msg, "missing_importance")
    if not row.point_name:
        msg = _("鉴定点名称未填写。")
        yield warning(row.sheet, row.row, "鉴定点名称", msg, "missing_point_name")
    if row.weight is not None:
        yield error(row.sheet, row.row, F_WEIGHT, _("比重只填在一级鉴定范围上。"), "bad_weight")


def _level_problems(spec: Specification, level: int, req: BankRequirements) -> Iterator[Problem]:
    points = spec.points_of(level)
    sheet_name = SPEC_SHEET
    first = spec.first_row[level]
    yield from _weight_problems(spec, level, req, sheet_name, first)
    if len(points) < req.min_points_per_level:
        msg = _("%(level)d级理论知识鉴定点只有 %(n)d 个，至少 %(min)d 个（N-4.2）。") % {
            "level": level,
            "n": len(points),
            "min": req.min_points_per_level,
        }
        yield error(sheet_name, first, F_POINT, msg, "too_few_points")
    yield from _share_problems(points, level, req)
    yield from _range_size_problems(spec, level, points, req)


def _weight_problems(
    spec: Specification, level: int, req: BankRequirements, sheet: str, first: int
) -> Iterator[Problem]:
    weights = spec.weights.get(level, {})
    total = sum(weights.values())
    if abs(total - req.weight_total) > 1e-6:
        first_ranges = [
            r.row for (lvl, code), r in spec.ranges.items() if lvl == level and "." not in code
        ]
        row = min(first_ranges, default=first)
        msg = _("%(level)d级各一级鉴定范围比重之和为 %(total)s，应为 %(want)d（N-4.2）。") % {
            "level": level,
            "total": f"{total:g}",
            "want": req.weight_total,
        }
        yield error(sheet, row, F_WEIGHT, msg, "bad_weight")


def _share_problems(
    points: Sequence[SpecRow], level: int, req: BankRequirements
) -> Iterator[Problem]:
    """A share out of bounds points at a row to change: the first point row not marked X
    when X is short, the first Y (Z) row when Y (Z) is over (not the level's range row)."""
    if not points:
        return
    counts = Counter(p.importance for p in points)
    limits = (
        ("X", req.core_min_percent, True, _("核心鉴定点 X 占 %(share)s%%，应不低于 %(limit)s%%")),
        ("Y", req.y_max_percent, False, _("一般鉴定点 Y 占 %(share)s%%，应不高于 %(limit)s%%")),
        ("Z", req.z_max_percent, False, _("辅助鉴定点 Z 占 %(share)s%%，应不高于 %(limit)s%%")),
    )
    for importance, limit, is_min, template in limits:
        share = 100 * counts[importance] / len(points)
        if (share < limit - 1e-9) if is_min else (share > limit + 1e-9):
            args = {"share": _shown_share(share, is_min), "limit": f"{limit:g}"}
            msg = _("%(level)d级") % {"level": level} + template % args + _("（N-4.2）。")
            yield _share_problem(msg, _rows_to_change(points, importance, is_min))


def _rows_to_change(points: Sequence[SpecRow], importance: str, is_min: bool) -> list[SpecRow]:
    if is_min:
        return [p for p in points if p.importance != importance]
    return [p for p in points if p.importance == importance]


def _share_problem(message: str, rows: Sequence[SpecRow]) -> Problem:
    """The share's problem at the first of ``rows`` (the rows to change)."""
    if not rows:
        return error(SPEC_SHEET, None, F_IMPORTANCE, message, "importance_share")
    return error(rows[0].sheet, rows[0].row, F_IMPORTANCE, message, "importance_share")


def _shown_share(share: float, is_min: bool) -> str:
    """A refused share to one decimal, rounded away from the limit it failed (down for a
    minimum, up for a maximum), so 79.96 % shows as 79.9 %, never as "80.0 %, at least 80 %"."""
    tenths = share * 10
    rounded = math.floor(tenths + 1e-9) if is_min else math.ceil(tenths - 1e-9)
    return f"{rounded / 10:.1f}"


def _range_size_problems(
    spec: Specification, level: int, points: Sequence[SpecRow], req: BankRequirements
) -> Iterator[Problem]:
    per_top = Counter(p.range_code.split(".")[0] for p in points)
    for code, weight in spec.weights.get(level, {}).items():
        need = req.points_per_weight * weight
        if per_top[code] < need:
            row = spec.ranges[(level, code)]
            msg = _(
                "一级鉴定范围「%(code)s」比重 %(w)s，只有 %(n)d 个鉴定点，应不少于 %(need)s 个。"
            ) % {
                "code": code,
                "w": f"{weight:g}",
                "n": per_top[code],
                "need": f"{need:g}",
            }
            yield error(row.sheet, row.row, F_POINT, msg, "too_few_points")


def points_summary(rows: Sequence[SpecRow]) -> dict[str, dict[str, int]]:
    """Points per level ("5": {"X": 160, "Y": 30, "Z": 10, "total": 200}), levels from 5 down;
    an unmarked point counts as "?"."""
    spec = index_specification(rows)
    result: dict[str, dict[str, int]] = {}
    for level in spec.levels():
        counts = Counter(p.importance or "?" for p in spec.points_of(level))
        result[str(level)] = {**{k: counts[k] for k in ("X", "Y", "Z")}, "total": counts.total()}
        if counts["?"]:
            result[str(level)]["?"] = counts["?"]
    return result
