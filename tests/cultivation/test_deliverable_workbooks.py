"""Uploading the five workbooks of a line (issue 20, N-4.2, 附件6): a PDF is refused in place
of a workbook and accepted beside it; every kind is checked; a new specification table or
skill bank checks again what is checked against it; the templates carry the round's numbers."""

from __future__ import annotations

import io
import json
from datetime import datetime

import pytest
import time_machine
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse
from openpyxl import load_workbook

from evalorg.applications.workflow import TransitionRefused, perform
from evalorg.cultivation.banks.samples import make_bank
from evalorg.cultivation.models import Deliverable
from tests.applications.conftest import SH, applicant_of
from tests.cultivation.test_deliverables import _signed_line, _upload
from tests.factories import MINIMAL_PDF, UserFactory
from tests.filing.conftest import province_staff

pytestmark = pytest.mark.django_db
IN_PERIOD = datetime(2025, 5, 6, 10, 0, tzinfo=SH)
KINDS = ("specification", "theory", "skill", "marking", "paper_plan")


@pytest.fixture
def in_period():
    with time_machine.travel(IN_PERIOD, tick=False) as traveller:
        yield traveller


@pytest.fixture(scope="module")
def bank():
    return make_bank(skill_tasks=10)


def _current(line, kind: str) -> Deliverable:
    return Deliverable.objects.get(line=line, kind=kind, is_current=True)


def _applicant_client(client, line):
    client.force_login(applicant_of(line.application))
    return client


def _upload_all(client, line, workbooks: dict[str, bytes]) -> None:
    for kind in KINDS:
        assert _upload(client, line, kind, f"{kind}.xlsx", workbooks[kind]).status_code == 302


def test_a_pdf_cannot_replace_a_workbook_but_may_sit_beside_it(client, in_period, bank):
    line = _signed_line()
    _applicant_client(client, line)
    url = reverse("cultivation:line", args=[line.pk])
    refused = client.post(
        url, {"kind": "skill", "file": SimpleUploadedFile("技能.pdf", MINIMAL_PDF)}
    )
    assert refused.status_code == 200 and "XLSX" in refused.content.decode()
    assert not Deliverable.objects.filter(line=line).exists()

    _upload(client, line, "specification", "细目表.xlsx", bank.spec_xlsx())
    data = {
        "kind": "skill",
        "file": SimpleUploadedFile("技能.xlsx", bank.skill_xlsx()),
        "attachment": SimpleUploadedFile("技能（盖章）.pdf", MINIMAL_PDF),
    }
    assert client.post(url, data).status_code == 302
    skill = _current(line, "skill")
    assert skill.passed, skill.report
    assert (skill.file.kind, skill.attachment.kind) == ("xlsx", "pdf")
    scan = reverse("cultivation:deliverable_attachment", args=[line.pk, skill.pk])
    assert scan in client.get(url).content.decode()
    assert client.get(scan).status_code == 200
    client.force_login(province_staff())
    assert client.get(scan).status_code == 200
    spec = _current(line, "specification")
    no_scan = reverse("cultivation:deliverable_attachment", args=[line.pk, spec.pk])
    assert client.get(no_scan).status_code == 404


def test_every_kind_is_checked_and_a_failed_one_blocks_submission(client, in_period, bank):
    line = _signed_line()
    _applicant_client(client, line)
    broken = bank.copy()
    broken.marking[1][4] = 4  # task S001 one point short: told on its first item's row
    _upload_all(client, line, broken.workbooks())
    marking = _current(line, "marking")
    assert not marking.passed
    assert [(p["sheet"], p["row"]) for p in marking.report] == [("评分标准", 2)]
    page = client.get(reverse("cultivation:line", args=[line.pk])).content.decode()
    assert "评分标准 第 2 行" in page and "之和为 19" in page
    with pytest.raises(TransitionRefused, match="评分标准"):
        perform(line, "submit_bank", applicant_of(line.application))
    _upload(client, line, "marking", "marking.xlsx", bank.marking_xlsx())
    assert _current(line, "marking").passed
    perform(line, "submit_bank", applicant_of(line.application))


def test_an_untouched_template_set_fails_every_kind_naming_its_sheet(client, in_period):
    line = _signed_line()
    _applicant_client(client, line)
    for kind in KINDS:
        template = client.get(reverse("cultivation:line_template", args=[line.pk, kind]))
        assert template.status_code == 200
        _upload(client, line, kind, f"{kind}.xlsx", template.content)
    for kind in KINDS:
        row = _current(line, kind)
        assert not row.passed, kind
        assert any(p["row"] is None and p["sheet"] for p in row.report), (kind, row.report)


