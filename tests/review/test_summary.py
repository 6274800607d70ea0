"""The recommendation summary (附件4): XLSX read back with openpyxl, PDF with pypdf (issue #4).

A realistic case built without the UI: three Guangzhou applications submitted in the 2023
reference round, a city panel of three experts, submitted scoresheets with known scores, and
the agency's decisions (the second-ranked application not recommended).
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from evalorg.accounts.models import Role
from evalorg.applications import workflow
from evalorg.applications.models import Application, ApplicationOccupation
from evalorg.review import services
from evalorg.review.models import (
    Assignment,
    Panel,
    PanelMember,
    ReviewStage,
    Scoresheet,
    Stage,
)
from evalorg.review.scoring import DIMENSIONS, format_score
from evalorg.review.summary import HEADERS, TITLE, summary_pdf, summary_rows, summary_xlsx
from evalorg.rounds.defaults import DEFAULT_SCORESHEET
from evalorg.rounds.models import Round
from tests.applications.conftest import applicant_of, build_application
from tests.factories import CityStaffFactory, InstitutionFactory, UserFactory, city_agency

SH = ZoneInfo("Asia/Shanghai")
WELDER, ELECTRICIAN = "6-18-02-04", "6-31-01-03"
PREPARED_BY = "李明"
DIMENSION_OF = {item["code"]: item["dimension"] for item in DEFAULT_SCORESHEET["items"]}
FIRST_DATA_ROW = 4

# Per expert: points given to every item of (产业代表性, 行业权威性, 评价专业性); the default
# template has 3, 3 and 4 items of 10 points.
SCORES = {
    "甲": [(9, 9, 9), (8, 9, 9), (9, 8, 8)],  # totals 90 87 83
    "乙": [(8, 8, 8), (8, 8, 8), (8, 7, 8)],  # totals 80 80 77
    "丙": [(7, 7, 7), (7, 8, 7), (6, 7, 7)],  # totals 70 73 67
}
# Hand-computed means of the three experts (two places, half up).
EXPECTED = {
    "甲": (D("86.67"), (D("26.00"), D("26.00"), D("34.67"))),
    "乙": (D("79.00"), (D("24.00"), D("23.00"), D("32.00"))),
    "丙": (D("70.00"), (D("20.00"), D("22.00"), D("28.00"))),
}
DECISIONS = {
    "甲": (True, "产业代表性突出，考评员队伍完备，同意推荐。"),
    "乙": (False, "近三年存在行政处罚记录，暂不推荐。"),
    "丙": (True, "评价场地设施满足要求，同意推荐。"),
}


def sheet_scores(points: tuple[int, int, int]) -> dict[str, int]:
    by_dimension = dict(zip((code for code, _label in DIMENSIONS), points, strict=True))
    return {code: by_dimension[dimension] for code, dimension in DIMENSION_OF.items()}


@dataclass
class Case:
    agency: object
    round: Round
    applications: dict[str, Application]


def submit_applications() -> dict[str, Application]:
    occupations = {
        "甲": ((WELDER, [5, 4]), (ELECTRICIAN, [5, 4, 3])),
        "乙": ((WELDER, [5]),),
        "丙": ((ELECTRICIAN, [4, 3]),),
    }
    applications = {}
    start = datetime(2023, 5, 10, 9, 0, tzinfo=SH)
    for offset, (key, lines) in enumerate(occupations.items()):
        institution = InstitutionFactory(name=f"广州{key}职业技能评价有限公司")
        with time_machine.travel(start + timedelta(hours=offset), tick=False):
            application = build_application(institution, occupations=lines)
            applications[key] = workflow.perform(application, "submit", applicant_of(application))
    return applications


def score_and_decide(agency, round_, applications: dict[str, Application]) -> None:
    panel = Panel.objects.create(
        agency=agency, round=round_, stage=Stage.CITY_ASSESSMENT, name="广州市遴选评估专家组"
    )
    experts = [UserFactory(role=Role.EXPERT, full_name=f"专家{n}") for n in range(1, 4)]
    for expert in experts:
        PanelMember.objects.create(panel=panel, expert=expert, is_chair=expert == experts[0])
    staff = CityStaffFactory()
    for key, application in applications.items():
        Assignment.objects.create(panel=panel, application=application)
        for expert, points in zip(experts, SCORES[key], strict=True):
            Scoresheet.objects.create(
                panel=panel,
                application=application,
                expert=expert,
                status=Scoresheet.Status.SUBMITTED,
                scores=sheet_scores(points),
                opinion="recommend",
                submitted_at=datetime(2023, 5, 20, 10, 0, tzinfo=SH),
            )
        recommended, reason = DECISIONS[key]
        ReviewStage.objects.create(
            application=application,
            stage=Stage.CITY_ASSESSMENT,
            agency=agency,
            opened_at=application.submitted_at,
            recommended=recommended,
            reason=reason,
            decided_by=staff,
        )


@pytest.fixture
def case(db) -> Case:
    agency, round_ = city_agency("440100"), Round.objects.get(code="gd-2023")
    applications = submit_applications()
    assert {a.receiving_agency for a in applications.values()} == {agency}
    score_and_decide(agency, round_, applications)
    return Case(agency, round_, applications)


def name_of(case: Case, key: str) -> str:
    return case.applications[key].institution.name


# ---- rows ---------------------------------------------------------------------------------


def test_rows_are_the_recommended_applications_in_rank_order(case):
    rows = summary_rows(case.agency, case.round)

    assert [(r.rank, r.institution_name) for r in rows] == [
        (1, name_of(case, "甲")),
        (3, name_of(case, "丙")),
    ]
    first = rows[0]
    assert first.uscc == case.applications["甲"].institution.uscc
    assert first.category == "龙头企业"
    assert first.occupations == (
        "焊工（五级/初级工、四级/中级工）；电工（五级/初级工、四级/中级工、三级/高级工）"
    )
    assert (first.total, first.subtotals) == EXPECTED["甲"]
    assert (first.expert_count, first.method) == (3, "算术平均")
    assert first.opinion == DECISIONS["甲"][1]


def test_rows_match_services_ranked(case):
    ranked = {r.application.pk: r for r in services.ranked(case.agency, case.round)}
    assert [r.rank for r in ranked.values()] == [1, 2, 3]
    for key in ("甲", "丙"):
        aggregate = ranked[case.applications[key].pk].aggregate
        dimensions = tuple(aggregate.dimensions.values())
        assert (aggregate.total, dimensions) == EXPECTED[key]


# ---- XLSX ---------------------------------------------------------------------------------


@pytest.fixture
def workbook(case):
    with time_machine.travel(datetime(2023, 5, 24, 15, 0, tzinfo=SH), tick=False):
        data = summary_xlsx(case.agency, case.round, prepared_by=PREPARED_BY)
    assert data.startswith(b"PK")
    return load_workbook(io.BytesIO(data))


def table_rows(sheet) -> list[tuple]:
    rows = []
    for values in sheet.iter_rows(min_row=FIRST_DATA_ROW, max_col=len(HEADERS), values_only=True):
        if not isinstance(values[0], int):
            break
        rows.append(values)
    return rows


def test_xlsx_has_title_heading_and_header(workbook, case):
    sheet = workbook.active

    assert sheet["A1"].value == TITLE
    assert f"A1:{chr(ord('A') + len(HEADERS) - 1)}1" in {str(r) for r in sheet.merged_cells}
    heading = " ".join(str(c.value) for c in sheet[2] if c.value)
    assert f"推荐单位（盖章）：{case.agency.name}" in heading
    assert f"批次：{case.round.name}" in heading
    assert "填报日期：2023年5月24日" in heading
    assert [c.value for c in sheet[3]] == HEADERS


def tenths(values) -> tuple:
    """Issue #10: one decimal in the export too."""
    return tuple(v.quantize(D("0.1"), rounding=ROUND_HALF_UP) for v in values)


