"""The report as XLSX: openpyxl write-only, every text cell through ``documents.xlsx.safe``
(an organization or occupation name can never become a formula)."""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook

from evalorg.documents.xlsx import safe

from .figures import Report


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list]) -> None:
    ws = wb.create_sheet(title)
    ws.append([safe(h) for h in header])
    for row in rows:
        ws.append([safe(v) for v in row])


def workbook(report: Report) -> bytes:
    wb = Workbook(write_only=True)
    _sheet(
        wb,
        _("按地市和状态"),
        [_("地市")] + [label for _value, label in report.states] + [_("合计")],
        [[r["city"], *r["counts"], r["total"]] for r in report.by_city_state],
    )
    _sheet(
        wb,
        _("按评审阶段"),
        [_("地市"), _("评审阶段"), _("开始"), _("已决定"), _("推荐/通过")],
        [
            [r["city"], r["stage_label"], r["opened"], r["decided"], r["recommended"]]
            for r in report.by_stage
        ],
    )
    _sheet(
        wb,
        _("推荐率与入选率"),
        [
            _("地市"),
            _("初审评估已决定"),
            _("推荐"),
            _("推荐率（%）"),
            _("省级评审已决定"),
            _("评审通过"),
            _("入选率（%）"),
        ],
        [
            [
                r["city"],
                r["assessed"],
                r["recommended"],
                r["recommendation_rate"],
                r["selection_decided"],
                r["selected"],
                r["selection_rate"],
            ]
            for r in report.rates
        ],
    )
    _sheet(
        wb,
        _("办理时长"),
        [_("自提交起至"), _("案卷数"), _("中位数（天）")],
        [[d["milestone"], d["cases"], d["median_days"]] for d in report.durations],
    )
    _sheet(
        wb,
        _("申报最多的职业"),
        [_("职业编码"), _("职业名称"), _("申请数"), _("职业等级数")],
        [[o["code"], o["name"], o["applications"], o["lines"]] for o in report.occupations],
    )
    _sheet(
        wb,
        _("已备案机构"),
        [_("地市"), _("机构类别"), _("机构数")],
        [[f["city"], f["category"], f["organizations"]] for f in report.filed],
    )
    _sheet(
        wb,
        _("各批次对比"),
        [_("遴选批次"), _("批次编码"), _("提交"), _("推荐"), _("评审通过"), _("备案")],
        [
            [r["round"], r["code"], r["submitted"], r["recommended"], r["selected"], r["filed"]]
            for r in report.across_rounds
        ],
    )
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