def test_a_new_specification_checks_the_banks_and_a_new_skill_bank_its_dependants(
    client, in_period, bank
):
    line = _signed_line()
    _applicant_client(client, line)
    _upload_all(client, line, bank.workbooks())
    assert all(_current(line, kind).passed for kind in KINDS)

    # The table without point A.A.001 (spec row 3): theory items and skill task S001 lose it.
    table = bank.copy()
    del table.spec[2]
    _upload(client, line, "specification", "细目表.xlsx", table.spec_xlsx())
    assert not _current(line, "theory").passed
    skill = _current(line, "skill")
    assert ("操作技能试题", 2) in {(p["sheet"], p["row"]) for p in skill.report}
    _upload(client, line, "specification", "细目表.xlsx", bank.spec_xlsx())
    assert _current(line, "theory").passed and _current(line, "skill").passed

    # A skill bank without task S010 (and so with 3 质量检验 tasks less one): the marking
    # scheme scores an unknown task, the plan's draw still fits.
    fewer = bank.copy()
    del fewer.skill[9]
    _upload(client, line, "skill", "skill.xlsx", fewer.skill_xlsx())
    marking = _current(line, "marking")
    assert any("S010" in p["message"] for p in marking.report) and not marking.passed
    assert not _current(line, "skill").passed  # 9 tasks
    assert _current(line, "paper_plan").passed


def test_templates_state_the_rounds_numbers(client, in_period):
    line = _signed_line()
    round_ = line.application.round
    round_.question_bank_requirements = {"min_skill_tasks_per_level": 12}
    round_.save(update_fields=["question_bank_requirements"])
    _applicant_client(client, line)
    response = client.get(reverse("cultivation:line_template", args=[line.pk, "skill"]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    notes = "\n".join(str(r[0]) for r in wb["填写说明"].iter_rows(values_only=True))
    assert "不少于 12 道" in notes
    page = client.get(reverse("cultivation:line", args=[line.pk])).content.decode()
    for kind in KINDS:
        assert reverse("cultivation:line_template", args=[line.pk, kind]) in page


# ---- the round's requirements in the admin (issue 20 item 5) -----------------------------------


def _requirements_errors(data) -> list[str]:
    from evalorg.rounds.admin import RoundForm

    form = RoundForm(data={"question_bank_requirements": json.dumps(data)})
    form.is_valid()
    return form.errors.get("question_bank_requirements", [])


@pytest.mark.parametrize(
    ("data", "refused"),
    [
        ({}, None),
        ({"core_min_percent": 75, "y_max_percent": 20}, None),
        ({"core_min_percent": 80, "y_max_percent": 15, "z_max_percent": 6}, "之和为 101%"),
        ({"core_min_percent": 79.9}, "之和为 99.9%"),
        ({"min_skill_tasks_per_level": 0}, "min_skill_tasks_per_level"),
        ({"min_items_per_point": 0}, "min_items_per_point"),
        ({"max_shared_percent": 101}, "不能超过 100"),
        ({"paper_plans": {"4": {"judge": [0, 40], "single": [0, 150]}}}, "容纳不了 200 道题"),
        ({"paper_plans": {"4": {"judge": [60, 40]}}}, "范围无效"),
        ({"min_items": 4}, "未知的设置"),
    ],
)
def test_the_admin_refuses_requirements_that_cannot_be_met(data, refused):
    found = _requirements_errors(data)
    if refused is None:
        assert found == []
    else:
        assert any(refused in message for message in found), found


def test_a_change_in_the_admin_checks_the_open_lines_again(
    client, in_period, bank, django_capture_on_commit_callbacks
):
    from django.contrib.admin.sites import site

    from evalorg.rounds.admin import RoundAdmin
    from evalorg.rounds.models import Round

    line = _signed_line()
    _applicant_client(client, line)
    _upload_all(client, line, bank.workbooks())
    closed = _signed_line()
    assert all(_current(line, kind).passed for kind in KINDS)
    round_ = line.application.round
    round_.question_bank_requirements = {"min_skill_tasks_per_level": 11}

    class Changed:
        changed_data = ["question_bank_requirements"]

    request = RequestFactory().post("/")
    request.user = UserFactory(role="admin", is_staff=True, is_superuser=True)
    request._messages = CookieStorage(request)
    with django_capture_on_commit_callbacks(execute=True):
        RoundAdmin(Round, site).save_model(request, round_, Changed(), change=True)
    skill = _current(line, "skill")
    assert not skill.passed
    assert any("只有 10 道，至少 11 道" in p["message"] for p in skill.report)
    assert all(_current(line, kind).passed for kind in KINDS if kind != "skill")
    assert not Deliverable.objects.filter(line=closed).exists()
