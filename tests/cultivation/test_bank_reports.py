"""Bank reports people can act on (issue 20 item 3) and bounded (issue 21 item 2).

The summary first, then problems grouped by kind with their exact count, the first 50 shown
and the rest on a paged list; each naming sheet, row and cell. A missing sheet or a missing
specification is said once; an unknown item type once. The stored report keeps at most
``BANK_REPORT_KEEP_PER_KIND`` problems of a kind, so a bank of near-identical stems cannot
make it (or the line's page) unbounded.
"""

from __future__ import annotations

import io
import json
from datetime import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from evalorg.cultivation.banks.layout import THEORY_COLUMNS
from evalorg.cultivation.banks.samples import make_bank
from evalorg.cultivation.banks.samples import xlsx as _xlsx
from evalorg.cultivation.banks.similarity import near_duplicates, normalise_stem
from evalorg.cultivation.models import Deliverable
from tests.applications.conftest import SH, applicant_of
from tests.cultivation.test_deliverables import _signed_line
from tests.filing.conftest import province_staff

pytestmark = pytest.mark.django_db
IN_PERIOD = datetime(2025, 5, 6, 10, 0, tzinfo=SH)


@pytest.fixture
def in_period():
    with time_machine.travel(IN_PERIOD, tick=False) as traveller:
        yield traveller


@pytest.fixture(scope="module")
def bank():
    return make_bank()


@pytest.fixture
def line(client, in_period):
    line = _signed_line()
    client.force_login(applicant_of(line.application))
    return line


def _upload(client, line, kind: str, data: bytes) -> None:
    url = reverse("cultivation:line", args=[line.pk])
    name = f"{kind}.xlsx"
    response = client.post(url, {"kind": kind, "file": SimpleUploadedFile(name, data)})
    assert response.status_code == 302


def _current(line, kind: str = "theory") -> Deliverable:
    return Deliverable.objects.get(line=line, kind=kind, is_current=True)


def _page(client, line) -> str:
    return client.get(reverse("cultivation:line", args=[line.pk])).content.decode()


def _theory(bank, change) -> bytes:
    items = [list(r) for r in bank.items]
    change(items)
    return _xlsx("理论知识试题", THEORY_COLUMNS, items)


def _single_rows(bank, count: int) -> list[int]:
    """The worksheet rows of the first ``count`` 单选 items (every 4th item is a 判断)."""
    return [k + 2 for k, r in enumerate(bank.items) if r[1] == "单选"][:count]


def _break_answers(count: int):
    def change(items):
        singles = [r for r in items if r[1] == "单选"]
        for row in singles[:count]:
            row[8] = "Z"  # an answer that is no option

    return change


# ---- structural problems said once, first ------------------------------------------------------


def test_a_missing_sheet_is_said_once_without_the_per_point_noise(client, line, bank):
    _upload(client, line, "specification", bank.spec_xlsx())
    _upload(client, line, "theory", _xlsx("Sheet1", THEORY_COLUMNS, bank.items))
    theory = _current(line)
    assert [p["kind"] for p in theory.report] == ["missing_sheet"]
    assert theory.report[0]["sheet"] == "理论知识试题"
    page = _page(client, line)
    assert "缺少工作表「理论知识试题」" in page
    assert "没有任何试题覆盖" not in page


def test_a_theory_bank_before_its_specification_names_the_specification(client, line, bank):
    _upload(client, line, "theory", bank.theory_xlsx())
    [problem] = _current(line).report
    assert problem["kind"] == "missing_specification"
    assert problem["sheet"] == "鉴定要素细目表"
    assert "鉴定要素细目表" in problem["message"]
    assert not problem["text"].startswith("[错误] ：")
    assert problem["text"].startswith("[错误] 鉴定要素细目表：")


@pytest.mark.parametrize("value", ["填空", None])
def test_an_unknown_or_missing_item_type_is_reported_once(client, line, bank, value):
    def change(items):
        items[5][1] = value

    _upload(client, line, "specification", bank.spec_xlsx())
    _upload(client, line, "theory", _theory(bank, change))
    at_row = [p for p in _current(line).report if p["row"] == 7]
    assert [(p["kind"], p["cell"]) for p in at_row] == [("bad_type", "B7")]


