"""The agency's inbox, its XLSX export and the staff case page (issue #4)."""

from __future__ import annotations

import io
import itertools
from datetime import datetime
from urllib.parse import quote

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from evalorg.accounts.models import Agency, Role
from evalorg.applications import workflow
from evalorg.applications.models import Application, ApplicationOccupation, State
from evalorg.core.models import AuditEvent
from evalorg.institutions.models import Category
from evalorg.review.inbox import PAGE_SIZE
from evalorg.rounds.models import Round
from tests.applications.conftest import SH, applicant_of, build_application
from tests.factories import CityStaffFactory, InstitutionFactory, UserFactory, city_agency

pytestmark = pytest.mark.django_db

WELDER = "6-18-02-04"  # 焊工
COOK = "4-03-02-01"  # 中式烹调师
_ack = itertools.count(1)
# Session, user, the second-factor device (django-otp), county choices, agency, count, page rows,
# occupations and the unread-message badge: the same for 1 row and for 50. The session is not
# saved on a read within a minute of its last save (accounts/sessions.py).
INBOX_QUERIES = 10  # + the round choices (issue 22)
# Session, user, second-factor device, county choices (to validate the filter), agency, rows,
# occupations (no session save: accounts/sessions.py).
EXPORT_QUERIES = 8  # + the round choices


def make_row(
    *,
    agency: Agency | None = None,
    state: str = State.SUBMITTED,
    occupations: tuple[str, ...] = (WELDER,),
    needs_review: bool = False,
    submitted_at: datetime | None = None,
    **institution,
) -> Application:
    """A listing row built directly (tests may create fixtures in a given state)."""
    application = Application.objects.create(
        round=Round.objects.get(code="gd-2023"),
        institution=InstitutionFactory(**institution),
        state=state,
        receiving_agency=agency or city_agency(),
        acknowledgement_no=f"2023-4401-{next(_ack):04d}",
        submitted_at=submitted_at or datetime(2023, 5, 10, 9, 0, tzinfo=SH),
        needs_review=needs_review,
    )
    ApplicationOccupation.objects.bulk_create(
        ApplicationOccupation(application=application, occupation_id=code, level=level)
        for code in occupations
        for level in (5, 4)  # two occupation lines: the listing names the occupation once
    )
    return application


def listed(response) -> list[int]:
    return [a.pk for a in response.context["page"].object_list]


def _submitted(application=None) -> Application:
    application = application or build_application()
    with time_machine.travel(datetime(2023, 5, 10, tzinfo=SH), tick=False):
        return workflow.perform(application, "submit", applicant_of(application))


@pytest.fixture
def staff(client):
    user = CityStaffFactory()
    client.force_login(user)
    return user


