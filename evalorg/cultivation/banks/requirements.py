"""The round's question-bank requirements (N-4.2, 附件6), with our defaults.

`Round.question_bank_requirements` is a JSON dict; every key is optional and an empty dict gives
the defaults below. Example overriding one threshold and the plan of level 3:

    {"min_items_per_point": 5,
     "paper_plans": {"3": {"items": 200, "judge": [20, 40], "single": [120, 140],
                           "multi": [20, 40], "minutes": 120}}}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import Any

from django.utils.translation import gettext as _

JUDGE = "判断"
SINGLE = "单选"
MULTI = "多选"
ITEM_TYPES = (JUDGE, SINGLE, MULTI)
_PLAN_TYPE_KEYS = {"judge": JUDGE, "single": SINGLE, "multi": MULTI}
LEVELS = (5, 4, 3, 2, 1)
# The largest hard limits a round may set (issue 21 item 2): a round may lower its limits, never
# lift them past what the server is sized for (bench/banks.py, docs/performance.md); a cell
# cannot hold more than Excel's 32,767 characters anyway.
LIMIT_CEILINGS = {"max_rows": 100_000, "max_items_per_level": 100_000, "max_cell_chars": 32_767}


@dataclass(frozen=True)
class PaperPlan:
    """The theory paper assembly plan (组卷方案) of one level; type ranges are inclusive."""

    level: int
    items: int = 200
    judge: tuple[int, int] = (40, 60)
    single: tuple[int, int] = (140, 160)
    multi: tuple[int, int] = (0, 0)
    minutes: int = 90
    total_score: int = 100
    pass_score: int = 60

    def __post_init__(self) -> None:
        ranges = self.type_ranges().values()
        if any(lo < 0 or lo > hi for lo, hi in ranges):
            raise ValueError(
                _("组卷方案（%(level)d级）的题型数量范围无效。") % {"level": self.level}
            )
        if not sum(lo for lo, _hi in ranges) <= self.items <= sum(hi for _lo, hi in ranges):
            raise ValueError(
                _("组卷方案（%(level)d级）各题型数量范围之和容纳不了 %(items)d 道题。")
                % {"level": self.level, "items": self.items}
            )
        if not 0 < self.pass_score <= self.total_score:
            raise ValueError(_("组卷方案（%(level)d级）的及格分无效。") % {"level": self.level})

    def type_ranges(self) -> dict[str, tuple[int, int]]:
        return {JUDGE: self.judge, SINGLE: self.single, MULTI: self.multi}

    def target_counts(self) -> dict[str, int]:
        """Items per type: each type's minimum, the rest shared by the ranges' spans."""
        ranges = self.type_ranges()
        counts = {t: lo for t, (lo, _hi) in ranges.items()}
        spans = {t: hi - lo for t, (lo, hi) in ranges.items()}
        extra = self.items - sum(counts.values())
        for t, share in largest_remainder(spans, extra).items():
            counts[t] += share
        return counts


def largest_remainder(weights: Mapping[Any, float], total: int) -> dict[Any, int]:
    """Split `total` in proportion to `weights` (integers, largest remainder, stable order)."""
    whole = sum(weights.values())
    if whole <= 0 or total <= 0:
        return dict.fromkeys(weights, 0)
    exact = {k: total * w / whole for k, w in weights.items()}
    shares = {k: int(v) for k, v in exact.items()}
    left = total - sum(shares.values())
    for k in sorted(exact, key=lambda k: shares[k] - exact[k])[:left]:
        shares[k] += 1
    return shares


def _default_plans() -> Mapping[int, PaperPlan]:
    return MappingProxyType({level: PaperPlan(level=level) for level in LEVELS})


POSITIVE = (
    "weight_total",
    "min_points_per_level",
    "points_per_weight",
    "min_items_per_point",
    "near_duplicate_score",
    "min_skill_tasks_per_level",
    *LIMIT_CEILINGS,
)
PERCENTAGES = (
    "core_min_percent",
    "y_max_percent",
    "z_max_percent",
    "near_duplicate_score",
    "max_shared_percent",
)


@dataclass(frozen=True)
class BankRequirements:
    """Every threshold the checkers apply; percentages are 0–100."""

    weight_total: int = 100
    core_min_percent: float = 80
    y_max_percent: float = 15
    z_max_percent: float = 5
    min_points_per_level: int = 200
    points_per_weight: float = 2
    min_items_per_point: int = 4
    near_duplicate_score: float = 90
    max_shared_percent: float = 10
    min_skill_tasks_per_level: int = 10
    # Hard limits: a sheet with more rows (header and empty rows included), a level with more
    # items or a cell with more characters stops the check (N-4.2, issue 21 item 2).
    max_rows: int = 50_000
    max_items_per_level: int = 20_000
    max_cell_chars: int = 5_000
    paper_plans: Mapping[int, PaperPlan] = field(default_factory=_default_plans)

    def plan_for(self, level: int) -> PaperPlan:
        return self.paper_plans.get(level) or PaperPlan(level=level)

    def problems(self) -> list[str]:
        """What makes these requirements impossible to meet or to apply (the admin refuses them):
        the X/Y/Z shares not adding up to 100 %, counts not above 0, percentages above 100.
        A plan's type ranges that cannot fill its paper are refused when it is built."""
        found = []
        shares = self.core_min_percent + self.y_max_percent + self.z_max_percent
        if abs(shares - 100) > 1e-9:
            found.append(
                _("X 最低比例、Y 最高比例、Z 最高比例之和为 %(total)s%%，应为 100%%。")
                % {"total": f"{shares:g}"}
            )
        for name in POSITIVE:
            if getattr(self, name) <= 0:
                found.append(_("「%(key)s」应大于 0。") % {"key": name})
        for name in PERCENTAGES:
            if getattr(self, name) > 100:
                found.append(_("「%(key)s」是百分数，不能超过 100。") % {"key": name})
        for name, ceiling in LIMIT_CEILINGS.items():
            value = getattr(self, name)
            if value > ceiling or value != int(value):
                found.append(
                    _("「%(key)s」应为不超过 %(max)d 的整数（服务器的上限）。")
                    % {"key": name, "max": ceiling}
                )
        for plan in self.paper_plans.values():
            if plan.items <= 0 or plan.minutes <= 0:
                found.append(
                    _("组卷方案（%(level)d级）的题量和考试时长应大于 0。") % {"level": plan.level}
                )
        return found

    @classmethod
    def from_round(cls, round_: Any) -> BankRequirements:
        return cls.from_dict(round_.question_bank_requirements or {})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BankRequirements:
        """Defaults overridden by `data`; an unknown key or a bad value is a ValueError."""
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(_("试题开发要求中有未知的设置：%(keys)s") % {"keys": sorted(unknown)})
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key == "paper_plans":
                values[key] = _plans_from_dict(value)
            elif isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(_("试题开发要求「%(key)s」应为非负数。") % {"key": key})
            else:
                values[key] = value
        return replace(cls(), **values)


