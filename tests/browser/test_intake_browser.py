"""Headless Chromium: a new institution signs up, fills the wizard, meets a live refusal,
fixes it, uploads its materials, submits and downloads the application PDF (issue #3)."""

import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import Page, expect

from evalorg.applications.models import Application, State
from tests.factories import MINIMAL_PDF, make_uscc

pytestmark = pytest.mark.django_db(transaction=True)
PDF = MINIMAL_PDF
USCC = make_uscc(division="440106", serial=4242)


def _sign_up(page: Page, base: str) -> None:
    page.goto(f"{base}/institution/signup/")
    for field, value in {
        "username": "newcomer",
        "full_name": "赵经办",
        "email": "newcomer@example.cn",
        "phone": "13800138000",
        "password1": "Guangdong-2026-ok",
        "password2": "Guangdong-2026-ok",
        "name": "广州新星焊接技术有限公司",
        "uscc": USCC,
        "address": "广州市天河区黄埔大道 1 号",
        "legal_rep_name": "赵某",
        "legal_rep_id_number": "440106199001011235",
        "contact_name": "赵经办",
        "contact_phone": "13800138000",
        "contact_email": "newcomer@example.cn",
    }.items():
        page.fill(f"[name={field}]", value)
    page.select_option("[name=category]", "leading_enterprise")
    page.select_option("[name=level]", "municipal")
    with page.expect_response(re.compile(r"/signup/counties/")):
        page.select_option("[name=city]", "440100")
    page.select_option("[name=county]", "440106")
    page.click("main button[type=submit]")
    expect(page.locator("[data-testid=signup-sent]")).to_be_visible()
    # The account is activated from the e-mailed link (no username/USCC oracle, issue 11).
    link = re.search(r"https?://[^/]+(/institution/signup/activate/\S+)", mail.outbox[-1].body)
    page.goto(f"{base}{link.group(1)}")
    page.click("[data-testid=activate]")
    page.wait_for_load_state()
    expect(page.locator(".alert-success")).to_contain_text("注册成功")


def _declare(page: Page, base: str) -> None:
    page.goto(f"{base}/institution/declarations/")
    for item in ["violation", "annual_inspection", "illegal_organization", "abnormal_operation"]:
        page.check(f"[name={item}_applies][value='0']")
    page.click("main button[type=submit]")
    expect(page.locator(".alert-success")).to_be_visible()


def _live_city_check(page: Page) -> None:
    panel = page.locator("#eligibility-panel")
    with page.expect_response(re.compile(r"/eligibility/live/")):
        page.select_option("[name=city]", "440300")  # differs from the USCC's 广州
    expect(panel).to_contain_text("实时")
    expect(panel.locator("[data-outcome=needs_review]").first).to_be_visible()
    with page.expect_response(re.compile(r"/eligibility/live/")):
        page.select_option("[name=city]", "440100")


def _choose_occupations(page: Page) -> None:
    expect(page.locator("[data-testid=eligibility]")).to_contain_text("尚未申报职业")
    with page.expect_response(re.compile(r"/occupations/search/")):
        page.fill("[data-testid=occupation-search]", "保安员")
    refusal = page.locator("[data-code='4-07-05-01'] [data-testid=excluded-reason]")
    expect(refusal).to_contain_text("准入类")
    with page.expect_response(re.compile(r"/occupations/search/")):
        page.fill("[data-testid=occupation-search]", "6-18-02-04")
    row = page.locator("[data-code='6-18-02-04']")
    row.locator("input[name=levels][value='5']").check()
    row.locator("input[name=levels][value='4']").check()
    row.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=occupation-lines]")).to_contain_text("焊工")
    expect(page.locator("[data-testid=eligibility]")).not_to_contain_text("尚未申报职业")


def _upload_materials(page: Page, tmp_path) -> None:
    exe = tmp_path / "申请表.pdf"
    exe.write_bytes(b"MZ" + b"\x00" * 300)
    good = tmp_path / "材料.pdf"
    good.write_bytes(PDF)
    first = page.locator("tr[data-item=application_form]")
    first.locator("input[type=file]").set_input_files(str(exe))
    first.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=upload-error]")).to_contain_text("申请表.pdf")
    rows = page.locator("tr[data-item]")
    for index in range(rows.count()):
        row = page.locator("tr[data-item]").nth(index)
        row.locator("input[type=file]").set_input_files(str(good))
        row.locator("button[type=submit]").click()
        expect(page.locator(".alert-success")).to_be_visible()


def test_new_applicant_signs_up_applies_and_downloads_pdf(live_server, page: Page, tmp_path):
    call_command("load_reference_data", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())
    base = live_server.url
    _sign_up(page, base)
    _declare(page, base)
    page.goto(f"{base}/applications/")
    page.click("[data-testid=new-application]")
    _live_city_check(page)
    page.click("button[name=next]")
    _choose_occupations(page)
    page.click("text=下一步：申请材料")
    _upload_materials(page, tmp_path)
    page.click("text=下一步：确认提交")
    expect(page.locator("[data-testid=receiving-agency]")).to_contain_text("广州市")
    page.check("input[type=checkbox][name=confirm]")
    page.click("[data-testid=submit]")
    expect(page.locator("[data-testid=state]")).to_contain_text("已提交")
    ack = page.locator("[data-testid=ack]").inner_text()
    assert re.fullmatch(r"\d{4}-4401-\d{4}", ack)
    page.screenshot(path="var/screenshot-submitted.png", full_page=True)
    with page.expect_download() as download_info:
        page.click("[data-testid=pdf]")
    pdf_path = download_info.value.path()
    assert pdf_path.read_bytes()[:5] == b"%PDF-"
    application = Application.objects.get(acknowledgement_no=ack)
    assert application.state == State.SUBMITTED
    assert application.materials.filter(is_current=True).count() == 9
