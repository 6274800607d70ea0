"""The assembled A and B sample papers with the answer key, as DOCX and PDF, for the bank's
reviewers (issue 20 item 2); the skill paper from structured tasks when there are any."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document
from pypdf import PdfReader

from evalorg.core.models import AuditEvent
from evalorg.cultivation import sample_papers
from evalorg.cultivation.banks.samples import make_bank
from evalorg.cultivation.sample_papers import ScoringItem, SkillTask, skill_paper
from tests.applications.conftest import SH, applicant_of
from tests.cultivation.test_deliverables import _signed_line
from tests.filing.conftest import province_staff

pytestmark = pytest.mark.django_db
IN_PERIOD = datetime(2025, 5, 6, 10, 0, tzinfo=SH)


@pytest.fixture(scope="module")
def bank():
    return make_bank()


@pytest.fixture
def line(client, bank):
    with time_machine.travel(IN_PERIOD, tick=False):
        line = _signed_line()
        client.force_login(applicant_of(line.application))
        url = reverse("cultivation:line", args=[line.pk])
        for kind, data in (("specification", bank.spec_xlsx()), ("theory", bank.theory_xlsx())):
            file = SimpleUploadedFile(f"{kind}.xlsx", data)
            assert client.post(url, {"kind": kind, "file": file}).status_code == 302
        yield line


def _text(document) -> str:
    return "\n".join(p.text for p in document.paragraphs)


def _download(client, line, fmt: str):
    client.force_login(province_staff())
    return client.get(reverse("cultivation:sample_papers", args=[line.pk, fmt]))


def test_reviewers_download_papers_a_and_b_with_the_answers_as_docx(client, line):
    response = _download(client, line, "docx")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert "%E6%A0%B7%E5%8D%B7.docx" in response["Content-Disposition"]  # …-样卷.docx
    assert "/" not in response["Content-Disposition"].split("filename")[-1]
    text = _text(Document(io.BytesIO(response.content)))
    for heading in ("理论知识试卷（A 卷）", "A 卷答案", "理论知识试卷（B 卷）", "B 卷答案"):
        assert heading in text
    assert "一、判断题（共 50 题）" in text and "二、单选题（共 150 题）" in text
    assert "200. " in text and "201. " not in text  # 200 items a paper, numbered through
    assert "操作技能试卷及评分记录表" in text and "无法组出操作技能试卷" in text
    assert AuditEvent.objects.filter(action="sample_papers_downloaded").count() == 1


def test_the_papers_are_the_ones_the_check_drew(client, line):
    sample = sample_papers.build(line)
    assert sample.papers is not None and not sample.problems
    a, b = sample.papers
    summary = line.deliverables.get(kind="theory", is_current=True).report_meta["summary"]
    [drawn] = summary["papers"]
    assert drawn["A"] == {"判断": 50, "单选": 150, "多选": 0}
    shared = len({i.row for i in a.items} & {i.row for i in b.items})
    assert shared == drawn["shared"]


def test_reviewers_download_the_papers_as_pdf(client, line):
    response = _download(client, line, "pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "A 卷答案" in text and "B 卷答案" in text


def test_the_organization_cannot_download_the_answers(client, line):
    url = reverse("cultivation:sample_papers", args=[line.pk, "pdf"])
    assert client.get(url).status_code == 404  # the applicant of the line


def test_without_a_theory_bank_the_document_says_why(client):
    with time_machine.travel(IN_PERIOD, tick=False):
        line = _signed_line()
    response = _download(client, line, "docx")
    assert "上传并检查后才能组卷" in _text(Document(io.BytesIO(response.content)))


TASKS = [
    SkillTask(
        "B 焊接",
        "平板对接焊",
        "按图完成平板对接",
        60,
        40,
        (ScoringItem("焊缝成形", 25, "宽窄一致"), ScoringItem("安全文明", 15)),
    ),
    SkillTask("A 准备", "设备检查", "检查焊机", 30, 20, (ScoringItem("检查", 20),)),
]


def test_the_skill_paper_orders_tasks_by_module_and_adds_them_up():
    paper = skill_paper(TASKS)
    assert paper is not None
    assert [t.module for t in paper.tasks] == ["A 准备", "B 焊接"]
    assert (paper.minutes, paper.points) == (90, 60)
    assert skill_paper([]) is None


def test_a_structured_skill_bank_gives_the_skill_paper_with_its_marking_sheet(
    client, line, monkeypatch
):
    monkeypatch.setattr(sample_papers, "skill_tasks_for", lambda line: TASKS)
    document = Document(io.BytesIO(_download(client, line, "docx").content))
    text = _text(document)
    assert "试题 2：B 焊接 · 平板对接焊（60 分钟，40 分）" in text
    assert "无法组出操作技能试卷" not in text
    rows = [[c.text for c in row.cells] for row in document.tables[-1].rows]
    assert rows == [
        ["评分项", "配分", "评分标准"],
        ["焊缝成形", "25", "宽窄一致"],
        ["安全文明", "15", ""],
    ]
    pdf = _download(client, line, "pdf").content
    pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "平板对接焊" in pdf_text and "焊缝成形" in pdf_text


def _upload_skill(client, line, bank, kinds=("skill", "marking", "paper_plan")):
    client.force_login(applicant_of(line.application))
    url = reverse("cultivation:line", args=[line.pk])
    files = bank.workbooks()
    with time_machine.travel(IN_PERIOD, tick=False):
        for kind in kinds:
            file = SimpleUploadedFile(f"{kind}.xlsx", files[kind])
            assert client.post(url, {"kind": kind, "file": file}).status_code == 302


def test_the_skill_paper_is_drawn_from_the_uploaded_skill_bank_as_the_plan_says(client, line, bank):
    _upload_skill(client, line, bank)
    skill = sample_papers.build(line).skill
    assert skill is not None
    # the plan draws one task from each of the three modules, each with its 4 scoring items
    assert [t.module for t in skill.tasks] == sorted(["焊前准备", "焊接操作", "质量检验"])
    assert all(len(t.scoring) == 4 for t in skill.tasks)
    assert all(sum(i.points for i in t.scoring) == t.points == 20 for t in skill.tasks)
    assert sample_papers.build(line).skill == skill  # the same draw every time
    document = Document(io.BytesIO(_download(client, line, "docx").content))
    assert "无法组出操作技能试卷" not in _text(document)
    assert [c.text for c in document.tables[-1].rows[1].cells][:2] == ["评分项1", "5"]


def test_the_plan_decides_how_many_tasks_a_module_gives(client, line, bank):
    changed = bank.copy()
    changed.skill_plan = [[5, "焊接操作", 2]]
    _upload_skill(client, line, changed)
    skill = sample_papers.build(line).skill
    assert skill is not None
    assert [t.module for t in skill.tasks] == ["焊接操作", "焊接操作"]


def test_without_a_plan_one_task_a_module_and_without_marking_no_scoring_items(client, line, bank):
    _upload_skill(client, line, bank, kinds=("skill",))
    skill = sample_papers.build(line).skill
    assert skill is not None
    assert len(skill.tasks) == 3 and all(t.scoring == () for t in skill.tasks)


def test_tasks_of_another_level_are_not_drawn(client, line, bank):
    _upload_skill(client, line, make_bank(level=4), kinds=("skill",))
    assert sample_papers.build(line).skill is None