def test_xlsx_rows_are_the_recommended_applications_with_their_scores(workbook, case):
    rows = table_rows(workbook.active)
    ranked = {r.application.pk: r for r in services.ranked(case.agency, case.round)}

    assert [(row[0], row[1]) for row in rows] == [
        (1, name_of(case, "甲")),
        (3, name_of(case, "丙")),
    ]
    for row, key in zip(rows, ("甲", "丙"), strict=True):
        institution = case.applications[key].institution
        assert row[2:4] == (institution.uscc, "龙头企业")
        scores = tuple(D(str(value)) for value in row[5:9])
        total, subtotals = EXPECTED[key]
        assert scores == tenths((total, *subtotals))
        aggregate = ranked[case.applications[key].pk].aggregate
        assert scores == tenths((aggregate.total, *aggregate.dimensions.values()))
        assert row[9] == DECISIONS[key][1]
    assert rows[1][4] == "电工（四级/中级工、三级/高级工）"


def test_xlsx_leaves_out_the_not_recommended_application(workbook, case):
    text = [str(c.value) for row in workbook.active.iter_rows() for c in row if c.value]

    assert not any(name_of(case, "乙") in value for value in text)
    assert not any(DECISIONS["乙"][1] in value for value in text)


def test_xlsx_signature_lines_fonts_and_print_setup(workbook):
    sheet = workbook.active
    text = [str(c.value) for row in sheet.iter_rows() for c in row if c.value]

    assert f"填表人：{PREPARED_BY}" in text
    assert any(v.startswith("联系电话：") for v in text)
    assert "负责人签字：" in text
    assert any(v.startswith("日期：") for v in text)
    assert any(v.startswith("注：") and "3 名专家" in v and "算术平均" in v for v in text)
    assert sheet["A1"].font.name == "宋体" and sheet["B4"].font.name == "宋体"
    assert sheet["B4"].alignment.wrap_text and sheet["B4"].border.left.style == "thin"
    assert sheet["F4"].number_format == "0.0"
    assert sheet.column_dimensions["E"].width >= 30
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert (int(sheet.page_setup.fitToWidth), int(sheet.page_setup.fitToHeight)) == (1, 0)
    assert sheet.print_title_rows == "$3:$3"
    assert all(r.min_col < r.max_col for r in sheet.merged_cells.ranges)  # Excel "repairs" 1x1


