"""Reports (issue 13): exact figures on a small known data set, the XLSX, constant queries,
and access (department and center only)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from evalorg.accounts.models import Agency, Role
from evalorg.applications.models import Application
from evalorg.cultivation.models import CultivationPeriod
from evalorg.reports import figures
from evalorg.review.models import ReviewStage, Stage
from evalorg.rounds.models import Round
from tests.applications.conftest import SH, build_application
from tests.factories import ApplicantFactory, InstitutionFactory, UserFactory, city_agency
from tests.filing.conftest import registry_row

pytestmark = pytest.mark.django_db

SUBMITTED = datetime(2023, 5, 10, 10, 0, tzinfo=SH)


def case(
    city: str = "440100",
    *,
    state: str,
    days_to_stage: int | None = None,
    recommended: bool | None = None,
    decided_after: int | None = None,
    selection: bool | str | None = "none",
    occupations=(("6-18-02-04", [5, 4]),),
    category: str = "leading_enterprise",
) -> Application:
    county = {"440100": "440106", "440300": "440304"}[city]
    institution = InstitutionFactory(city_id=city, county_id=county, category=category)
    application = build_application(institution, occupations=occupations, with_materials=False)
    Application.objects.filter(pk=application.pk).update(
        state=state, submitted_at=SUBMITTED, receiving_agency=city_agency(city)
    )
    if days_to_stage is not None:
        ReviewStage.objects.create(
            application=application,
            stage=Stage.CITY_ASSESSMENT,
            agency=city_agency(city),
            opened_at=SUBMITTED + timedelta(days=days_to_stage),
            recommended=recommended,
            decided_at=SUBMITTED + timedelta(days=decided_after) if decided_after else None,
        )
    if selection != "none":
        ReviewStage.objects.create(
            application=application,
            stage=Stage.PROVINCE_SELECTION,
            agency=Agency.objects.get(kind="province"),
            opened_at=SUBMITTED + timedelta(days=30),
            recommended=selection,
            decided_at=SUBMITTED + timedelta(days=40) if selection is not None else None,
        )
    return application


@pytest.fixture
def known():
    """广州: A recommended then selected (stage after 2 days, decided after 10), B not
    recommended (4 / 12 days), C still at verification; 深圳: D recommended, selection not yet
    decided (6 / 8 days), and a draft that never counts."""
    a = case(
        state="selected",
        days_to_stage=2,
        recommended=True,
        decided_after=10,
        selection=True,
        occupations=(("6-18-02-04", [5, 4]), ("4-04-05-01", [4])),
    )
    case(state="not_recommended", days_to_stage=4, recommended=False, decided_after=12)
    case(state="submitted")
    case(
        "440300",
        state="province_review",
        days_to_stage=6,
        recommended=True,
        decided_after=8,
        selection=None,
        category="college",
    )
    build_application(occupations=(("4-04-05-01", [5]),))  # a draft
    CultivationPeriod.objects.create(
        application=a, starts_on=date(2023, 7, 9), last_day=date(2024, 1, 4)
    )
    return a


def test_figures_on_a_known_data_set(known):
    report = figures.build(Round.objects.get(code="gd-2023"))
    assert report.cities == ["广州市", "深圳市"]
    states = [value for value, _label in report.states]
    assert states == ["submitted", "not_recommended", "province_review", "selected"]
    assert [(r["city"], r["counts"], r["total"]) for r in report.by_city_state] == [
        ("广州市", [1, 1, 0, 1], 3),
        ("深圳市", [0, 0, 1, 0], 1),
    ]
    assert [
        (r["city"], r["stage"], r["opened"], r["decided"], r["recommended"])
        for r in report.by_stage
    ] == [
        ("广州市", "city_assessment", 2, 2, 1),
        ("广州市", "province_selection", 1, 1, 1),
        ("深圳市", "city_assessment", 1, 1, 1),
        ("深圳市", "province_selection", 1, 0, 0),
    ]
    rates = {r["city"]: r for r in report.rates}
    assert rates["广州市"]["recommendation_rate"] == 50.0
    assert rates["广州市"]["selection_rate"] == 100.0
    assert rates["深圳市"]["recommendation_rate"] == 100.0
    assert rates["深圳市"]["selection_rate"] is None
    assert rates["全省"]["recommendation_rate"] == 66.7
    assert (rates["全省"]["selected"], rates["全省"]["selection_decided"]) == (1, 1)
    durations = {d["milestone"]: (d["cases"], d["median_days"]) for d in report.durations}
    assert durations == {
        "初审评估开始": (3, 4.0),
        "推荐决定": (3, 10.0),
        "省级遴选评审开始": (2, 30.0),
        "省级评审决定": (1, 40.0),
        "进入培育辅导": (1, 60.0),
        "备案": (0, None),
    }
    assert [(o["code"], o["applications"], o["lines"]) for o in report.occupations] == [
        ("6-18-02-04", 4, 8),
        ("4-04-05-01", 1, 1),
    ]


def test_filed_organizations_by_city_and_category(db):
    registry_row(number=1)
    registry_row(number=2)
    registry_row(InstitutionFactory(category="college"), number=3)
    report = figures.build(None)
    # Ordered by city, then by the category's identifier (college < leading_enterprise).
    assert [(f["city"], f["category"], f["organizations"]) for f in report.filed] == [
        ("广州市", "院校", 1),
        ("广州市", "龙头企业", 2),
    ]
    assert {d["milestone"]: d["cases"] for d in report.durations}["备案"] == 0  # not submitted


def test_across_rounds(known):
    reference = Round.objects.get(code="gd-2023")
    later = reference.copy(code="gd-2024", name="2024年遴选", year=2024, shift_days=366)
    other = build_application(round_code="gd-2024")
    Application.objects.filter(pk=other.pk).update(state="submitted", submitted_at=SUBMITTED)
    rows = figures.across_rounds()
    assert [
        (r["code"], r["submitted"], r["recommended"], r["selected"], r["filed"]) for r in rows
    ] == [("gd-2023", 4, 2, 1, 0), ("gd-2024", 1, 0, 0, 0)]
    only_later = figures.build(later)
    assert [(r["city"], r["total"]) for r in only_later.by_city_state] == [("广州市", 1)]


def department():
    return UserFactory(role=Role.DEPARTMENT, agency=Agency.objects.get(kind="department"))


def center():
    return UserFactory(role=Role.PROVINCE_STAFF, agency=Agency.objects.get(kind="province"))


def test_page_and_xlsx_for_the_department_and_center(client, known):
    for user in (department(), center()):
        client.force_login(user)
        page = client.get(reverse("reports:index"), {"round": "gd-2023"})
        assert page.status_code == 200
        body = page.content.decode()
        assert 'id="report-charts"' in body and "vendor/chart.js/chart.umd.min.js" in body
        assert "66.7%" in body
        assert " style=" not in body.split("<main")[1] and "<script>" not in body
    export = client.get(reverse("reports:xlsx"), {"round": "gd-2023"})
    assert export.status_code == 200
    wb = load_workbook(BytesIO(export.content))
    assert wb.sheetnames[0] == "按地市和状态"
    rows = list(wb["按地市和状态"].iter_rows(values_only=True))
    assert rows[1] == ("广州市", 1, 1, 0, 1, 3)
    rates = list(wb["推荐率与入选率"].iter_rows(values_only=True))
    assert rates[-1][0] == "全省" and rates[-1][3] == 66.7


def test_xlsx_never_writes_user_text_as_a_formula(client, db):
    institution = InstitutionFactory(category="college")
    registry_row(institution, number=1)
    from evalorg.catalog.models import Division

    Division.objects.filter(code="440100").update(name='=HYPERLINK("x")')
    client.force_login(department())
    wb = load_workbook(BytesIO(client.get(reverse("reports:xlsx")).content))
    cell = list(wb["已备案机构"].iter_rows(values_only=True))[1][0]
    assert cell == '\'=HYPERLINK("x")'


@pytest.mark.parametrize(
    "who",
    ["city staff", "applicant", "expert"],
)
def test_others_are_refused(client, known, who):
    user = {
        "city staff": lambda: UserFactory(role=Role.CITY_STAFF, agency=city_agency("440100")),
        "applicant": ApplicantFactory,
        "expert": lambda: UserFactory(role="expert"),
    }[who]()
    client.force_login(user)
    assert client.get(reverse("reports:index")).status_code == 403
    assert client.get(reverse("reports:xlsx")).status_code == 403


def test_anonymous_is_sent_to_login(client):
    for name in ("reports:index", "reports:xlsx"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("reports:index")).status_code == 200
    return len(ctx)


def test_constant_queries_as_cases_grow(client):
    client.force_login(department())
    case(state="selected", days_to_stage=2, recommended=True, decided_after=10, selection=True)
    registry_row(number=1)
    small = _queries(client)
    for _ in range(3):
        case(state="not_recommended", days_to_stage=4, recommended=False, decided_after=12)
        case(
            "440300",
            state="province_review",
            days_to_stage=6,
            recommended=True,
            decided_after=8,
            selection=None,
        )
    registry_row(number=2)
    assert _queries(client) == small
