"""Headless Chromium: a city agency verifies one case and returns another, the applicant
corrects and resubmits, three experts declare and score, staff rank, recommend and
download the recommendation summary (issue #4)."""

import io

import openpyxl
import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from evalorg.accounts.models import User
from evalorg.applications import workflow
from evalorg.applications.models import Application, State
from tests.applications.conftest import applicant_of, build_application
from tests.browser.login import login
from tests.factories import MINIMAL_PDF, PASSWORD, InstitutionFactory

pytestmark = pytest.mark.django_db(transaction=True)
DEMO_PASSWORD = "Demo-Pass-2026"
PDF = MINIMAL_PDF


def _login(page: Page, base: str, username: str, password: str = DEMO_PASSWORD) -> None:
    login(page, base, username, password)


def _verify(page: Page, base: str, case: Application) -> None:
    page.goto(f"{base}/review/inbox/")
    page.click(f"[data-testid=inbox-row][data-pk='{case.pk}'] a")
    page.click("[data-testid=open-verify]")
    for box in page.locator("tr[data-item] input[type=checkbox]").all():
        box.check()
    page.click("[data-action=verify]")
    # Checked by the server first, then asked on its confirm page (issue 18 item 4).
    page.click("[data-testid=confirm-yes]")
    expect(page.locator("[data-testid=state]")).to_contain_text("初审通过")


def _return(page: Page, base: str, case: Application) -> None:
    page.goto(f"{base}/review/inbox/{case.pk}/verify/")
    for box in page.locator("tr[data-item] input[type=checkbox]").all():
        box.check()
    row = page.locator("tr[data-item=credit]")
    row.locator("input[type=checkbox]").last.uncheck()
    row.locator("input[type=text]").fill("信用查询截图日期过旧，请重新查询")
    page.click("[data-action=return_for_correction]")
    page.click("[data-testid=confirm-yes]")
    expect(page.locator("[data-testid=state]")).to_contain_text("退回补正")


def _correct_and_resubmit(page: Page, base: str, case: Application, tmp_path) -> None:
    _login(page, base, applicant_of(case).username, PASSWORD)
    page.goto(f"{base}/applications/{case.pk}/")
    expect(page.locator("[data-testid=return-reasons]")).to_contain_text("信用查询截图日期过旧")
    page.goto(f"{base}/applications/{case.pk}/materials/")
    row = page.locator("tr[data-item=credit]")
    row.locator("form:has(button.text-danger) button").first.click()
    fresh = tmp_path / "信用查询（新）.pdf"
    fresh.write_bytes(PDF)
    row = page.locator("tr[data-item=credit]")
    row.locator("input[type=file]").set_input_files(str(fresh))
    row.locator("button[type=submit]:has-text('上传')").click()
    expect(page.locator("tr[data-item=credit]")).to_contain_text("信用查询（新）.pdf")
    page.goto(f"{base}/applications/{case.pk}/review/")
    page.check("input[type=checkbox][name=confirm]")
    page.click("[data-testid=submit]")
    expect(page.locator("[data-testid=state]")).to_contain_text("已提交")


def _build_panel(page: Page, base: str, case: Application, experts: list[User]) -> None:
    page.goto(f"{base}/review/panels/")
    for expert in experts:
        page.click(f"[data-testid=add-{expert.pk}]")
    page.locator(f"[data-testid=assign-{case.pk}] button[type=submit]").click()
    expect(page.locator("[data-testid=assignments]")).to_contain_text(case.institution.name)


def _score(page: Page, base: str, case: Application, expert: User, points: str) -> None:
    _login(page, base, expert.username)
    page.goto(f"{base}/expert/{case.pk}/conflict/")
    page.check("input[name=kind][value=none]")
    page.click("[data-testid=declare]")
    page.goto(f"{base}/expert/{case.pk}/scoresheet/")
    for field in page.locator("[data-testid=scoresheet] input[type=number]").all():
        field.fill(points)
    page.check("input[name=opinion][value=recommend]")
    page.click("[data-testid=submit]")
    page.click("[data-testid=confirm-yes]")  # asked by the server once the sheet is checked
    expect(page.locator("[data-testid=sheet-status]")).to_contain_text("已提交")


def _rank_recommend_download(page: Page, base: str, case: Application) -> bytes:
    page.goto(f"{base}/review/ranking/")
    page.click(f"[data-testid=complete-{case.pk}]")
    row = page.locator(f"tr[data-application='{case.pk}']")
    row.locator("select[name=decision]").select_option("recommend")
    row.locator("textarea[name=reason]").fill("产业代表性突出，评价能力较强")
    page.click(f"[data-testid=decide-{case.pk}]")
    page.click("[data-testid=confirm-yes]")  # asked by the server once the reason is checked
    expect(page.locator("[data-testid=recommended-count]")).to_have_text("1")
    with page.expect_download() as download:
        page.click("[data-testid=summary-xlsx]")
    return download.value.path().read_bytes()


def test_city_review_from_inbox_to_summary(live_server, page: Page, tmp_path, dialogs):
    call_command("load_reference_data", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())
    base = live_server.url
    first = Application.objects.get(institution__uscc="91440101MA5CXY0010")
    second = build_application(InstitutionFactory(), round_code=first.round.code)
    second = workflow.perform(second, "submit", applicant_of(second))
    experts = list(User.objects.filter(username__in=["expert1", "expert2", "expert3"]))

    _login(page, base, "gz_staff")
    _verify(page, base, first)
    _return(page, base, second)
    # Both asked on the server's confirm page, after the checklist was checked (no dialog).
    assert not any("确定初审通过吗" in d or "确定退回补正吗" in d for d in dialogs)
    _correct_and_resubmit(page, base, second, tmp_path)
    _login(page, base, "gz_staff")
    _build_panel(page, base, first, experts)
    for expert, points in zip(experts, ["8", "7", "9"], strict=True):
        _score(page, base, first, expert, points)
    _login(page, base, "gz_staff")
    content = _rank_recommend_download(page, base, first)
    page.screenshot(path="var/screenshot-ranking.png", full_page=True)

    cells = [
        c
        for row in openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)
        for c in row
        if c is not None
    ]
    assert first.institution.name in cells and 80 in [
        float(c) for c in cells if isinstance(c, int | float)
    ]
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == State.RECOMMENDED and second.state == State.SUBMITTED
    assert second.materials.filter(item_code="credit", is_current=False).exists()
