"""Annual report pages (issue 25 item 7, N-5.2): the organization writes and submits its report
with the offered button; a refusal keeps what it typed; the agency's overview of who has
submitted costs the same queries for 1 and 12 organizations, filters, and exports CSV and XLSX
(streamed)."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from evalorg.annual.models import AnnualReport
from tests.applications.conftest import SH
from tests.factories import CityStaffFactory, city_agency
from tests.filing.conftest import registry_row

from .conftest import MEASURES, REPORTING, submitted

pytestmark = pytest.mark.django_db


def test_the_organization_writes_saves_and_submits(client, owner, organization):
    client.force_login(owner)
    with time_machine.travel(REPORTING, tick=False):
        years = client.get("/annual/").content.decode()
        assert "/annual/year/2024/" in years and "/annual/year/2023/" in years
        page = client.get("/annual/year/2024/").content.decode()
        assert 'data-action="submit_annual_report"' in page
        short = {"quality_measures": "太短", "examiners_on_staff": "5"}
        refused = client.post("/annual/year/2024/", short | {"action": "submit_annual_report"})
        assert refused.status_code == 400
        assert "不少于 20 个字" in refused.content.decode()
        assert "太短" in refused.content.decode()  # what was typed is kept
        assert not AnnualReport.objects.exists()  # nothing stored by a refused submission
        saved = client.post("/annual/year/2024/", short | {"action": "save"})
        report = AnnualReport.objects.get()
        assert saved["Location"] == f"/annual/{report.pk}/"
        assert report.status == "draft" and report.examiners_on_staff == 5
        done = client.post(
            "/annual/year/2024/",
            {
                "quality_measures": MEASURES,
                "examiners_on_staff": "6",
                "action": "submit_annual_report",
            },
        )
    assert done.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.examiners_on_staff) == ("submitted", 6)
    assert "submit_annual_report" not in client.get(f"/annual/{report.pk}/").content.decode()


def test_a_year_not_filed_is_not_found(client, owner):
    client.force_login(owner)
    with time_machine.travel(REPORTING, tick=False):
        assert client.get("/annual/year/2022/").status_code == 404
        assert client.get("/annual/year/2025/").status_code == 404


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_overview_is_constant_filtered_and_exported(client, city, owner, organization):
    client.force_login(city)
    url = "/annual/agency/?year=2024"
    with time_machine.travel(REPORTING, tick=False):
        one = _queries(client, url)
        others = [registry_row(number=n).application.institution for n in range(2, 13)]
        assert _queries(client, url) == one
    submitted(owner, organization)
    with time_machine.travel(REPORTING, tick=False):
        missing = client.get(url + "&status=missing").content.decode()
        done = client.get(url + "&status=submitted").content.decode()
        shenzhen = CityStaffFactory(agency=city_agency("440300"))
        client.force_login(shenzhen)
        elsewhere = client.get(url).content.decode()
        client.force_login(city)
        home = client.get("/").content.decode()
        csv = b"".join(client.get("/annual/agency/export.csv?year=2024").streaming_content)
        xlsx = client.get("/annual/agency/export.xlsx?year=2024&status=submitted")
    assert organization.name in done and organization.name not in missing
    assert all(o.name in missing for o in others)
    assert organization.name not in elsewhere
    assert "应报送 12 家，已提交 1 家" in home
    text = csv.decode("utf-8-sig")
    assert f"2024,{organization.name},{organization.uscc}" in text
    assert "已提交" in text and text.count("未填报") == 11
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == [organization.name]


def test_an_organization_filed_after_the_year_owes_nothing(client, city):
    client.force_login(city)
    later = registry_row(number=20, issued_on=datetime(2024, 2, 1, tzinfo=SH).date())
    with time_machine.travel(REPORTING, tick=False):
        assert (
            later.application.institution.name
            not in client.get("/annual/agency/?year=2023").content.decode()
        )
        assert (
            later.application.institution.name
            in client.get("/annual/agency/?year=2024").content.decode()
        )
