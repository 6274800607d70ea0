"""The expert's pages of question-bank review (issue 20 item 4, N-4.2): its list of bank
reviews and the review sheet of one line (the five deliverables with their automatic check
reports, one finding per deliverable and a recommendation)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import role_required
from evalorg.applications.workflow import Refusal
from evalorg.core.actions import run
from evalorg.core.workflow import workflow_of

from . import bank_review
from .forms import ReviewSheetForm
from .models import BankReviewAssignment, BankReviewSheet
from .views import _line_context

EXPERTS_ONLY = _lazy("题库评审由省职业技能服务指导中心指派的专家办理（N-4.2）。")
PAGE_SIZE = 25


@role_required(Role.EXPERT, message=EXPERTS_ONLY)
def bank_reviews(request: HttpRequest) -> HttpResponse:
    """The expert's bank reviews, newest first, 25 a page (one query per page)."""
    rows = bank_review.expert_assignments(request.user)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cultivation/bank_reviews.html", {"page": page})


def _own_assignment(request: HttpRequest, pk: int) -> BankReviewAssignment:
    """The expert's own live assignment (404 for anything else: another expert's, withdrawn)."""
    return get_object_or_404(bank_review.expert_assignments(request.user), pk=pk)


@role_required(Role.EXPERT, message=EXPERTS_ONLY)
def bank_review_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _own_assignment(request, pk)
    sheet = BankReviewSheet.objects.filter(assignment=assignment).first()
    form = ReviewSheetForm(request.POST or None, instance=sheet)
    editable = assignment.status == BankReviewAssignment.Status.ASSIGNED
    if request.method == "POST" and editable and form.is_valid():
        findings, recommendation = form.findings(), form.cleaned_data["recommendation"]
        back = reverse("cultivation:bank_review_sheet", args=[assignment.pk])
        if request.POST.get("action") == "submit":
            return run(
                request,
                lambda: bank_review.submit_sheet(
                    assignment, findings, recommendation, request.user
                ),
                back=back,
                success=_("评审意见已提交。"),
                question=workflow_of(assignment).table["submit_bank_review"].confirm,
                refused=lambda refusals: _sheet_page(request, assignment, form, refusals),
            )
        return run(
            request,
            lambda: bank_review.save_sheet(assignment, findings, recommendation),
            back=back,
            success=_("评审意见已保存，尚未提交。"),
            refused=lambda refusals: _sheet_page(request, assignment, form, refusals),
        )
    return _sheet_page(request, assignment, form, [])


def _sheet_page(
    request: HttpRequest,
    assignment: BankReviewAssignment,
    form: ReviewSheetForm,
    refusals: list[Refusal],
) -> HttpResponse:
    for refusal in refusals:
        form.add_error(None, refusal.shown)
    context = _line_context(assignment.line)
    context.update(
        assignment=assignment,
        form=form,
        editable=assignment.status == BankReviewAssignment.Status.ASSIGNED,
        submit_confirm=workflow_of(assignment).table["submit_bank_review"].confirm,
    )
    return render(request, "cultivation/bank_review_sheet.html", context)