def test_xlsx_with_no_recommendation_still_has_the_layout(case):
    ReviewStage.objects.update(recommended=False)
    sheet = load_workbook(
        io.BytesIO(summary_xlsx(case.agency, case.round, prepared_by=PREPARED_BY))
    ).active

    assert table_rows(sheet) == []
    assert sheet["A4"].value == "（本批次无推荐机构）"
    assert f"填表人：{PREPARED_BY}" in [c.value for row in sheet.iter_rows() for c in row]


def test_xlsx_download_streams_the_same_rows(client, case):
    """Issue 12: the staff download is streamed from the write-only workbook, same table."""
    client.force_login(CityStaffFactory(agency=case.agency))
    response = client.get(reverse("review:summary", args=["xlsx"]))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment;" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    assert [(row[0], row[1]) for row in table_rows(sheet)] == [
        (1, name_of(case, "甲")),
        (3, name_of(case, "丙")),
    ]
    assert sheet.freeze_panes == "A4" and sheet.row_dimensions[1].height == 36


def add_recommended_cases(case: Case, count: int) -> None:
    """``count`` more Guangzhou cases scored by the panel's experts and recommended, in bulk."""
    panel = Panel.objects.get(agency=case.agency, round=case.round)
    experts = [member.expert for member in panel.members.all()]
    template = case.applications["甲"]
    cases = Application.objects.bulk_create(
        Application(
            round=case.round,
            institution=InstitutionFactory(),
            state=template.state,
            receiving_agency=case.agency,
            acknowledgement_no=f"2023-4401-9{Application.objects.count() + n:04d}",
            submitted_at=template.submitted_at + timedelta(minutes=n + 1),
        )
        for n in range(count)
    )
    ApplicationOccupation.objects.bulk_create(
        ApplicationOccupation(application=a, occupation_id=WELDER, level=level)
        for a in cases
        for level in (5, 4)
    )
    Assignment.objects.bulk_create(Assignment(panel=panel, application=a) for a in cases)
    Scoresheet.objects.bulk_create(
        Scoresheet(
            panel=panel,
            application=a,
            expert=expert,
            status=Scoresheet.Status.SUBMITTED,
            scores=sheet_scores((8, 7, 9)),
            opinion="recommend",
            submitted_at=datetime(2023, 5, 20, 10, 0, tzinfo=SH),
        )
        for a in cases
        for expert in experts
    )
    ReviewStage.objects.bulk_create(
        ReviewStage(
            application=a,
            stage=Stage.CITY_ASSESSMENT,
            agency=case.agency,
            opened_at=a.submitted_at,
            recommended=True,
            reason="同意推荐。",
        )
        for a in cases
    )


def test_xlsx_reads_a_constant_number_of_queries_for_10_or_60_cases(case):
    """Issue 24: one pass over the ranking's queries, nothing per row."""

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            data = summary_xlsx(case.agency, case.round, prepared_by=PREPARED_BY)
        return len(captured), len(table_rows(load_workbook(io.BytesIO(data)).active))

    add_recommended_cases(case, 7)
    ten, rows = queries()
    assert rows == 9  # 乙 is not recommended
    add_recommended_cases(case, 50)
    assert queries() == (ten, 59)


