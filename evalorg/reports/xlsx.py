"""The report as XLSX: openpyxl write-only, every text cell through ``documents.xlsx.safe``
(an organization or occupation name can never become a formula)."""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook

from evalorg.documents.xlsx import safe

from . import after_filing
from .after_filing import AfterFiling
from .figures import Report


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list]) -> None:
    ws = wb.create_sheet(title)
    ws.append([safe(h) for h in header])
    for row in rows:
        ws.append([safe(v) for v in row])


def workbook(report: Report, after: AfterFiling) -> bytes:
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
    _after_filing_sheets(wb, after)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


RESULTS = ("plans", "reported", "candidates", "passed", "certificates")


def _results_header() -> list[str]:
    return [_("认定计划数"), _("已报告结果"), _("参加人数"), _("合格人数"), _("发放证书数")]


def _after_filing_sheets(wb: Workbook, after: AfterFiling) -> None:
    _sheet(
        wb,
        _("认定活动（按年度和地市）"),
        [_("年度"), _("地市"), *_results_header()],
        [[r["year"], r["city"], *(r[k] for k in RESULTS)] for r in after.assessments_by_year_city],
    )
    _sheet(
        wb,
        _("认定活动（按职业和等级）"),
        [_("职业编码"), _("职业名称"), _("等级"), *_results_header()],
        [
            [r["code"], r["name"], r["level"], *(r[k] for k in RESULTS)]
            for r in after.assessments_by_occupation
        ],
    )
    _sheet(
        wb,
        _("双随机抽查"),
        [
            _("年度"),
            _("抽中"),
            *(label for _v, label in after_filing.inspection_columns()),
            _("责令整改"),
        ],
        [[r["year"], r["drawn"], *r["counts"], r["with_findings"]] for r in after.inspections],
    )
    _sheet(
        wb,
        _("处理"),
        [_("生效年度"), *(label for _v, label in after_filing.sanction_columns())],
        [[r["year"], *r["counts"]] for r in after.sanctions],
    )
    _sheet(
        wb,
        _("投诉"),
        [_("年度"), _("收到"), *(label for _v, label in after_filing.complaint_columns())],
        [[r["year"], r["received"], *r["counts"]] for r in after.complaints],
    )