def test_each_problem_names_its_sheet_row_and_cell(client, line, bank):
    _upload(client, line, "specification", bank.spec_xlsx())
    _upload(client, line, "theory", _theory(bank, _break_answers(1)))
    [problem] = [p for p in _current(line).report if p["kind"] == "bad_answer"]
    assert (problem["sheet"], problem["row"], problem["cell"]) == ("理论知识试题", 3, "I3")
    assert "（I3）" in problem["text"]


# ---- summary, grouping, the rest behind a link ---------------------------------------------------


def test_the_summary_comes_first_on_the_line_and_the_reviewers_page(client, line, bank):
    _upload(client, line, "specification", bank.spec_xlsx())
    _upload(client, line, "theory", bank.theory_xlsx())
    page = _page(client, line)
    assert 'data-testid="summary-specification"' in page
    assert "<td>5级</td><td>160</td><td>30</td><td>10</td><td>200</td>" in page  # X/Y/Z
    assert "<td>5级</td><td>200</td><td>600</td><td>0</td><td>800</td>" in page  # by type
    assert "A 卷 判断 50、单选 150、多选 0 道" in page
    assert "两卷相同试题 0 道（0.0%）" in page
    client.force_login(province_staff())
    review = client.get(reverse("cultivation:line_review", args=[line.pk])).content.decode()
    assert "<td>5级</td><td>200</td><td>600</td><td>0</td><td>800</td>" in review
    assert 'data-testid="sample-papers"' in review


def test_an_empty_bank_is_obvious_on_the_reviewers_page(client, line, bank):
    _upload(client, line, "specification", bank.spec_xlsx())
    _upload(client, line, "theory", _xlsx("理论知识试题", THEORY_COLUMNS, []))
    client.force_login(province_staff())
    review = client.get(reverse("cultivation:line_review", args=[line.pk])).content.decode()
    assert 'data-testid="empty-theory"' in review
    assert "<td>5级</td><td>0</td><td>0</td><td>0</td><td>0</td>" in review


def test_problems_are_grouped_by_kind_with_50_shown_and_the_rest_paged(client, line, bank):
    _upload(client, line, "specification", bank.spec_xlsx())
    _upload(client, line, "theory", _theory(bank, _break_answers(60)))
    theory = _current(line)
    assert theory.report_meta["counts"]["bad_answer"] == {"error": 60, "warning": 0}
    page = _page(client, line)
    assert "答案有误（60）" in page
    more = reverse("cultivation:problems", args=[line.pk, theory.pk, "bad_answer"])
    assert more in page and "其余 10 条" in page
    first = client.get(more).content.decode()
    second = client.get(more + "?page=2").content.decode()
    assert first.count("不是已填写的选项") == 50
    assert second.count("不是已填写的选项") == 10
    assert f">I{_single_rows(bank, 60)[-1]}<" in second  # the 60th broken item, last


@pytest.mark.parametrize(("broken", "more"), [(50, None), (51, "其余 1 条")])
def test_a_kind_with_50_problems_shows_them_all_and_51_links_the_last(
    client, line, bank, broken, more
):
    _upload(client, line, "specification", bank.spec_xlsx())
    _upload(client, line, "theory", _theory(bank, _break_answers(broken)))
    page = _page(client, line)
    assert f"答案有误（{broken}）" in page
    assert page.count("不是已填写的选项") == 50
    assert ('data-testid="more-bad_answer"' in page) is (more is not None)
    assert more is None or more in page


def test_the_problems_page_answers_in_the_same_queries_whatever_its_rows(client, line, bank):
    theory_ids = []
    _upload(client, line, "specification", bank.spec_xlsx())
    for broken in (2, 60):
        _upload(client, line, "theory", _theory(bank, _break_answers(broken)))
        theory_ids.append(_current(line).pk)
    counts = []
    for pk in theory_ids:
        url = reverse("cultivation:problems", args=[line.pk, pk, "bad_answer"])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_an_unknown_kind_is_not_found(client, line, bank):
    _upload(client, line, "specification", bank.spec_xlsx())
    _upload(client, line, "theory", bank.theory_xlsx())
    url = reverse("cultivation:problems", args=[line.pk, _current(line).pk, "bad_answer"])
    assert client.get(url).status_code == 404


# ---- bounded: a bank of near-identical stems ----------------------------------------------------