def test_xlsx_of_a_current_ranking_reads_no_sheet_and_constant_queries(case):
    """Issue 24: with the stored ranking current, 附件4 reads the stored scores (no sheet is
    scored) in the same number of queries for 10 or 60 cases."""
    from evalorg.review.ranking import refresh_round

    def queries() -> list[str]:
        refresh_round(case.round)
        with CaptureQueriesContext(connection) as captured:
            summary_xlsx(case.agency, case.round, prepared_by=PREPARED_BY)
        return [q["sql"] for q in captured]

    add_recommended_cases(case, 7)
    ten = queries()
    add_recommended_cases(case, 50)
    sixty = queries()
    assert len(sixty) == len(ten)
    assert not [sql for sql in sixty if '"scores"' in sql]  # no sheet's scores read


def shown_rows(client, pages: int) -> list[tuple[int, int, str]]:
    """(position, application id, total as shown) of every row of the ranking page."""
    rows = []
    for page in range(1, pages + 1):
        body = client.get(reverse("review:ranking"), {"page": page}).content.decode()
        for part in body.split('id="row-')[1:]:
            pk = int(part.split('"', 1)[0])
            position = int(part.split("<td>", 1)[1].split("</td>", 1)[0])
            rows.append((position, pk, part.split("<strong>", 1)[1].split("</strong>", 1)[0]))
    return rows


def test_rows_are_the_ranking_pages_cases_in_its_order_with_its_scores(client, case):
    """Issue 24: 附件4 lists the recommended cases of the ranking page, in its order and with
    its positions across pages (60 tied cases and some not recommended among them), and the
    stored scores, which are the sheets' aggregate to two decimals."""
    add_recommended_cases(case, 60)
    tied = ReviewStage.objects.filter(reason="同意推荐。").order_by("application_id")
    ReviewStage.objects.filter(pk__in=list(tied.values_list("pk", flat=True)[::7])).update(
        recommended=False
    )
    rows = summary_rows(case.agency, case.round)
    client.force_login(CityStaffFactory(agency=case.agency))
    shown = shown_rows(client, pages=2)
    assert [position for position, _pk, _total in shown] == list(range(1, 64))
    names = dict(Application.objects.values_list("pk", "institution__name"))
    recommended = set(
        ReviewStage.objects.filter(recommended=True).values_list("application_id", flat=True)
    )
    assert len(rows) == len(recommended) == 63 - 1 - 9
    expected = [(p, names[pk], total) for p, pk, total in shown if pk in recommended]
    assert [(r.rank, r.institution_name, format_score(r.total)) for r in rows] == expected
    pks = {name: pk for pk, name in names.items()}
    stored = {r.application_id: r for r in ReviewStage.objects.all()}
    computed = {r.application.pk: r.aggregate for r in services.ranked(case.agency, case.round)}
    cents = D("0.01")
    for row in rows:
        record, aggregate = stored[pks[row.institution_name]], computed[pks[row.institution_name]]
        assert row.total == record.score_total == aggregate.total.quantize(cents)
        dimensions = tuple(aggregate.dimensions[code].quantize(cents) for code, _ in DIMENSIONS)
        assert row.subtotals == dimensions


def test_a_sheet_changed_behind_the_stored_ranking_is_scored_before_the_summary(case):
    """Issue 24: a sheet saved after its case's score was stored (here without the events that
    refresh it) makes the stage stale; the summary refreshes it first, never printing the old
    score."""
    from evalorg.review.ranking import is_stale

    summary_rows(case.agency, case.round)
    assert not is_stale(case.agency, case.round, Stage.CITY_ASSESSMENT)
    sheet = Scoresheet.objects.filter(application=case.applications["丙"]).order_by("pk").first()
    sheet.scores = sheet_scores((10, 10, 10))  # 70 → 100: 丙 averages 80.00, above 乙's 79.00
    sheet.save()
    assert is_stale(case.agency, case.round, Stage.CITY_ASSESSMENT)

    rows = summary_rows(case.agency, case.round)

    assert [(r.rank, r.institution_name, r.total) for r in rows] == [
        (1, name_of(case, "甲"), D("86.67")),
        (2, name_of(case, "丙"), D("80.00")),
    ]
    assert not is_stale(case.agency, case.round, Stage.CITY_ASSESSMENT)


# ---- PDF ----------------------------------------------------------------------------------


def embedded_fonts(reader: PdfReader) -> set[str]:
    """BaseFont names of fonts whose program is embedded (FontFile2 or FontFile3)."""
    names = set()
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            for part in [font, *(d.get_object() for d in font.get("/DescendantFonts", []))]:
                descriptor = part.get("/FontDescriptor")
                files = {"/FontFile", "/FontFile2", "/FontFile3"}
                if descriptor is not None and files & set(descriptor.get_object().keys()):
                    names.add(str(part["/BaseFont"]))
    return names