def _plans_from_dict(data: Any) -> Mapping[int, PaperPlan]:
    if not isinstance(data, Mapping):
        raise ValueError(_("组卷方案应为按等级填写的字典。"))
    plans = dict(_default_plans())
    for key, value in data.items():
        level = int(key)
        if level not in LEVELS or not isinstance(value, Mapping):
            raise ValueError(_("组卷方案的等级 %(level)s 无效。") % {"level": key})
        plans[level] = _plan_from_dict(level, value)
    return MappingProxyType(plans)


def _plan_from_dict(level: int, data: Mapping[str, Any]) -> PaperPlan:
    try:
        return _plan_values(level, data)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            _("组卷方案（%(level)d级）无效：%(error)s") % {"level": level, "error": exc}
        ) from exc


def _plan_values(level: int, data: Mapping[str, Any]) -> PaperPlan:
    names = {f.name for f in fields(PaperPlan)} - {"level"}
    unknown = set(data) - names
    if unknown:
        raise ValueError(_("组卷方案中有未知的设置：%(keys)s") % {"keys": sorted(unknown)})
    values: dict[str, Any] = {}
    for key, value in data.items():
        values[key] = _type_range(value) if key in _PLAN_TYPE_KEYS else int(value)
    return replace(PaperPlan(level=level), **values)


def _type_range(value: Any) -> tuple[int, int]:
    if isinstance(value, int):
        return (value, value)
    lo, hi = value
    return (int(lo), int(hi))