# ---- access ---------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client):
    case = make_row()
    for url in (
        reverse("review_inbox:inbox"),
        reverse("review_inbox:export"),
        reverse("applications:detail", args=[case.pk]),
        reverse("review_inbox:verify", args=[case.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.EXPERT, Role.DEPARTMENT])
def test_other_roles_get_403_on_inbox_and_export(client, role):
    agency = Agency.objects.filter(kind=Agency.Kind.DEPARTMENT).first() or city_agency()
    client.force_login(UserFactory(role=role, agency=agency if role == Role.DEPARTMENT else None))
    assert client.get(reverse("review_inbox:inbox")).status_code == 403
    assert client.get(reverse("review_inbox:export")).status_code == 403


def test_inbox_lists_own_agency_without_drafts(client, staff):
    mine = make_row()
    make_row(state=State.DRAFT)
    make_row(agency=city_agency("440300"), city_id="440300", county_id="440305")
    response = client.get(reverse("review_inbox:inbox"))
    assert response.status_code == 200
    assert listed(response) == [mine.pk]
    body = response.content.decode()
    assert mine.institution.uscc in body and mine.acknowledgement_no in body
    assert "焊工" in body and "天河区" in body
    assert reverse("applications:detail", args=[mine.pk]) in body


def test_province_staff_sees_what_is_routed_to_the_center(client):
    center = Agency.objects.get(kind=Agency.Kind.PROVINCE)
    routed = make_row(agency=center)
    make_row()
    client.force_login(UserFactory(role=Role.PROVINCE_STAFF, agency=center))
    assert listed(client.get(reverse("review_inbox:inbox"))) == [routed.pk]


# ---- filters, search, sort, paging ----------------------------------------------------------


@pytest.fixture
def three_rows(staff):
    welder = make_row(
        name="广州焊接技术有限公司", category=Category.LEADING_ENTERPRISE, county_id="440106"
    )
    cook = make_row(
        name="越秀烹饪学校",
        category=Category.COLLEGE,
        county_id="440104",
        occupations=(COOK,),
        needs_review=True,
        state=State.VERIFIED,
    )
    both = make_row(
        name="天河职业培训中心",
        category=Category.PRIVATE_TRAINING_SCHOOL,
        county_id="440106",
        occupations=(WELDER, COOK),
        state=State.RETURNED_FOR_CORRECTION,
    )
    return welder, cook, both


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"state": "verified"}, {"cook"}),
        ({"state": "returned_for_correction"}, {"both"}),
        ({"category": "college"}, {"cook"}),
        ({"category": "leading_enterprise"}, {"welder"}),
        ({"occupation": "6-18-02"}, {"welder", "both"}),
        ({"occupation": "烹调"}, {"cook", "both"}),
        ({"county": "440106"}, {"welder", "both"}),
        ({"needs_review": "1"}, {"cook"}),
        ({"needs_review": "0"}, {"welder", "both"}),
        ({"county": "440106", "occupation": "烹调"}, {"both"}),
        ({"q": "烹饪"}, {"cook"}),
        ({"state": "not-a-state"}, {"welder", "cook", "both"}),  # invalid filter ignored
    ],
)
def test_filters(client, three_rows, query, expected):
    names = dict(zip(("welder", "cook", "both"), three_rows, strict=True))
    response = client.get(reverse("review_inbox:inbox"), query)
    assert set(listed(response)) == {names[n].pk for n in expected}
    assert len(listed(response)) == len(expected)  # no duplicates from the occupation join


def test_inbox_names_each_occupation_once(client, three_rows):
    page = client.get(reverse("review_inbox:inbox"), {"q": "天河职业"}).content.decode()
    assert page.count("中式烹调师、焊工") == 1 and page.count("焊工") == 1


def test_county_choices_are_the_counties_in_the_inbox(client, three_rows):
    form = client.get(reverse("review_inbox:inbox")).context["form"]
    assert [code for code, _ in form.fields["county"].choices] == ["", "440104", "440106"]


def test_search_by_uscc(client, three_rows):
    welder = three_rows[0]
    response = client.get(reverse("review_inbox:inbox"), {"q": welder.institution.uscc[-8:]})
    assert listed(response) == [welder.pk]
    response = client.get(reverse("review_inbox:inbox"), {"q": welder.institution.uscc.lower()})
    assert listed(response) == [welder.pk]


def test_sort_by_name_state_and_submission_time(client, staff):
    b = make_row(name="B机构", submitted_at=datetime(2023, 5, 12, tzinfo=SH))
    a = make_row(name="A机构", submitted_at=datetime(2023, 5, 11, tzinfo=SH), state=State.VERIFIED)
    c = make_row(name="C机构", submitted_at=datetime(2023, 5, 13, tzinfo=SH))
    url = reverse("review_inbox:inbox")
    assert listed(client.get(url)) == [c.pk, b.pk, a.pk]  # default: newest first
    assert listed(client.get(url, {"sort": "submitted_at"})) == [a.pk, b.pk, c.pk]
    assert listed(client.get(url, {"sort": "name"})) == [a.pk, b.pk, c.pk]
    assert listed(client.get(url, {"sort": "-name"})) == [c.pk, b.pk, a.pk]
    # Lifecycle order: submitted before verified; ties by pk.
    assert listed(client.get(url, {"sort": "state"})) == [b.pk, c.pk, a.pk]
    assert listed(client.get(url, {"sort": "-state"})) == [a.pk, c.pk, b.pk]


def test_paging_25_per_page_keeps_filters(client, staff):
    rows = [make_row(submitted_at=datetime(2023, 5, 10, 8, n, tzinfo=SH)) for n in range(30)]
    make_row(state=State.VERIFIED)
    url = reverse("review_inbox:inbox")
    first = client.get(url, {"state": "submitted", "sort": "submitted_at"})
    assert listed(first) == [r.pk for r in rows[:PAGE_SIZE]]
    assert "page=2" in first.content.decode() and "state=submitted" in first.content.decode()
    second = client.get(url, {"state": "submitted", "sort": "submitted_at", "page": 2})
    assert listed(second) == [r.pk for r in rows[PAGE_SIZE:]]
    assert listed(client.get(url, {"state": "submitted", "page": 99})) == listed(
        client.get(url, {"state": "submitted", "page": 2})
    )


