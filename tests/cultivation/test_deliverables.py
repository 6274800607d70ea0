"""Question-bank deliverables per occupation line (issue 9, N-4.2): uploads checked at once,
problems shown with their rows, ``submit_bank`` refused until complete and before the period's
end, province staff decide; everyone else is refused."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evalorg.applications.models import ApplicationOccupation
from evalorg.applications.workflow import TransitionRefused, perform
from evalorg.core.models import AuditEvent
from evalorg.cultivation.banks.layout import SPEC_COLUMNS, THEORY_COLUMNS
from evalorg.cultivation.banks.samples import make_bank
from evalorg.cultivation.banks.samples import xlsx as _xlsx
from evalorg.cultivation.commitment import sign
from evalorg.cultivation.models import Deliverable
from tests.applications.conftest import SH, applicant_of
from tests.cultivation.conftest import LAST, cultivating, reviewed
from tests.factories import MINIMAL_PDF, ApplicantFactory, CityStaffFactory, city_agency
from tests.filing.conftest import province_staff

pytestmark = pytest.mark.django_db
IN_PERIOD = datetime(2025, 5, 6, 10, 0, tzinfo=SH)
PDF = MINIMAL_PDF
Line = ApplicationOccupation.Status


@pytest.fixture
def in_period():
    with time_machine.travel(IN_PERIOD, tick=False) as traveller:
        yield traveller


@pytest.fixture(scope="module")
def bank():
    return make_bank()


def _signed_line():
    case = cultivating()
    sign(case, applicant_of(case), "张三", None)
    return case.occupations.first()


def _upload(client, line, kind, name, data):
    url = reverse("cultivation:line", args=[line.pk])
    return client.post(url, {"kind": kind, "file": SimpleUploadedFile(name, data)})


def _spec(bank) -> bytes:
    return _xlsx("鉴定要素细目表", SPEC_COLUMNS, bank.spec)


def _theory(bank, broken_index: int | None = None) -> bytes:
    items = [list(r) for r in bank.items]
    if broken_index is not None:
        items[broken_index][8] = "Z"  # a 单选 item answered with no option
    return _xlsx("理论知识试题", THEORY_COLUMNS, items)


def _upload_all(client, line, bank, *, broken_index=None):
    assert _upload(client, line, "specification", "细目表.xlsx", _spec(bank)).status_code == 302
    theory = _theory(bank, broken_index)
    assert _upload(client, line, "theory", "理论.xlsx", theory).status_code == 302
    for kind in ("skill", "paper_plan", "marking"):
        data = bank.workbooks()[kind]
        assert _upload(client, line, kind, f"{kind}.xlsx", data).status_code == 302


def _submit(client, line):
    data = {"action": "submit", "confirm": "yes"}
    return client.post(reverse("cultivation:line", args=[line.pk]), data)


def test_a_failing_theory_bank_shows_its_rows_and_blocks_submission_until_fixed(
    client, in_period, bank
):
    line = _signed_line()
    client.force_login(applicant_of(line.application))
    page = client.get(reverse("cultivation:line", args=[line.pk]))
    assert page.status_code == 200
    template = client.get(reverse("cultivation:line_template", args=[line.pk, "theory"]))
    assert template.status_code == 200 and template.content.startswith(b"PK")

    _upload_all(client, line, bank, broken_index=5)  # row 7 (header is row 1)
    theory = Deliverable.objects.get(line=line, kind="theory", is_current=True)
    assert not theory.passed
    assert any(p["row"] == 7 and p["severity"] == "error" for p in theory.report)
    page = client.get(reverse("cultivation:line", args=[line.pk])).content.decode()
    assert "第 7 行" in page and "检查未通过" in page

    response = _submit(client, line)
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.status == Line.CULTIVATING
    with pytest.raises(TransitionRefused, match="理论知识试题"):
        perform(line, "submit_bank", applicant_of(line.application))

    assert _upload(client, line, "theory", "理论.xlsx", _theory(bank)).status_code == 302
    assert Deliverable.objects.filter(line=line, kind="theory").count() == 2
    current = Deliverable.objects.get(line=line, kind="theory", is_current=True)
    assert current.passed, current.report
    _submit(client, line)
    line.refresh_from_db()
    assert line.status == Line.BANK_SUBMITTED
    assert AuditEvent.objects.for_object(line).filter(action="deliverable_uploaded").count() == 6


def test_missing_deliverables_refuse_submission(client, in_period):
    line = _signed_line()
    with pytest.raises(TransitionRefused) as refused:
        perform(line, "submit_bank", applicant_of(line.application))
    assert len(refused.value.refusals) == 5
    assert {r.clause for r in refused.value.refusals} == {"N-4.2"}


def _ready_line(bank):
    with time_machine.travel(IN_PERIOD, tick=False):
        from django.test import Client

        line = _signed_line()
        client = Client()
        client.force_login(applicant_of(line.application))
        _upload_all(client, line, bank)
    return line


def test_the_last_second_of_the_last_day_counts_the_next_is_refused(bank):
    late = _ready_line(bank)
    on_time = _ready_line(bank)
    last_second = datetime(LAST.year, LAST.month, LAST.day, 23, 59, 59, tzinfo=SH)
    with time_machine.travel(last_second, tick=False):
        perform(on_time, "submit_bank", applicant_of(on_time.application))
    on_time.refresh_from_db()
    assert on_time.status == Line.BANK_SUBMITTED
    next_day = datetime(2025, 8, 30, 0, 0, 0, tzinfo=SH)
    with (
        time_machine.travel(next_day, tick=False),
        pytest.raises(TransitionRefused, match="届满"),
    ):
        perform(late, "submit_bank", applicant_of(late.application))
    late.refresh_from_db()
    assert late.status == Line.CULTIVATING


def _submitted_line(bank):
    line = _ready_line(bank)
    with time_machine.travel(IN_PERIOD, tick=False):
        perform(line, "submit_bank", applicant_of(line.application))
    line.refresh_from_db()
    return line


def test_province_staff_pass_and_fail_with_the_experts_comments(client, in_period, bank):
    line = _submitted_line(bank)
    staff = province_staff()
    client.force_login(staff)
    url = reverse("cultivation:line_review", args=[line.pk])
    page = client.get(url).content.decode()
    assert "检查通过" in page
    row = Deliverable.objects.get(line=line, kind="theory", is_current=True)
    download = client.get(reverse("cultivation:deliverable", args=[line.pk, row.pk]))
    assert download.status_code == 200
    # Refused with the form before the question is asked (issue 18 item 4)...
    response = client.post(url, {"action": "fail", "reason": ""})
    assert response.status_code == 200 and "理由" in response.content.decode()
    assert "confirm-page" not in response.content.decode()
    line.refresh_from_db()
    assert line.status == Line.BANK_SUBMITTED
    # ...as is a decision before the experts' sheets (issue 20 item 4)...
    early = client.post(url, {"action": "pass", "reason": "题库合格"}).content.decode()
    assert "至少 2 份评审意见" in early and "N-4.2" in early and "confirm-page" not in early
    reviewed(line)
    # ...a valid decision is asked on the server's confirm page, and done once confirmed.
    asked = client.post(url, {"action": "pass", "reason": "题库合格"})
    assert asked.status_code == 409 and "确定题库审核通过吗" in asked.content.decode()
    line.refresh_from_db()
    assert line.status == Line.BANK_SUBMITTED
    data = {"action": "pass", "reason": "题库合格", "confirm": "yes"}
    assert client.post(url, data).status_code == 302
    line.refresh_from_db()
    assert line.status == Line.BANK_PASSED

    other = _submitted_line(bank)
    reviewed(other)
    url = reverse("cultivation:line_review", args=[other.pk])
    data = {"action": "fail", "reason": "多选题不足", "confirm": "yes"}
    assert client.post(url, data).status_code == 302
    other.refresh_from_db()
    assert other.status == Line.BANK_FAILED


def test_the_case_page_links_the_line_pages(client, in_period):
    line = _signed_line()
    client.force_login(applicant_of(line.application))
    page = client.get(reverse("applications:detail", args=[line.application.pk]))
    assert reverse("cultivation:line", args=[line.pk]) in page.content.decode()


def test_outsiders_and_the_applicant_itself_cannot_decide(client, in_period, bank):
    line = _submitted_line(bank)
    row = Deliverable.objects.filter(line=line).first()
    urls = [
        reverse("cultivation:line", args=[line.pk]),
        reverse("cultivation:line_template", args=[line.pk, "specification"]),
        reverse("cultivation:deliverable", args=[line.pk, row.pk]),
        reverse("cultivation:line_review", args=[line.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # anonymous: to the login page
    for user in (ApplicantFactory(), CityStaffFactory(agency=city_agency("440300"))):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user.role, url)
            assert client.post(url, {"action": "pass"}).status_code == 404
    applicant = applicant_of(line.application)
    client.force_login(applicant)
    review = reverse("cultivation:line_review", args=[line.pk])
    assert client.post(review, {"action": "pass"}).status_code == 404
    with pytest.raises(TransitionRefused):
        perform(line, "pass_bank", applicant)
    line.refresh_from_db()
    assert line.status == Line.BANK_SUBMITTED


def test_nothing_opens_before_the_letter_is_signed(client, in_period):
    case = cultivating()
    line = case.occupations.first()
    client.force_login(applicant_of(case))
    assert client.get(reverse("cultivation:line", args=[line.pk])).status_code == 403
