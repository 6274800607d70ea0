"""The expert's pages: my assignments, the conflict declaration and the scoresheet (附件3).

An expert who does not score an application (``services.assignment_for``) gets 404 on every
page about it. The declaration comes first; a declared or detected conflict closes the
scoresheet (403). Saves use optimistic concurrency on ``Scoresheet.version``: a save from a
stale page is refused and the typed values are shown again, so nothing is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, QuerySet
from django.forms import BoundField
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.models import Role, User
from evalorg.accounts.permissions import has_role, role_required
from evalorg.applications.materials import applicable_items, current_materials
from evalorg.applications.models import Application, State
from evalorg.core.actions import Refused, run, show_refusals, trial_refusals
from evalorg.core.workflow import Refusal, Transition, available_actions

from . import conflicts, scoresheets
from .conflicts import ConflictIndex
from .forms import (
    ConflictForm,
    ScoresheetForm,
    comment_field,
    initial_for,
    points_label,
    score_field,
)
from .models import (
    Assignment,
    ConflictDeclaration,
    ConflictKind,
    Panel,
    PanelMember,
    Scoresheet,
)
from .panels import scoring_open
from .scoring import DIMENSIONS, TemplateItem, dimension_total, sheet_total
from .services import assignment_for, template_for

# The refusal of the role check, said once for the decorator and the helper.
EXPERTS_ONLY = _lazy("仅评审专家可以访问。")


def _expert(request: HttpRequest) -> User:
    if not has_role(request.user, Role.EXPERT):
        raise PermissionDenied(EXPERTS_ONLY)
    return request.user


@dataclass
class Case:
    application: Application
    assignment: Assignment

    @property
    def panel(self) -> Panel:
        return self.assignment.panel

    def key(self, expert: User) -> dict:
        return {"panel": self.panel, "application": self.application, "expert": expert}


def _case(request: HttpRequest, pk: int) -> Case:
    expert = _expert(request)
    application = get_object_or_404(
        Application.objects.exclude(state=State.DRAFT).select_related("institution", "round"),
        pk=pk,
    )
    assignment = assignment_for(expert, application)
    if assignment is None:
        raise Http404
    return Case(application, assignment)


def _declaration(case: Case, expert: User) -> ConflictDeclaration | None:
    return ConflictDeclaration.objects.filter(**case.key(expert)).first()


def _index(case: Case, expert: User) -> ConflictIndex:
    return ConflictIndex.for_applications([case.application], experts=[expert])


def _sheet(case: Case, expert: User) -> Scoresheet | None:
    return Scoresheet.objects.filter(**case.key(expert)).first()


# ---- my assignments -------------------------------------------------------------------------


@dataclass
class HomeRow:
    application: Application
    panel: Panel
    declaration: ConflictDeclaration | None
    detected: str
    conflicted: bool
    sheet: Scoresheet | None
    # Worked out once per page (row_labels): the per-row get_FOO_display and {% url %} were
    # most of the template's time (pyinstrument, issue 12).
    state_label: str = ""
    kind_label: str = ""
    sheet_label: str = ""
    declare_url: str = ""
    scoresheet_url: str = ""


def row_labels(rows: list[HomeRow]) -> None:
    """Each row's state, declaration and scoresheet labels and its two URLs, as the template
    printed them from their sources."""
    states = {value: str(label) for value, label in State.choices}
    kinds = {value: str(label) for value, label in ConflictKind.choices}
    statuses = {value: str(label) for value, label in Scoresheet.Status.choices}
    declare = reverse("expert:declare", args=[0]).rsplit("/0/", 1)
    scoresheet = reverse("expert:scoresheet", args=[0]).rsplit("/0/", 1)
    for row in rows:
        pk = row.application.pk
        row.state_label = states.get(row.application.state, row.application.state)
        if row.declaration:
            row.kind_label = kinds.get(row.declaration.kind, row.declaration.kind)
        if row.sheet:
            row.sheet_label = statuses.get(row.sheet.status, row.sheet.status)
        row.declare_url = f"{declare[0]}/{pk}/{declare[1]}"
        row.scoresheet_url = f"{scoresheet[0]}/{pk}/{scoresheet[1]}"


HOME_PAGE_SIZE = 50


def assignments_of(expert: User) -> QuerySet[Assignment]:
    """The assignments ``expert`` scores (``services.experts_for`` in SQL: the chosen experts,
    or every panel member when none are chosen), so the list pages in the database."""
    chosen = Assignment.experts.through.objects.filter(assignment=OuterRef("pk"))
    member = PanelMember.objects.filter(panel=OuterRef("panel"), expert=expert)
    return (
        Assignment.objects.filter(
            Exists(chosen.filter(user=expert)) | (Exists(member) & ~Exists(chosen))
        )
        .exclude(application__state=State.DRAFT)
        .order_by("-panel__round__published_on", "application__submitted_at", "pk")
    )


def home_rows(expert: User, assignments: list[Assignment]) -> list[HomeRow]:
    """One page's rows: conflicts and sheets loaded for these assignments only."""
    index = ConflictIndex.for_applications([a.application for a in assignments], experts=[expert])
    sheets = {
        (s.panel_id, s.application_id): s
        for s in Scoresheet.objects.filter(
            expert=expert, application_id__in=[a.application_id for a in assignments]
        )
    }
    rows = []
    for assignment in assignments:
        panel_id, application = assignment.panel_id, assignment.application
        rows.append(
            HomeRow(
                application=application,
                panel=assignment.panel,
                declaration=index.declaration(panel_id, expert, application),
                detected=index.detected(panel_id, expert, application),
                conflicted=index.is_conflicted(panel_id, expert, application),
                sheet=sheets.get((panel_id, application.pk)),
            )
        )
    row_labels(rows)
    return rows