def _near_identical(items):
    for k in range(400):
        items[k][2] = f"焊接作业前应检查焊机接地线和电缆绝缘是否良好编号{k:03d}（  ）。"


def test_near_identical_stems_give_a_bounded_report_and_page(client, line, bank, settings):
    settings.BANK_REPORT_KEEP_PER_KIND = 200
    data = _theory(bank, _near_identical)
    _upload(client, line, "specification", bank.spec_xlsx())
    _upload(client, line, "theory", data)
    theory = _current(line)
    stems = [normalise_stem(str(r[2])) for r in load_workbook(io.BytesIO(data)).active.values][1:]
    pairs = len(near_duplicates(stems, 90))
    assert pairs > 10_000  # unbounded, the report would be several megabytes
    assert theory.report_meta["counts"]["similar_stem"]["warning"] == pairs  # exact
    assert sum(1 for p in theory.report if p["kind"] == "similar_stem") == 200
    assert len(json.dumps(theory.report, ensure_ascii=False).encode()) < 150_000
    page = _page(client, line)
    assert f"题干相似（{pairs}）" in page
    assert len(page.encode()) < 100_000


# ---- the annotated workbook ---------------------------------------------------------------------


def _annotated(client, line, theory):
    response = client.get(reverse("cultivation:annotated", args=[line.pk, theory.pk]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_the_annotated_workbook_highlights_and_comments_the_problem_cells(client, line, bank):
    _upload(client, line, "specification", bank.spec_xlsx())
    _upload(client, line, "theory", _theory(bank, _break_answers(3)))
    theory = _current(line)
    book = _annotated(client, line, theory)
    assert book.sheetnames == ["检查结果", "理论知识试题"]
    sheet = book["理论知识试题"]
    assert _single_rows(bank, 3) == [3, 4, 5]
    for row in (3, 4, 5):
        cell = sheet[f"I{row}"]
        assert cell.value == "Z"
        assert "不是已填写的选项" in cell.comment.text
        assert cell.fill.fgColor.rgb.endswith("FFC7CE")
    assert sheet["I6"].comment is None and sheet.max_row == 801
    assert "共 3 个错误" in book["检查结果"]["A1"].value


def test_the_annotated_workbook_comments_at_most_the_setting(client, line, bank, settings):
    settings.BANK_ANNOTATION_MAX_COMMENTS = 5
    _upload(client, line, "specification", bank.spec_xlsx())
    _upload(client, line, "theory", _theory(bank, _break_answers(20)))
    sheet = _annotated(client, line, _current(line))["理论知识试题"]
    commented = [c for row in sheet.iter_rows() for c in row if c.comment is not None]
    assert len(commented) == 5


def test_the_annotated_specification_for_staff_too(client, line, bank):
    broken = bank.copy()
    broken.spec[5][6] = "W"  # an importance that is not X, Y or Z, on row 7
    _upload(client, line, "specification", broken.spec_xlsx())
    spec = _current(line, "specification")
    client.force_login(province_staff())
    sheet = _annotated(client, line, spec)["鉴定要素细目表"]
    assert sheet["G7"].comment is not None


def test_any_checkers_problems_group_by_kind_with_a_registered_label():
    """Another checker's problems (a kind of its own, or none) group like the bank's."""
    from evalorg.cultivation import bank_checks, bank_reports
    from evalorg.cultivation.banks.report import Report, error, register_kind, warning

    register_kind("short_marking", "评分项分值不足")
    report = Report(keep_per_kind=2)
    report.extend(
        [
            *(error("评分标准", 3 + k, "配分", "少 1 分", "short_marking") for k in range(3)),
            warning("评分标准", 9, "", "未注明考核时间"),
            error("操作技能试题", None, "", "缺少工作表", "missing_sheet"),
        ]
    )
    row = Deliverable(report=bank_checks.problem_dicts(report.problems))
    row.report_meta = bank_checks.report_meta(report)
    groups = bank_reports.groups(row)
    assert [(g.kind, g.label, g.total, len(g.kept)) for g in groups] == [
        ("missing_sheet", "缺少工作表", 1, 1),
        ("short_marking", "评分项分值不足", 3, 2),
        ("other", "其他问题", 1, 1),
    ]
    assert report.count("error") == 4 and not report.passed


def test_a_specification_with_more_problems_than_kept_counts_them_all(client, line, bank):
    broken = bank.copy()
    points = [row for row in broken.spec if row[4]]
    broken.spec += [list(row) for row in points[:50]]  # 50 points declared twice
    for row in broken.spec:
        if row[4]:  # 250 point rows without their importance
            row[6] = None
    _upload(client, line, "specification", broken.spec_xlsx())
    spec = _current(line, "specification")
    assert spec.report_meta["counts"]["missing_importance"] == {"error": 250, "warning": 0}
    assert len([p for p in spec.report if p["kind"] == "missing_importance"]) == 200


def test_the_stored_report_keeps_the_setting_per_kind_and_counts_the_rest(
    client, line, bank, settings
):
    settings.BANK_REPORT_KEEP_PER_KIND = 30
    broken = bank.copy()
    for row in broken.spec:
        if row[4]:
            row[6] = None
    _upload(client, line, "specification", broken.spec_xlsx())
    spec = _current(line, "specification")
    assert spec.report_meta["counts"]["missing_importance"] == {"error": 200, "warning": 0}
    assert len([p for p in spec.report if p["kind"] == "missing_importance"]) == 30
    assert "重要程度未填写（200）" in _page(client, line)


# ---- the skill bank, the marking scheme, the plan and the level check (merged, issue 20) ------


def _five(client, line, bank, kinds=("specification", "skill", "marking", "paper_plan")):
    files = bank.workbooks()
    for kind in kinds:
        _upload(client, line, kind, files[kind])


def test_skill_marking_plan_and_level_problems_group_under_their_own_labels(client, line):
    bank = make_bank(skill_tasks=10)
    bank.skill[0][0] = 4  # 等级: a level-4 task, so 9 tasks of level 5 are left
    bank.skill[1][8] = "Z.999"  # 鉴定点代码 not in the specification table
    bank.marking[8][4] -= 1  # a scoring item of S003 one point short
    bank.theory_plan[0][2:4] = [39, 161]  # 判断 below, 单选 above the round's ranges
    _five(client, line, bank)
    kinds = {
        kind: {p["kind"] for p in _current(line, kind).report}
        for kind in ("skill", "marking", "paper_plan")
    }
    assert kinds == {
        "skill": {"other_level", "unbound_task", "too_few_tasks"},
        "marking": {"unknown_task", "marking_total"},  # S001's 4 items: S001 is level 4
        "paper_plan": {"type_count"},
    }
    page = _page(client, line)
    for label in (
        "等级与申报等级不符（1）",
        "试题的鉴定点不存在（1）",
        "操作技能试题数量不足（1）",
        "评分项配分之和不符（1）",
        "评分项的试题不存在（4）",
        "题型题数超出范围（2）",
    ):
        assert label in page
    assert "其他问题" not in page
    [short] = [p for p in _current(line, "marking").report if p["kind"] == "marking_total"]
    assert (short["sheet"], short["row"], short["cell"]) == ("评分标准", 10, "E10")


def test_the_skill_bank_summary_gives_tasks_per_level(client, line):
    bank = make_bank(skill_tasks=12)
    bank.skill[0][0] = 4
    _five(client, line, bank, kinds=("specification", "skill"))
    assert _current(line, "skill").report_meta["summary"]["tasks"] == {"5": 11, "4": 1}
    page = _page(client, line)
    assert 'data-testid="summary-skill"' in page
    assert "<td>5级</td><td>11</td>" in page and "<td>4级</td><td>1</td>" in page
    assert 'data-testid="annotated-skill"' in page


def test_an_empty_skill_bank_is_obvious(client, line, bank):
    empty = bank.copy()
    empty.skill = []
    _five(client, line, empty, kinds=("specification", "skill"))
    assert _current(line, "skill").report_meta["summary"]["tasks"] == {}
    assert 'data-testid="empty-skill"' in _page(client, line)


def test_a_marking_scheme_before_its_skill_bank_names_the_skill_bank(client, line, bank):
    _five(client, line, bank, kinds=("specification", "marking"))
    [problem] = _current(line, "marking").report
    assert (problem["kind"], problem["sheet"]) == ("missing_skill_bank", "操作技能试题")
    assert problem["text"].startswith("[错误] 操作技能试题：")
    assert "缺少操作技能试题（1）" in _page(client, line)
