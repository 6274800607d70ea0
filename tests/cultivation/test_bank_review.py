"""Expert review of question banks (issue 20 item 4, N-4.2): the center assigns experts under
the panels' conflict rule, each assigned expert (and no other) reads the deliverables and
submits a sheet per deliverable, the center decides only from enough submitted sheets, and the
organization reads the comments per deliverable, with the occupation and level, never who
reviewed. A resubmitted line starts a new review round."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.urls import reverse

from evalorg.accounts.models import Role
from evalorg.applications.models import ApplicationOccupation
from evalorg.applications.workflow import TransitionRefused, perform
from evalorg.core.audit import Audience
from evalorg.core.models import AuditEvent
from evalorg.cultivation import bank_review
from evalorg.cultivation.commitment import sign
from evalorg.cultivation.models import BankDecision, BankReviewAssignment, Deliverable
from evalorg.notify.models import Message
from evalorg.review.models import ExpertProfile
from tests.applications.conftest import SH, applicant_of, stored_pdf
from tests.factories import ApplicantFactory, InstitutionFactory, UserFactory
from tests.filing.conftest import province_staff

from .conftest import FINDINGS, cultivating, ready_deliverables, reviewed

pytestmark = pytest.mark.django_db
Line = ApplicationOccupation.Status
Status = BankReviewAssignment.Status
IN_PERIOD = datetime(2025, 5, 6, 10, 0, tzinfo=SH)
LIST = reverse("cultivation:bank_reviews")


@pytest.fixture(autouse=True)
def in_period():
    with time_machine.travel(IN_PERIOD, tick=False) as traveller:
        yield traveller


def submitted_line(name: str = "广州焊接培训学校") -> ApplicationOccupation:
    """A line whose five deliverables are present and whose bank its organization submitted."""
    case = cultivating(InstitutionFactory(name=name, legal_rep_name="张 三"))
    sign(case, applicant_of(case), "张三", None)
    line = case.occupations.get(level=5)
    ready_deliverables(line)
    return perform(line, "submit_bank", applicant_of(case))


def expert(name: str = "李评审") -> object:
    return UserFactory(role=Role.EXPERT, full_name=name)


def _sheet_url(assignment: BankReviewAssignment) -> str:
    return reverse("cultivation:bank_review_sheet", args=[assignment.pk])


def _review_url(line: ApplicationOccupation) -> str:
    return reverse("cultivation:line_review", args=[line.pk])


# ---- assigning ---------------------------------------------------------------------------------


def test_the_center_assigns_an_expert_but_never_a_conflicted_one(client):
    line = submitted_line()
    center = province_staff()
    clean, same_employer = expert("王清白"), expert("赵同单位")
    ExpertProfile.objects.create(
        user=same_employer, employer_uscc=line.application.institution.uscc
    )
    client.force_login(center)
    page = client.get(_review_url(line)).content.decode()
    assert "赵同单位（存在回避情形）" in page and "王清白" in page
    assign = reverse("cultivation:line_assign", args=[line.pk])

    refused = client.post(assign, {"expert": same_employer.pk}).content.decode()
    assert "应当回避" in refused and "统一社会信用代码" in refused and "N-4.1.2" in refused
    assert not BankReviewAssignment.objects.filter(line=line).exists()
    with pytest.raises(TransitionRefused, match=r"N-4\.1\.2"):
        bank_review.assign(line, same_employer, center)

    assert client.post(assign, {"expert": clean.pk}).status_code == 302
    assignment = BankReviewAssignment.objects.get(line=line)
    assert assignment.expert == clean and assignment.status == Status.ASSIGNED
    event = AuditEvent.objects.for_object(line).get(action="bank_reviewer_assigned")
    assert event.audience == Audience.STAFF  # the applicant never learns who reviews
    told = Message.objects.get(recipient=clean)
    assert "广州焊接培训学校" in told.subject and "五级" in told.subject
    # Twice in one round: refused.
    with pytest.raises(TransitionRefused, match="已被指派"):
        bank_review.assign(line, clean, center)


def test_an_expert_who_is_an_account_of_the_institution_cannot_be_assigned():
    line = submitted_line()
    member = ApplicantFactory(institution=line.application.institution)
    reasons = bank_review.conflict_reasons(line, member)
    assert reasons  # the rule finds the account; the role check refuses it anyway
    contact = expert("钱联系")
    contact.email = line.application.institution.contact_email
    contact.save()
    with pytest.raises(TransitionRefused, match="联系人"):
        bank_review.assign(line, contact, province_staff())


def test_only_a_submitted_bank_gets_reviewers():
    case = cultivating()
    line = case.occupations.get(level=5)
    with pytest.raises(TransitionRefused, match="提交审核后"):
        bank_review.assign(line, expert(), province_staff())


# ---- access from both sides ------------------------------------------------------------------


def test_the_assigned_expert_reads_the_deliverables_and_no_one_else_does(client):
    line = submitted_line()
    mine, other = expert("王清白"), expert("孙局外")
    assignment = bank_review.assign(line, mine, province_staff())
    row = Deliverable.objects.filter(line=line, kind="skill").first()
    Deliverable.objects.filter(pk=row.pk).update(file=stored_pdf("操作技能试题.pdf"))
    download = reverse("cultivation:deliverable", args=[line.pk, row.pk])

    client.force_login(mine)
    listed = client.get(LIST).content.decode()
    assert "广州焊接培训学校" in listed and _sheet_url(assignment) in listed
    todo = client.get("/").content.decode().split('data-testid="todo-list"')[1]
    assert _sheet_url(assignment) in todo
    sheet = client.get(_sheet_url(assignment)).content.decode()
    for label in ("鉴定要素细目表", "理论知识试题", "操作技能试题", "组卷方案", "评分标准"):
        assert label in sheet
    assert download in sheet
    assert client.get(download).status_code == 200

    client.force_login(other)  # an expert not assigned to this line
    assert client.get(_sheet_url(assignment)).status_code == 404
    assert client.get(download).status_code == 403
    assert _sheet_url(assignment) not in client.get(LIST).content.decode()
    assert client.get(_review_url(line)).status_code == 404

    client.force_login(ApplicantFactory())  # another institution
    for url in (_sheet_url(assignment), LIST):
        assert client.get(url).status_code == 403
    assert client.get(download).status_code == 404

    client.force_login(applicant_of(line.application))  # the organization itself
    assert client.get(_sheet_url(assignment)).status_code == 403

    client.logout()
    for url in (_sheet_url(assignment), LIST, download):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"]


def test_a_withdrawn_expert_loses_the_line(client):
    line = submitted_line()
    center, mine = province_staff(), expert()
    assignment = bank_review.assign(line, mine, center)
    perform(assignment, "withdraw_bank_review", center)
    row = Deliverable.objects.filter(line=line).first()
    client.force_login(mine)
    assert client.get(_sheet_url(assignment)).status_code == 404
    download = reverse("cultivation:deliverable", args=[line.pk, row.pk])
    assert client.get(download).status_code == 403


# ---- the sheet ---------------------------------------------------------------------------------


def test_the_expert_saves_then_submits_a_complete_sheet(client):
    line = submitted_line()
    mine = expert()
    assignment = bank_review.assign(line, mine, province_staff())
    client.force_login(mine)
    url = _sheet_url(assignment)
    partial = {"specification": "覆盖完整", "recommendation": "", "action": "submit"}
    page = client.post(url, partial | {"confirm": "yes"}).content.decode()
    assert "请填写“理论知识试题”的评审意见" in page and "请选择评审结论" in page
    assignment.refresh_from_db()
    assert assignment.status == Status.ASSIGNED
    assert client.post(url, partial | {"action": "save"}).status_code == 302
    assert assignment.sheet.specification == "覆盖完整"

    complete = FINDINGS | {"recommendation": "fail", "action": "submit"}
    asked = client.post(url, complete)
    assert asked.status_code == 409 and "确定提交题库评审意见吗" in asked.content.decode()
    assert client.post(url, complete | {"confirm": "yes"}).status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == Status.SUBMITTED and assignment.submitted_at is not None
    event = AuditEvent.objects.for_object(assignment).get(action="submit_bank_review")
    assert event.audience == Audience.INTERNAL
    # Locked once submitted.
    client.post(url, FINDINGS | {"recommendation": "pass", "action": "save"})
    assignment.sheet.refresh_from_db()
    assert assignment.sheet.recommendation == "fail"
    assert "已提交评审意见" in client.get(url).content.decode()


def test_a_conflict_found_after_assignment_stops_the_sheet():
    line = submitted_line()
    mine = expert()
    assignment = bank_review.assign(line, mine, province_staff())
    ExpertProfile.objects.create(user=mine, employer_uscc=line.application.institution.uscc)
    with pytest.raises(TransitionRefused, match=r"应当回避.*N-4\.1\.2"):
        bank_review.submit_sheet(assignment, FINDINGS, "pass", mine)
    assignment.refresh_from_db()
    assert assignment.status == Status.ASSIGNED


# ---- the decision ------------------------------------------------------------------------------


def test_the_decision_needs_the_required_number_of_sheets(settings):
    line = submitted_line()
    center = province_staff()
    with pytest.raises(TransitionRefused, match=r"至少 2 份.*目前 0 份.*N-4\.2"):
        perform(line, "pass_bank", center)
    reviewed(line, count=1, staff=center)
    with pytest.raises(TransitionRefused, match=r"至少 2 份.*目前 1 份"):
        perform(line, "fail_bank", center, reason="不合格")
    # An assigned expert who has not submitted does not count.
    bank_review.assign(line, expert(), center)
    with pytest.raises(TransitionRefused, match="目前 1 份"):
        perform(line, "pass_bank", center)
    settings.BANK_REVIEW_SHEETS_REQUIRED = 1
    assert bank_review.enough_sheets(line, center, {}) is None
    settings.BANK_REVIEW_SHEETS_REQUIRED = 3
    reviewed(line, count=1, staff=center)
    with pytest.raises(TransitionRefused, match=r"至少 3 份.*目前 2 份"):
        perform(line, "pass_bank", center)
    settings.BANK_REVIEW_SHEETS_REQUIRED = 2
    line = perform(line, "pass_bank", center)
    assert line.status == Line.BANK_PASSED
    # The expert who never submitted is released by the decision.
    left = BankReviewAssignment.objects.get(line=line, sheet__isnull=True)
    assert left.status == Status.WITHDRAWN


def test_the_organization_reads_the_comments_per_deliverable_without_names(client):
    line = submitted_line()
    center = province_staff()
    experts = reviewed(line, staff=center, recommendation="fail")
    client.force_login(center)
    page = client.get(_review_url(line)).content.decode()
    assert "1. 试题难度分布合理" in page and experts[0].full_name in page  # staff see who
    data = {
        "action": "fail",
        "reason": "请按意见修改",
        "comment_theory": "单选题重复率过高",
        "comment_marking": "评分点与任务分值不符",
        "confirm": "yes",
    }
    assert client.post(_review_url(line), data).status_code == 302
    line.refresh_from_db()
    assert line.status == Line.BANK_FAILED
    decision = BankDecision.objects.get(line=line)
    assert decision.outcome == "fail" and decision.occupation_name == "焊工"
    assert decision.level_label.startswith("五级") and decision.review_round == 0
    assert decision.comments == {"theory": "单选题重复率过高", "marking": "评分点与任务分值不符"}

    applicant = applicant_of(line.application)
    client.force_login(applicant)
    shown = client.get(reverse("cultivation:line", args=[line.pk])).content.decode()
    block = shown.split('data-testid="bank-decision"')[1].split("</div>")[0]
    assert "焊工（五级" in block and "请按意见修改" in block
    assert "理论知识试题</th><td>单选题重复率过高" in block
    assert "评分标准</th><td>评分点与任务分值不符" in block
    told = Message.objects.get(recipient=applicant, subject__contains="题库审核未通过")
    assert "焊工" in told.subject and "五级" in told.subject
    assert "理论知识试题：单选题重复率过高" in told.body
    assert "评分标准：评分点与任务分值不符" in told.body
    history = client.get(reverse("applications:detail", args=[line.application.pk]))
    for text in (shown, told.body, told.subject, history.content.decode()):
        for one in experts:
            assert one.full_name not in text and one.username not in text


def test_a_resubmitted_line_starts_a_new_round(client):
    line = submitted_line()
    center = province_staff()
    first = reviewed(line, staff=center)
    line = bank_review.decide(line, "fail_bank", center, "", {"skill": "操作任务不足"})
    line = perform(line, "submit_bank", applicant_of(line.application))
    assert bank_review.current_round(line) == 1
    # The first round's two sheets are kept, not counted.
    assert BankReviewAssignment.objects.filter(line=line, status=Status.SUBMITTED).count() == 2
    with pytest.raises(TransitionRefused, match="目前 0 份"):
        perform(line, "pass_bank", center)
    # A first-round reviewer may review again, in the new round.
    again = bank_review.assign(line, first[0], center)
    assert again.review_round == 1
    bank_review.submit_sheet(again, FINDINGS, "pass", first[0])
    reviewed(line, count=1, staff=center)
    line = bank_review.decide(line, "pass_bank", center, "已按意见修改", {})
    assert line.status == Line.BANK_PASSED
    assert list(BankDecision.objects.filter(line=line).values_list("outcome", flat=True)) == [
        "pass",
        "fail",
    ]
    client.force_login(applicant_of(line.application))
    shown = client.get(reverse("cultivation:line", args=[line.pk])).content.decode()
    assert "题库审核通过" in shown and "已按意见修改" in shown


# ---- constant queries ------------------------------------------------------------------------


def test_the_experts_list_costs_the_same_for_1_and_6_reviews(
    client, django_assert_max_num_queries, django_assert_num_queries
):
    mine, center = expert(), province_staff()
    bank_review.assign(submitted_line("第0家培训学校"), mine, center)
    client.force_login(mine)
    client.get(LIST)  # warm caches (session, site settings)
    with django_assert_max_num_queries(30) as one:
        client.get(LIST)
    for n in range(1, 6):
        bank_review.assign(submitted_line(f"第{n}家培训学校"), mine, center)
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(LIST).content.decode()
    assert page.count("data-assignment=") == 6


def test_the_review_page_costs_the_same_for_2_and_6_reviewers(
    client, django_assert_max_num_queries, django_assert_num_queries
):
    line, center = submitted_line(), province_staff()
    reviewed(line, count=2, staff=center)
    client.force_login(center)
    client.get(_review_url(line))
    with django_assert_max_num_queries(60) as two:
        client.get(_review_url(line))
    reviewed(line, count=2, staff=center)
    for _n in range(2):
        bank_review.assign(line, expert(), center)
    with django_assert_num_queries(len(two.captured_queries)):
        page = client.get(_review_url(line)).content.decode()
    assert page.count('data-testid="reviewer-') == 6


def test_the_center_withdraws_an_expert_from_the_review_page(client):
    line = submitted_line()
    center, mine = province_staff(), expert()
    assignment = bank_review.assign(line, mine, center)
    client.force_login(center)
    data = {"action": "withdraw", "assignment": assignment.pk}
    asked = client.post(_review_url(line), data)
    assert asked.status_code == 409 and "确定撤回" in asked.content.decode()
    assert client.post(_review_url(line), data | {"confirm": "yes"}).status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == Status.WITHDRAWN
    assert Message.objects.filter(recipient=mine, subject__contains="已撤回").exists()
    # Withdrawn, it may be assigned again in the same round.
    assert bank_review.assign(line, mine, center).status == Status.ASSIGNED


def test_the_experts_home_page_costs_the_same_for_1_and_6_reviews(
    client, django_assert_max_num_queries, django_assert_num_queries
):
    mine, center = expert(), province_staff()
    bank_review.assign(submitted_line("第0家培训学校"), mine, center)
    client.force_login(mine)
    client.get("/")
    with django_assert_max_num_queries(60) as one:
        client.get("/")
    for n in range(1, 6):
        bank_review.assign(submitted_line(f"第{n}家培训学校"), mine, center)
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get("/").content.decode()
    todo = page.split('data-testid="todo-list"')[1]
    assert todo.count("/cultivation/bank-reviews/") == 6