@role_required(Role.EXPERT, message=EXPERTS_ONLY)
def home(request: HttpRequest) -> HttpResponse:
    """The expert's assignments, 50 a page: at 10,000 assignments the page was every row
    (5 MB, 5.8 s of CPU, issue 24)."""
    expert = _expert(request)
    assignments = assignments_of(expert).select_related("panel__round", "application__institution")
    page = Paginator(assignments, HOME_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = home_rows(expert, list(page.object_list))
    return render(request, "review/expert/home.html", {"rows": rows, "page": page})


# ---- conflict of interest -------------------------------------------------------------------


@login_required
def declare(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    expert = request.user
    declaration = _declaration(case, expert)
    sheet = _sheet(case, expert)
    locked = (sheet is not None and sheet.status == Scoresheet.Status.SUBMITTED) or not (
        scoring_open(case.application)
    )
    initial = {"kind": declaration.kind, "note": declaration.note} if declaration else None
    form = ConflictForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if locked:
            messages.error(request, _("评估表已提交或评审已结束，回避声明不能再修改。"))
            return redirect("expert:declare", pk)
        if form.is_valid():
            return _declared(request, case, form)
    context = {
        "case": case,
        "application": case.application,
        "form": form,
        "declaration": declaration,
        "detected": _index(case, expert).detected(case.panel.pk, expert, case.application),
        "locked": locked,
    }
    return render(
        request, "review/expert/declare.html", context, status=400 if form.errors else 200
    )


def _declared(request: HttpRequest, case: Case, form: ConflictForm) -> HttpResponse:
    expert = request.user
    conflicts.declare(
        case.panel,
        case.application,
        expert,
        form.cleaned_data["kind"],
        form.cleaned_data["note"].strip(),
    )
    if _index(case, expert).is_conflicted(case.panel.pk, expert, case.application):
        messages.warning(
            request,
            _("已记录回避声明：您不参与%(name)s的评分。") % {"name": case.application.institution},
        )
        return redirect("expert:home")
    messages.success(request, _("已声明无利益冲突，请填写评估表。"))
    return redirect("expert:scoresheet", case.application.pk)


# ---- the scoresheet -------------------------------------------------------------------------


@dataclass
class ItemRow:
    item: TemplateItem
    field: BoundField
    saved: str


@dataclass
class DimensionGroup:
    code: str
    label: str
    max_points: str
    comment: BoundField
    saved_comment: str
    subtotal: str
    rows: list[ItemRow] = field(default_factory=list)


def _groups(
    form: ScoresheetForm, items: list[TemplateItem], sheet: Scoresheet | None
) -> list[DimensionGroup]:
    scores = sheet.scores if sheet else {}
    comments = sheet.comments if sheet else {}
    groups = []
    for code, label in DIMENSIONS:
        own = [i for i in items if i.dimension == code]
        group = DimensionGroup(
            code=code,
            label=label,
            max_points=points_label(sum((i.max_points for i in own), Decimal(0))),
            comment=form[comment_field(code)],
            saved_comment=comments.get(code, ""),
            subtotal=points_label(dimension_total(scores, items, code)),
        )
        for item in own:
            value = scores.get(item.code)
            saved = points_label(Decimal(str(value))) if value is not None else ""
            group.rows.append(ItemRow(item, form[score_field(item.code)], saved))
        groups.append(group)
    return groups


def reopen_reason(sheet: Scoresheet):
    from .views_sheet import reopen_reason as latest

    return latest(sheet)


def _page(
    request: HttpRequest,
    case: Case,
    items: list[TemplateItem],
    form: ScoresheetForm,
    sheet: Scoresheet | None,
    *,
    editable: bool,
    status: int = 200,
) -> HttpResponse:
    application = case.application
    context = {
        "case": case,
        "application": application,
        "form": form,
        "sheet": sheet,
        "editable": editable,
        "groups": _groups(form, items, sheet),
        "total": points_label(sheet_total(sheet.scores, items)) if sheet else "0",
        "max_total": points_label(sum((i.max_points for i in items), Decimal(0))),
        "occupation_groups": application.occupation_groups(),
        "materials": current_materials(application),
        "checklist": applicable_items(application),
        "scoring_closed": not scoring_open(application),
        "submit_action": _submit_action(request, sheet),
        "reopen_reason": reopen_reason(sheet)
        if sheet and sheet.status == Scoresheet.Status.REOPENED
        else None,
    }
    return render(request, "review/expert/scoresheet.html", context, status=status)


def _submit_action(request: HttpRequest, sheet: Scoresheet | None) -> Transition | None:
    """The page's submit button: the sheet's ``submit_scoresheet`` while available to this
    expert (a first submission creates the sheet: the transition as registered)."""
    if sheet is None:
        return scoresheets.SHEETS.table["submit_scoresheet"]
    actions = available_actions(sheet, request.user)
    return next((a for a in actions if a.action == "submit_scoresheet"), None)


@login_required
def scoresheet(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    expert = request.user
    declaration = _declaration(case, expert)
    if declaration is None:
        messages.info(request, _("查看评估表前，请先声明是否存在利益冲突。"))
        return redirect("expert:declare", pk)
    index = _index(case, expert)
    if index.is_conflicted(case.panel.pk, expert, case.application):
        context = {"application": case.application, "declaration": declaration}
        context["detected"] = index.detected(case.panel.pk, expert, case.application)
        return render(request, "review/expert/conflicted.html", context, status=403)
    items = template_for(case.application.round, case.panel.stage)
    sheet = _sheet(case, expert)
    editable = scoring_open(case.application) and (
        sheet is None or sheet.status in scoresheets.EDITABLE
    )
    if request.method == "POST":
        if not editable:
            messages.error(request, _locked_message(case.application))
            return redirect("expert:scoresheet", pk)
        return _save(request, case, items)
    initial = initial_for(
        sheet.scores if sheet else {},
        sheet.comments if sheet else {},
        sheet.opinion if sheet else "",
        sheet.version if sheet else 0,
    )
    form = ScoresheetForm(initial=initial, items=items)
    return _page(request, case, items, form, sheet, editable=editable)


def _locked_message(application: Application) -> str:
    if not scoring_open(application):
        return _("该申请的专家评估已结束，评估表不能再修改。")
    return _("评估表已提交并锁定，不能再修改；如需修改，请联系评价指导机构工作人员退回。")


def _save(request: HttpRequest, case: Case, items: list[TemplateItem]) -> HttpResponse:
    submitting = request.POST.get("action") == "submit"
    form = ScoresheetForm(request.POST, items=items, submitting=submitting)
    if not form.is_valid():
        messages.error(request, _("评估表未保存，请修改标出的内容。"))
        sheet = _sheet(case, request.user)
        return _page(request, case, items, form, sheet, editable=True, status=400)
    values = (
        case.key(request.user),
        form.cleaned_data["version"],
        form.scores(),
        form.comments(),
        form.cleaned_data.get("opinion") or "",
    )

    def refused(refusals: list[Refusal]) -> HttpResponse:
        show_refusals(request, refusals)
        sheet = _sheet(case, request.user)
        return _page(request, case, items, form, sheet, editable=True, status=409)

    if submitting:
        return _submit(request, case, items, values, refused)

    def act() -> Scoresheet:
        sheet = scoresheets.save_draft(*values)
        if sheet is None:
            raise _Stale
        return sheet

    try:
        return run(
            request,
            act,
            back=reverse("expert:scoresheet", args=[case.application.pk]),
            success=lambda sheet: _("草稿已保存（第 %(v)s 版）。") % {"v": sheet.version},
            refused=refused,
        )
    except _Stale:
        return _stale(request, case, items)


class _Stale(Exception):
    """The page was stale (someone saved the sheet meanwhile): nothing was saved."""


def _submit(
    request: HttpRequest,
    case: Case,
    items: list[TemplateItem],
    values: tuple[Any, ...],
    refused: Refused,
) -> HttpResponse:
    """Submit the typed sheet: the form was valid; the guards are tried on what was typed (rolled
    back), and only a sheet that would be accepted asks 不能再修改 (the server's confirm page: the
    browser dialog would ask before the form is checked), then is submitted."""

    def act() -> None:
        if scoresheets.submit(*values, expert=request.user) is None:
            raise _Stale

    try:
        return run(
            request,
            act,
            back=reverse("expert:scoresheet", args=[case.application.pk]),
            success=_("评估表已提交。"),
            question=scoresheets.SHEETS.table["submit_scoresheet"].confirm,
            precheck=lambda: trial_refusals(act),
            refused=refused,
        )
    except _Stale:
        return _stale(request, case, items)


def _stale(request: HttpRequest, case: Case, items: list[TemplateItem]) -> HttpResponse:
    current = _sheet(case, request.user)
    if current is not None and current.status == Scoresheet.Status.SUBMITTED:
        messages.error(request, _locked_message(case.application))
        return redirect("expert:scoresheet", case.application.pk)
    messages.error(
        request,
        _(
            "该评估表已在其他窗口或页面保存过，本次填写的内容未保存。下方保留了您刚才填写的内容，"
            "请核对后再次保存。"
        ),
    )
    data = request.POST.copy()
    data["version"] = str(current.version if current else 0)
    form = ScoresheetForm(data, items=items)
    return _page(request, case, items, form, current, editable=True, status=409)