def test_pdf_has_the_recommended_rows_in_chinese_with_an_embedded_cjk_font(case):
    started = time.perf_counter()
    data = summary_pdf(case.agency, case.round, prepared_by=PREPARED_BY)
    elapsed = time.perf_counter() - started
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages)
    compact = "".join(text.split())

    assert data.startswith(b"%PDF-")
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # landscape
    assert TITLE in compact
    for key in ("甲", "丙"):
        assert name_of(case, key) in compact
        assert format_score(EXPECTED[key][0]) in compact
    assert name_of(case, "乙") not in compact
    assert "评价专业性" in compact and "推荐意见" in compact
    assert f"填表人：{PREPARED_BY}" in compact and "负责人签字" in compact
    fonts = embedded_fonts(reader)
    assert any("CJK" in name or "Noto" in name for name in fonts), fonts
    assert elapsed < 30, elapsed


def test_a_long_pdf_is_laid_out_in_chunks_and_numbered_as_one_document(case, monkeypatch):
    """Issue 24: past ``PDF_CHUNK_ROWS`` the rows are laid out a chunk at a time and the pages
    merged; every page still says "第 n 页 / 共 N 页", the running title is on every page but
    the first, the heading and the closing lines come once, the rows in rank order."""
    from evalorg.review import summary as summary_module

    monkeypatch.setattr(summary_module, "PDF_CHUNK_ROWS", 10)
    add_recommended_cases(case, 28)  # 30 recommended rows: three chunks
    done: list[tuple[int, int]] = []
    data = summary_pdf(
        case.agency, case.round, prepared_by=PREPARED_BY, progress=lambda *n: done.append(n)
    )
    reader = PdfReader(io.BytesIO(data))
    pages = ["".join(page.extract_text().split()) for page in reader.pages]
    whole = "".join(pages)

    assert done == [(10, 30), (20, 30), (30, 30)]
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert f"第{number}页/共{len(pages)}页" in text, (number, text[-40:])
        assert TITLE in text  # the heading on the first page, the running title on the others
    assert whole.count("推荐单位（盖章）") == 1 and whole.count(f"填表人：{PREPARED_BY}") == 1
    order = [row.uscc for row in summary_rows(case.agency, case.round)]
    assert len(order) == 30
    assert [whole.index(uscc) for uscc in order] == sorted(whole.index(uscc) for uscc in order)
    assert reader.pages[-1].mediabox.width > reader.pages[-1].mediabox.height  # landscape


def test_a_large_pdf_is_built_by_the_worker_once_and_served_until_the_data_change(
    client, case, monkeypatch, django_capture_on_commit_callbacks
):
    """Issue 24: past ``ASYNC_ROWS`` the download never lays the PDF out in the request: the
    first asks the worker (here the immediate backend) and says it is being prepared; the
    next gets the stored build, the same bytes, without laying anything out; a changed
    opinion is a new document."""
    from evalorg.core.files import open_stored
    from evalorg.documents.models import BuiltDocument
    from evalorg.review import summary_builds

    monkeypatch.setattr(summary_builds, "ASYNC_ROWS", 1)
    client.force_login(CityStaffFactory(agency=case.agency))
    url = reverse("review:summary", args=["pdf"])
    with django_capture_on_commit_callbacks(execute=True):
        first = client.get(url)
    assert first.status_code == 202
    assert 'data-testid="build-progress"' in first.content.decode()
    built = BuiltDocument.objects.get(name=summary_builds.NAME)

    def no_layout(*args, **kwargs):
        raise AssertionError("laid out in the request")

    monkeypatch.setattr(summary_builds, "pdf_of", no_layout)
    second = client.get(url)
    assert second.status_code == 200 and second["Content-Type"] == "application/pdf"
    data = b"".join(second.streaming_content)
    with open_stored(built.file) as stored:
        assert data == stored.read()
    compact = "".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())
    assert name_of(case, "甲") in compact and name_of(case, "乙") not in compact

    ReviewStage.objects.filter(application=case.applications["丙"]).update(reason="同意。")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        third = client.get(url)
    builds = [c for c in queued if getattr(c, "func", None) is summary_builds._enqueue]
    assert third.status_code == 202 and len(builds) == 1  # a new document, built once
    assert BuiltDocument.objects.count() == 1


def test_the_note_states_the_decimals_the_scores_are_rounded_to():
    """附件4's note must say the places the cells show (SCORE_PLACES), not two for one."""
    from evalorg.review.scoring import SCORE_PLACES
    from evalorg.review.summary import scoring_note

    places = -SCORE_PLACES.as_tuple().exponent
    words = {1: "保留一位小数", 2: "保留两位小数"}[places]
    assert words in scoring_note([])
    assert len(format_score(D("87.25")).split(".")[1]) == places