@pytest.mark.parametrize("count", [1, 50])
def test_inbox_queries_do_not_grow_with_rows(client, staff, django_assert_num_queries, count):
    for n in range(count):
        make_row(occupations=(WELDER, COOK) if n % 2 else (WELDER,), county_id="440104")
    with django_assert_num_queries(INBOX_QUERIES):
        response = client.get(reverse("review_inbox:inbox"), {"occupation": "焊", "sort": "state"})
    assert len(listed(response)) == min(count, PAGE_SIZE)


# ---- export -----------------------------------------------------------------------------------


def _sheet(response):
    return load_workbook(io.BytesIO(response.getvalue())).active


def test_export_matches_the_filtered_rows(client, three_rows):
    welder, _cook, both = three_rows
    with time_machine.travel(datetime(2023, 5, 20, 15, 30, tzinfo=SH), tick=False):
        response = client.get(reverse("review_inbox:export"), {"county": "440106", "sort": "name"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    sheet = _sheet(response)
    title = sheet["A1"].value
    assert city_agency().name in title and "2023-05-20 15:30" in title
    assert [c.value for c in sheet[2]][:4] == ["序号", "受理编号", "机构名称", "统一社会信用代码"]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    expected = sorted([welder, both], key=lambda a: a.institution.name)
    assert len(rows) == len(expected)
    for number, (row, application) in enumerate(zip(rows, expected, strict=True), start=1):
        application.refresh_from_db()
        institution = application.institution
        names = application.occupations.order_by("occupation_id")
        occupations = "、".join(dict.fromkeys(line.occupation.name for line in names))
        assert row == (
            number,
            application.acknowledgement_no,
            institution.name,
            institution.uscc,
            institution.get_category_display(),
            "天河区",
            occupations,
            application.get_state_display(),
            "否",
            datetime(2023, 5, 10, 9, 0),  # Beijing time
        )


def test_export_has_chinese_file_name(client, staff):
    make_row()
    response = client.get(reverse("review_inbox:export"))
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''" + quote("受理清单") in disposition


def test_filter_selects_keep_the_chosen_values_and_rows_their_labels(client, three_rows):
    """Issue 12: the selects built in Python (inbox_tags) and the labels worked out once."""
    response = client.get(
        reverse("review_inbox:inbox"), {"state": "submitted", "county": "440106", "sort": "name"}
    )
    body = response.content.decode()
    assert '<select name="state" id="id_state" class="form-select form-select-sm">' in body
    assert '<option value="submitted" selected>已提交</option>' in body
    assert '<option value="440106" selected>天河区</option>' in body
    assert '<option value="name" selected>' in body and '<option value="" selected>' in body
    assert body.count('<option value="submitted" selected>') == 1
    assert '<span class="badge bg-secondary">已提交</span>' in body and "龙头企业" in body


def test_export_keeps_its_layout_when_streamed(client, three_rows):
    """Issue 12: the write-only export keeps the title merge, widths, frozen header, formats."""
    response = client.get(reverse("review_inbox:export"))
    assert response.streaming and response["Cache-Control"] == "private, no-store"
    sheet = _sheet(response)
    assert "A1:J1" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["A1"].font.name == "宋体" and sheet["A1"].font.bold and sheet["A1"].font.sz == 14
    assert sheet["A1"].alignment.horizontal == "center" and sheet["C2"].font.bold
    assert sheet.freeze_panes == "A3"
    assert [sheet.column_dimensions[c].width for c in "ACGJ"] == [6, 36, 40, 18]
    assert {sheet.cell(row=r, column=10).number_format for r in (3, 4, 5)} == {"yyyy-mm-dd hh:mm"}


@pytest.mark.parametrize("count", [1, 50])
def test_export_queries_do_not_grow_with_rows(client, staff, django_assert_num_queries, count):
    for n in range(count):
        make_row(occupations=(WELDER, COOK) if n % 2 else (COOK,))
    with django_assert_num_queries(EXPORT_QUERIES):
        response = client.get(reverse("review_inbox:export"), {"q": "广州"})
    assert len(list(_sheet(response).iter_rows(min_row=3))) == count


def test_export_row_values_are_pinned(client, staff):
    """Issue 12: the export reads tuples, not model instances; every column keeps its value:
    no receipt number or county gives "", occupations once each in code order, Beijing time."""
    row = make_row(
        name="番禺技能学院",
        uscc="91440113MA5XXXXX1X",
        category=Category.COLLEGE,
        county_id=None,
        occupations=(WELDER, COOK),
        needs_review=True,
        state=State.VERIFIED,
        submitted_at=datetime(2023, 5, 31, 23, 59, tzinfo=SH),
    )
    Application.objects.filter(pk=row.pk).update(acknowledgement_no=None)
    sheet = _sheet(client.get(reverse("review_inbox:export")))
    assert list(sheet.iter_rows(min_row=3, values_only=True)) == [
        (
            1,
            None,  # "" is written as an empty cell
            "番禺技能学院",
            "91440113MA5XXXXX1X",
            "院校",
            None,
            "中式烹调师、焊工",  # 4-03-02-01 before 6-18-02-04, each once for its two levels
            "初审通过",
            "是",
            datetime(2023, 5, 31, 23, 59),
        )
    ]


def test_export_numbers_and_names_rows_across_chunks(client, staff, monkeypatch):
    """Rows are read EXPORT_CHUNK at a time, each chunk's occupations in one query."""
    monkeypatch.setattr("evalorg.review.inbox.EXPORT_CHUNK", 2)
    for n in range(5):
        make_row(
            name=f"分块{n}",
            occupations=(COOK,) if n % 2 else (WELDER,),
            submitted_at=datetime(2023, 5, 10, 9, n, tzinfo=SH),
        )
    sheet = _sheet(client.get(reverse("review_inbox:export"), {"sort": "submitted_at"}))
    rows = [(r[0], r[2], r[6]) for r in sheet.iter_rows(min_row=3, values_only=True)]
    assert rows == [(n + 1, f"分块{n}", "中式烹调师" if n % 2 else "焊工") for n in range(5)]


def test_province_export_sorted_by_state_lists_its_rows(client):
    """The center's queryset carries the cities' results (annotations) and may sort by the
    state's lifecycle order: the export's tuples keep that order."""
    center = Agency.objects.get(kind=Agency.Kind.PROVINCE)
    late = make_row(agency=center, name="乙机构", state=State.PROVINCE_REVIEW)
    early = make_row(agency=center, name="甲机构", state=State.SUBMITTED)
    client.force_login(UserFactory(role=Role.PROVINCE_STAFF, agency=center))
    sheet = _sheet(client.get(reverse("review_inbox:export"), {"sort": "state"}))
    names = [r[2] for r in sheet.iter_rows(min_row=3, values_only=True)]
    assert names == [early.institution.name, late.institution.name]


# ---- staff case page ------------------------------------------------------------------------


def test_case_page_shows_the_whole_case_masked_and_audits_the_read(client):
    institution = InstitutionFactory(
        legal_rep_name="张三",
        legal_rep_id_number="440102199001011234",
        contact_phone="13812345678",
        address="广州市天河区测试路1号",
    )
    case = _submitted(build_application(institution))
    staff = CityStaffFactory()
    client.force_login(staff)
    response = client.get(reverse("applications:detail", args=[case.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    # Answers, with personal numbers masked.
    assert institution.name in body and "广州市天河区测试路1号" in body and "张三" in body
    assert "440102********1234" in body and "440102199001011234" not in body
    assert "138****5678" in body and "13812345678" not in body
    assert "龙头企业" in body and "天河区" in body
    # The welder's two occupation lines: one row, each level with its own status.
    assert body.count("<td>焊工</td>") == 1
    assert "五级/初级工（申请中）<br>四级/中级工（申请中）" in body
    # Eligibility with clause ids, USCC facts.
    for result in case.eligibility:
        assert f"[{result['clause']}]" in body
    assert "广州市" in body and "91" in body
    # Materials with preview and download through the checked view.
    material = case.materials.first()
    download = reverse("applications:material_download", args=[case.pk, material.pk])
    assert f'href="{download}"' in body and f'href="{download}?inline=1"' in body
    # History with Chinese labels; the view itself is audited.
    assert "提交申请" in body
    viewed = AuditEvent.objects.for_object(case).filter(action="case_viewed")
    assert viewed.count() == 1 and viewed.get().actor == staff
    assert "初审" in body and reverse("review_inbox:verify", args=[case.pk]) in body


def test_case_page_notes_answers_changed_after_submission(client, staff):
    case = _submitted()
    case.institution.address = "新地址"
    case.institution.save()
    body = client.get(reverse("applications:detail", args=[case.pk])).content.decode()
    assert "提交后已变更" in body and "新地址" in body


def test_staff_download_from_case_page_is_audited(client, staff):
    case = _submitted()
    material = case.materials.first()
    url = reverse("applications:material_download", args=[case.pk, material.pk])
    assert client.get(url, {"inline": "1"}).status_code == 200
    assert AuditEvent.objects.for_object(case).filter(action="material_viewed").exists()


def test_case_page_is_404_for_another_city(client):
    """Another city's staff neither read the case nor leave a read in its history (the other
    readers of the one case page: tests/applications/test_case_page.py)."""
    case = _submitted()
    client.force_login(CityStaffFactory(agency=city_agency("440300")))
    assert client.get(reverse("applications:detail", args=[case.pk])).status_code == 404
    assert client.get(reverse("review_inbox:case", args=[case.pk])).status_code == 404
    assert not AuditEvent.objects.for_object(case).filter(action="case_viewed").exists()


def test_case_page_actions_go_through_the_workflow(client, staff):
    case = _submitted()
    verify = client.post(reverse("review_inbox:action", args=[case.pk, "verify"]))
    assert verify["Location"] == reverse("review_inbox:verify", args=[case.pk])
    # The case page's own action URL sends verification to its checklist page too.
    verify = client.post(reverse("applications:action", args=[case.pk, "verify"]))
    assert verify["Location"] == reverse("review_inbox:verify", args=[case.pk])
    url = reverse("review_inbox:action", args=[case.pk, "send_to_province"])
    response = client.post(url, {"confirm": "yes"}, follow=True)
    assert "不能执行" in response.content.decode()
    case.refresh_from_db()
    assert case.state == State.SUBMITTED
    assert client.get(url).status_code == 405


def test_receiving_staff_open_the_declaration_evidence_and_others_do_not(client):
    from evalorg.core.models import AuditEvent
    from evalorg.institutions.models import ExclusionDeclaration
    from tests.applications.conftest import stored_pdf
    from tests.factories import ApplicantFactory, CityStaffFactory, city_agency

    from .conftest import submitted

    case = submitted()
    declaration = ExclusionDeclaration.objects.filter(institution=case.institution).first()
    declaration.evidence = stored_pdf("年审结论.pdf")
    declaration.save()
    url = reverse("review_inbox:declaration_evidence", args=[case.pk, declaration.pk])
    for outsider in (
        CityStaffFactory(agency=city_agency("440300")),
        ApplicantFactory(),
        case.institution.memberships.first().user,  # the applicant uses its own profile page
    ):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    client.force_login(CityStaffFactory())
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="declaration_evidence_viewed").exists()


def test_user_text_is_never_a_live_formula_in_the_exports(client):
    """Issue 11: a name like =HYPERLINK(...) must stay text in the inbox XLSX and the summary."""
    from evalorg.documents.xlsx import safe

    from .conftest import submitted

    hostile = '=HYPERLINK("http://evil.example","点我")'
    case = submitted()
    case.institution.name = hostile
    case.institution.save()
    client.force_login(CityStaffFactory())
    with time_machine.travel(datetime(2023, 5, 20, 15, 30, tzinfo=SH), tick=False):
        sheet = _sheet(client.get(reverse("review_inbox:export")))
    names = [row[2] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert names == ["'" + hostile]
    assert [c.data_type for c in sheet[3]][2] == "s"
    assert safe("-1+2") == "'-1+2" and safe(12) == 12 and safe("广州") == "广州"


def test_the_round_filter_keeps_one_rounds_cases(client, three_rows):
    reference = Round.objects.get(code="gd-2023")
    later = reference.copy(code="gd-2024", name="广东省2024年遴选", year=2024, shift_days=366)
    other = make_row(name="明年的机构")
    other.round = later
    other.save(update_fields=["round"])
    url = reverse("review_inbox:inbox")
    page = client.get(url).content.decode()
    assert "全部批次" in page and "广东省2024年遴选" in page
    assert set(listed(client.get(url, {"round": later.pk}))) == {other.pk}
    assert set(listed(client.get(url, {"round": reference.pk}))) == {r.pk for r in three_rows}
