"""Headless Chromium, issue 9 end to end: an institution in cultivation signs the commitment
letter, downloads the theory-bank template, uploads a theory bank that fails the checks (the
Chinese report names the row), fixes it and submits the line; the center passes it; the
center proposes an acceptance batch, the department approves it, the center issues the letters
and publishes the batch; the institution downloads its filing letter; an anonymous visitor finds
it in the registry and its CSV; another organization is eliminated by the sweep.

The earlier stages are set up with factories (the cases are already selected and cultivating)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from evalorg.applications.models import Application, ApplicationOccupation, State
from evalorg.core import clock
from evalorg.cultivation import bank_checks
from evalorg.cultivation.banks.samples import make_bank
from evalorg.cultivation.commitment import sign
from evalorg.cultivation.models import BankCheck, CultivationPeriod
from evalorg.filing.models import FilingLetter
from tests.applications.conftest import applicant_of
from tests.browser.login import login
from tests.cultivation.conftest import cultivating, reviewed
from tests.factories import MINIMAL_PDF, PASSWORD, InstitutionFactory
from tests.filing.conftest import department_staff, province_staff

pytestmark = pytest.mark.django_db(transaction=True)
PDF = MINIMAL_PDF  # parseable: the upload checks open every PDF
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _login(page: Page, base: str, username: str) -> None:
    login(page, base, username, PASSWORD)  # password, then the second factor for staff


def _upload(page: Page, kind: str, name: str, data: bytes, mime: str) -> None:
    form = page.locator("[data-testid=upload-form]")
    form.locator("select[name=kind]").select_option(kind)
    form.locator("input[name=file]").set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}]
    )
    form.locator("button[type=submit]").click()


def _started(days_ago: int) -> Application:
    return cultivating(
        InstitutionFactory(legal_rep_name="张 三"),
        starts_on=clock.today() - timedelta(days=days_ago),
    )


def test_from_commitment_to_registry_and_elimination(live_server, page: Page):
    base = live_server.url
    case = _started(60)
    other = _started(60)
    applicant = applicant_of(case)
    line = case.occupations.get(level=5)  # the sample bank is a level-5 bank
    bank = make_bank()
    broken = bank.copy()
    broken.items[5][8] = "Z"  # a 单选 answered with no option, on row 7

    # The institution signs the commitment letter (附件5) from its case page.
    _login(page, base, applicant.username)
    page.goto(f"{base}/applications/{case.pk}/")
    page.click("[data-testid=sign-link]")
    page.fill("#id_signed_name", "张三")
    page.check("#id_agree")
    page.locator("[data-testid=sign-form] button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("承诺书已签署")
    expect(page.locator("[data-testid=commitment-status]")).to_contain_text("张三")

    # The line's page: the theory-bank template, then a bank that fails the checks.
    page.locator("[data-testid=line-links] a", has_text="五级").click()
    with page.expect_download() as download:
        page.click("[data-testid=template-theory]")
    assert download.value.suggested_filename == "理论知识试题模板.xlsx"
    with open(download.value.path(), "rb") as template:
        assert template.read(2) == b"PK"
    _upload(page, "specification", "鉴定要素细目表.xlsx", bank.spec_xlsx(), XLSX)
    expect(page.locator(".alert-success")).to_contain_text("已上传")
    _upload(page, "theory", "理论知识试题.xlsx", broken.theory_xlsx(), XLSX)
    expect(page.locator(".alert-warning")).to_contain_text("检查未通过")
    problems = page.locator("[data-testid=problems-theory]")
    expect(problems).to_contain_text("第 7 行")
    expect(problems).to_contain_text("不是已填写的选项")
    with page.expect_download() as annotated:  # the same report in the workbook (issue 20)
        page.click("[data-testid=annotated-theory]")
    assert annotated.value.suggested_filename == "理论知识试题-检查标注.xlsx"
    page.screenshot(path="var/screenshot-bank-report.png", full_page=True)

    # Fixed, the other deliverables added, the line is submitted for review.
    _upload(page, "theory", "理论知识试题.xlsx", bank.theory_xlsx(), XLSX)
    theory_row = page.locator("[data-testid=deliverable-theory]")
    expect(theory_row).to_contain_text("检查通过")
    for kind, name in (
        ("skill", "操作技能试题"),
        ("marking", "评分标准"),
        ("paper_plan", "组卷方案"),
    ):
        _upload(page, kind, f"{name}.xlsx", bank.workbooks()[kind], XLSX)
        expect(page.locator(f"[data-testid=deliverable-{kind}]")).to_contain_text("检查通过")
    page.locator("[data-testid=submit-form] button").click()
    expect(page.locator(".alert-success")).to_contain_text("题库已提交审核")

    # The center passes the line from two experts' sheets (their review: test_bank_review_browser).
    center = province_staff()
    reviewed(line, staff=center)
    _login(page, base, center.username)
    page.goto(f"{base}/cultivation/lines/{line.pk}/review/")
    page.fill("[data-testid=decision-form] #id_reason", "题库结构完整，专家评审通过。")
    page.click("[data-testid=decision-form] button[value=pass]")
    page.click("[data-testid=confirm-yes]")  # asked by the server once the reason is checked
    expect(page.locator(".alert-success")).to_contain_text("已记录审核结果")
    line.refresh_from_db()
    assert line.status == ApplicationOccupation.Status.BANK_PASSED

    # The center proposes an acceptance batch (成熟一批，公布一批).
    page.goto(f"{base}/filing/batches/?round={case.round_id}")
    page.check(f"[data-testid=batch-form] input[name=case][value='{case.pk}']")
    page.fill("[data-testid=batch-form] input[name=title]", "第一批验收")
    page.locator("[data-testid=batch-form] button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("第一批验收")
    batch_url = page.url

    # The department records the leadership's approval.
    _login(page, base, department_staff().username)
    page.goto(batch_url)
    approval = page.locator("[data-testid=batch-approval]")
    approval.locator("input[name=decided_on]").fill(clock.today().isoformat())
    approval.locator("input[name=meeting_ref]").fill("厅党组会议第12次")
    approval.locator("input[name=minutes]").set_input_files(
        files=[{"name": "纪要.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    approval.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=entries]")).to_contain_text("验收通过")

    # The center issues the batch's letters and publishes the batch.
    _login(page, base, center.username)
    page.goto(batch_url)
    page.click("text=签发本批备案函")
    letter = FilingLetter.objects.get(application=case)
    expect(page.locator("[data-testid=entries]")).to_contain_text(letter.number)
    page.click("text=公布验收批次")
    expect(page.locator("h1 .badge")).to_have_text("已公布")

    # The institution downloads its filing letter.
    _login(page, base, applicant.username)
    page.goto(f"{base}/applications/{case.pk}/")
    section = page.locator("[data-testid=filing-letter]")
    expect(section).to_contain_text(letter.number)
    with page.expect_download() as download:
        section.locator("text=下载备案函（PDF）").click()
    with open(download.value.path(), "rb") as pdf:
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read())).pages)
    assert case.institution.name in text and letter.number in text

    # Anyone, without logging in, finds the organization in the registry and its CSV.
    page.context.clear_cookies()
    page.goto(f"{base}/public/registry/")
    expect(page.locator("main")).to_contain_text(case.institution.name)
    expect(page.locator("main")).to_contain_text(letter.number)
    page.screenshot(path="var/screenshot-registry.png", full_page=True)
    csv = page.request.get(f"{base}/public/registry.csv")
    assert csv.ok and case.institution.name in csv.text() and letter.number in csv.text()
    assert other.institution.name not in csv.text()

    # The other organization passed nothing: the sweep eliminates it after its last day.
    last_day = CultivationPeriod.objects.get(application=other).last_day
    with time_machine.travel(clock.deadline_end(last_day) + timedelta(hours=1), tick=False):
        call_command("run_sweeps", stdout=io.StringIO())
    other.refresh_from_db()
    case.refresh_from_db()
    assert (other.state, case.state) == (State.ELIMINATED, State.FILED)
    _login(page, base, applicant_of(other).username)
    page.goto(f"{base}/messages/")
    expect(page.locator("main")).to_contain_text("自然淘汰")


def test_a_large_bank_shows_its_progress_until_the_report_arrives(
    live_server, page: Page, settings, monkeypatch
):
    """The background path in a real browser: the worker has not picked the check up yet
    (enqueueing is held back), the page shows 检查中 and polls; once the task has run, the
    page reloads itself (htmx, HX-Refresh) and shows the report."""
    settings.BANK_CHECK_ASYNC_ROWS = 300  # the 800-item sample bank counts as large
    monkeypatch.setattr(bank_checks, "enqueue", lambda check_id: None)
    base = live_server.url
    case = _started(60)
    sign(case, applicant_of(case), "张三", None)
    line = case.occupations.get(level=5)
    bank = make_bank()
    _login(page, base, applicant_of(case).username)
    page.goto(f"{base}/cultivation/lines/{line.pk}/")
    _upload(page, "specification", "鉴定要素细目表.xlsx", bank.spec_xlsx(), XLSX)
    _upload(page, "theory", "理论知识试题.xlsx", bank.theory_xlsx(), XLSX)
    expect(page.locator(".alert-info")).to_contain_text("后台检查")
    progress = page.locator("[data-testid=deliverable-theory] [data-testid=bank-check]")
    expect(progress).to_contain_text("检查中")
    page.screenshot(path="var/screenshot-bank-checking.png", full_page=True)

    check = BankCheck.objects.get(deliverable__line=line)
    assert bank_checks.run(check.pk) == "passed"
    expect(page.locator("[data-testid=deliverable-theory]")).to_contain_text(
        "检查通过", timeout=10_000
    )
    expect(page.locator("[data-testid=bank-check]")).to_have_count(0)
