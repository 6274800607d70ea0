"""Applicant wizard, case detail, actions and downloads (issue #3)."""

from __future__ import annotations

from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role
from evalorg.catalog.models import Occupation
from evalorg.catalog.status import occupation_facts
from evalorg.core import audit
from evalorg.core.actions import run, run_transition
from evalorg.core.files import UploadRefused, file_response
from evalorg.institutions.models import Institution, institution_of
from evalorg.rounds.models import Round

from . import access, occupation_lines, workflow
from .eligibility import Outcome, evaluate, input_from_application, occupation_results
from .forms import ConfirmForm, InstitutionStepForm, OccupationAddForm, UploadForm
from .history import applicant_history, staff_history_and_reads
from .materials import (
    add_material,
    applicable_items,
    current_materials,
    never_submitted,
    retire_material,
)
from .models import Application, Kind, Material, SkillLevel, State
from .pdf import application_pdf_bytes
from .returns import latest_return_reasons
from .routing import needs_route_choice, receiving_agency
from .sections import Reader, action_page, reader_of, render_sections

STEPS = [
    ("institution", _("机构信息")),
    ("occupations", _("申报职业")),
    ("materials", _("申请材料")),
    ("review", _("确认提交")),
]
SEARCH_LIMIT = 30


def _applications(user):
    return Application.objects.for_user(user).select_related(
        "round", "institution", "receiving_agency"
    )


def _load(request: HttpRequest, pk: int) -> Application:
    return access.get_for_user(_applications(request.user), request.user, pk)


def _load_editable(request: HttpRequest, pk: int) -> Application:
    application = _load(request, pk)
    if not access.can_edit(application, request.user):
        raise PermissionDenied(_("该申请当前不能修改。"))
    return application


def _wizard(
    request, application, step: str, template: str, eligibility: bool = True, **context
) -> HttpResponse:
    """A wizard step; ``eligibility`` evaluates the rules for the steps that show the panel
    (the materials step does not: the rules are a dozen queries)."""
    context.update(application=application, steps=STEPS, step=step)
    if eligibility:
        context["results"] = evaluate(input_from_application(application))
    return render(request, template, context)


# ---- lists ----------------------------------------------------------------------------------


@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    applications = list(_applications(request.user).order_by("-created_at")[:200])
    open_rounds = []
    if has_role(request.user, Role.APPLICANT):
        open_rounds = _rounds_open_to_new(request.user)
    return render(
        request,
        "applications/list.html",
        {"applications": applications, "open_rounds": open_rounds},
    )


def _rounds_open_to_new(user) -> list[Round]:
    """Rounds accepting applications in which the user's institution has none yet: a draft is
    continued from the list, a submitted one is not offered again (issue 22)."""
    institution = institution_of(user)
    taken = set(
        Application.objects.filter(institution=institution, kind=Kind.NEW)
        .exclude(state=State.WITHDRAWN)
        .values_list("round_id", flat=True)
    )
    return [r for r in Round.objects.all() if r.is_accepting_applications() and r.pk not in taken]


@login_required
@require_POST
def application_new(request: HttpRequest) -> HttpResponse:
    institution = institution_of(request.user)
    if not has_role(request.user, Role.APPLICANT) or institution is None:
        raise PermissionDenied
    chosen = request.POST.get("round", "")
    round_ = get_object_or_404(Round, pk=int(chosen) if chosen.isdigit() else 0)
    if not round_.is_accepting_applications():
        messages.error(request, _("该批次不在申请期内（N-4.1.1），不能新建申请。"))
        return redirect("applications:list")
    try:
        with transaction.atomic():
            # One new application per institution and round: concurrent requests queue on the
            # institution's row, so the second one finds the first instead of creating another
            # (the constraint uniq_open_application_per_round_kind holds in any case).
            Institution.objects.select_for_update().get(pk=institution.pk)
            existing = Application.objects.filter(
                round=round_, institution=institution, kind=Kind.NEW
            ).exclude(state=State.WITHDRAWN)
            current = existing.first()
            if current is not None:
                return _continue_existing(request, current)
            application = Application.objects.create(
                round=round_, institution=institution, kind=Kind.NEW, created_by=request.user
            )
            audit.record("application_created", application, actor=request.user)
    except IntegrityError:
        messages.info(request, _("本机构在该批次已有一份申请，请继续填写。"))
        return redirect("applications:list")
    return redirect("applications:step_institution", application.pk)


def _continue_existing(request: HttpRequest, application: Application) -> HttpResponse:
    """A second 填写新申请 in a round: back to the draft, or to the submitted case's page."""
    if access.can_edit(application, request.user):
        messages.info(request, _("本机构在该批次已有一份申请，请继续填写。"))
        return redirect("applications:step_institution", application.pk)
    messages.info(request, _("本机构在该批次的申请已提交，可在案卷页查看办理进度。"))
    return redirect("applications:detail", application.pk)


# ---- wizard ---------------------------------------------------------------------------------


@login_required
def step_institution(request: HttpRequest, pk: int) -> HttpResponse:
    application = _load_editable(request, pk)
    institution = application.institution
    form = InstitutionStepForm(
        request.POST or None, instance=institution, initial={"route": application.route}
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            changed = form.changed_data
            form.save()
            application.route = form.cleaned_data.get("route") or ""
            application.save(update_fields=["route", "updated_at"])
            audit.record(
                "application_step_saved",
                application,
                actor=request.user,
                data={"step": "institution", "changed": changed},
            )
        messages.success(request, _("机构信息已保存。"))
        if "next" in request.POST:
            return redirect("applications:step_occupations", application.pk)
        return redirect("applications:step_institution", application.pk)
    return _wizard(
        request,
        application,
        "institution",
        "applications/step_institution.html",
        form=form,
        needs_route=needs_route_choice(institution),
    )


@login_required
@require_POST
def live_eligibility(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the rules evaluated on the unsaved step-1 form, so the applicant sees them live."""
    application = _load_editable(request, pk)
    inp = input_from_application(application)
    post = request.POST
    overrides = {}
    for field in ("category", "other_kind"):
        if field in post:
            overrides[field] = post.get(field, "")
    if "city" in post:
        overrides["declared_city_code"] = post.get("city", "")
    if "recommended_by_authority" in post or "category" in post:
        overrides["recommended_by_authority"] = post.get("recommended_by_authority") == "on"
    results = evaluate(replace(inp, **overrides))
    return render(request, "applications/_eligibility.html", {"results": results, "live": True})


@login_required
def eligibility_panel(request: HttpRequest, pk: int) -> HttpResponse:
    application = _load(request, pk)
    results = evaluate(input_from_application(application))
    return render(request, "applications/_eligibility.html", {"results": results})


@login_required
def step_occupations(request: HttpRequest, pk: int) -> HttpResponse:
    application = _load_editable(request, pk)
    form = OccupationAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        refusal = _add_occupation(application, form.cleaned_data, request.user)
        if refusal:
            form.add_error("code", refusal)
        else:
            messages.success(request, _("已添加申报职业。"))
            return redirect("applications:step_occupations", application.pk)
    return _wizard(
        request,
        application,
        "occupations",
        "applications/step_occupations.html",
        form=form,
        groups=application.occupation_groups(),
        levels=SkillLevel.choices,
    )


def _add_occupation(application: Application, data: dict, user) -> str:
    """Save the ticked levels of one occupation, or say why N-3.1 refuses it."""
    code = data["code"].strip()
    levels = tuple(sorted(set(data["levels"]), reverse=True))
    fails = [r for r in occupation_results(code, levels) if r.outcome == Outcome.FAIL]
    if fails:
        return "；".join(f"{r.message}（{r.clause}）" for r in fails)
    occupation_lines.set_levels(application, code, levels, user)
    return ""


@login_required
def occupation_search(request: HttpRequest, pk: int) -> HttpResponse:
    application = _load_editable(request, pk)
    query = request.GET.get("q", "").strip()
    candidates = []
    if query:
        matches = Occupation.objects.leaves().filter(
            Q(name__icontains=query) | Q(code__startswith=query)
        )
        occupations = list(matches.order_by("code")[:SEARCH_LIMIT])
        facts = occupation_facts([o.code for o in occupations])
        chosen = _chosen_levels(application)
        for occupation in occupations:
            results = occupation_results(occupation.code, (5,), facts=facts)
            fails = [r for r in results if r.outcome == Outcome.FAIL]
            candidates.append(
                {
                    "occupation": occupation,
                    "facts": facts[occupation.code],
                    "fails": fails,
                    "review": [r for r in results if r.outcome == Outcome.NEEDS_REVIEW],
                    "chosen": chosen.get(occupation.code, set()),
                }
            )
    return render(
        request,
        "applications/_occupation_search.html",
        {
            "application": application,
            "candidates": candidates,
            "query": query,
            "levels": SkillLevel.choices,
        },
    )


def _chosen_levels(application: Application) -> dict[str, set[int]]:
    """The levels already requested per occupation code, to pre-tick them."""
    chosen: dict[str, set[int]] = {}
    for code, level in application.occupations.values_list("occupation_id", "level"):
        chosen.setdefault(code, set()).add(level)
    return chosen


@login_required
@require_POST
def occupation_remove(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    """Remove one level of an occupation (one occupation line)."""
    application = _load_editable(request, pk)
    line = get_object_or_404(application.occupations, pk=line_pk)
    occupation_lines.remove_line(application, line, request.user)
    messages.success(request, _("已移除申报职业。"))
    return redirect("applications:step_occupations", application.pk)


@login_required
@require_POST
def occupation_remove_all(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """Remove an occupation with all its levels."""
    application = _load_editable(request, pk)
    occupation_lines.set_levels(application, code, (), request.user)
    messages.success(request, _("已移除申报职业。"))
    return redirect("applications:step_occupations", application.pk)


@login_required
def step_materials(request: HttpRequest, pk: int) -> HttpResponse:
    application = _load_editable(request, pk)
    return _materials_page(request, application, UploadForm(), None)


def _materials_page(request, application, form, failed_item) -> HttpResponse:
    current = current_materials(application)
    items = [
        {"item": item, "files": current.get(item.code, [])}
        for item in applicable_items(application)
    ]
    return _wizard(
        request,
        application,
        "materials",
        "applications/step_materials.html",
        eligibility=False,
        items=items,
        form=form,
        failed_item=failed_item,
        status=400 if failed_item else 200,
    )


@login_required
@require_POST
def material_upload(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    application = _load_editable(request, pk)
    item = get_object_or_404(application.round.checklist, code=code)
    replaces = None
    if replaced_pk := request.POST.get("replaces"):
        replaces = get_object_or_404(
            application.materials.select_related("file"),
            pk=replaced_pk if replaced_pk.isdigit() else 0,
            item_code=item.code,
            is_current=True,
        )
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            add_material(
                application, item, form.cleaned_data["file"], request.user, replaces=replaces
            )
        except UploadRefused as refused:
            form.add_error("file", refused.message)
        else:
            if replaces is None:
                done = _("已上传“%(title)s”。")
            elif never_submitted(application):
                done = _("已替换“%(title)s”的文件。")
            else:
                done = _("已替换“%(title)s”的文件（原文件作为历史版本保留）。")
            messages.success(request, done % {"title": item.title})
            return redirect("applications:step_materials", application.pk)
    response = _materials_page(request, application, form, item.code)
    response.status_code = 400
    return response


@login_required
@require_POST
def material_remove(request: HttpRequest, pk: int, material_pk: int) -> HttpResponse:
    application = _load_editable(request, pk)
    material = get_object_or_404(application.materials, pk=material_pk, is_current=True)
    if retire_material(material, request.user):
        messages.success(request, _("已删除文件。"))
    else:
        messages.success(request, _("已移除文件（原文件作为历史版本保留）。"))
    return redirect("applications:step_materials", application.pk)


@login_required
def step_review(request: HttpRequest, pk: int) -> HttpResponse:
    application = _load_editable(request, pk)
    form = ConfirmForm(
        request.POST or None, initial={"confirm": application.declarations_confirmed}
    )
    if request.method == "POST" and form.is_valid():
        action = "resubmit" if application.state == State.RETURNED_FOR_CORRECTION else "submit"
        with transaction.atomic():
            application.declarations_confirmed = True
            application.save(update_fields=["declarations_confirmed", "updated_at"])
        return run(
            request,
            lambda: workflow.perform(application, action, request.user),
            back=reverse("applications:step_review", args=[application.pk]),
            success=lambda done: (
                _("申请已提交至%(agency)s，受理编号 %(no)s。")
                % {"agency": done.receiving_agency.name, "no": done.acknowledgement_no}
            ),
            done_url=reverse("applications:detail", args=[application.pk]),
            refused=lambda refusals: _review_step(request, application, form, refusals),
        )
    return _review_step(request, application, form, [])


def _review_step(
    request: HttpRequest,
    application: Application,
    form: ConfirmForm,
    refusals: list[workflow.Refusal],
) -> HttpResponse:
    agency = receiving_agency(application.institution, application.route)
    institution = application.institution
    declarations = {d.item: d for d in institution.declarations.all()}
    return _wizard(
        request,
        application,
        "review",
        "applications/step_review.html",
        form=form,
        refusals=refusals,
        agency=agency,
        declarations=declarations,
        groups=application.occupation_groups(),
        materials=current_materials(application),
        items=applicable_items(application),
    )


# ---- detail, actions, files -----------------------------------------------------------------


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The one case page (issue 19 item 3): every role that may see the case lands here and
    reads the sections of its audience (``sections.reader_of``): the applicant its own case,
    staff everything the stages know of it, an assigned expert the materials and its sheet."""
    application = _load(request, pk)
    reader = reader_of(application, request.user)
    context: dict[str, object] = {"application": application, "reader": reader}
    if reader == Reader.STAFF:
        # A read of personal data (contacts, ID number), kept for the reviewing agency.
        audit.record(
            "case_viewed", application, actor=request.user, audience=audit.Audience.INTERNAL
        )
        with_reads = request.GET.get("reads") == "1"
        history, reads = staff_history_and_reads(application, with_reads=with_reads)
        context.update(history=history, reads=reads, with_reads=with_reads)
    elif reader == Reader.APPLICANT:
        context["history"] = applicant_history(application)
    if reader != Reader.EXPERT:
        context.update(
            actions=[
                a
                for a in workflow.available_actions(application, request.user)
                if not action_page(a.action)
            ],
            can_edit=access.can_edit(application, request.user),
            return_reasons=latest_return_reasons(application)
            if application.state == State.RETURNED_FOR_CORRECTION
            else [],
        )
    context["sections"] = render_sections(request, application, reader)
    return render(request, "applications/detail.html", context)


@login_required
@require_POST
def application_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Any workflow action offered on the case page; its guards decide. An action performed
    on a page of its own (verification) is sent there."""
    application = _load(request, pk)
    if page := action_page(action):
        return redirect(page, application.pk)
    reason = request.POST.get("reason", "").strip()
    return run_transition(
        request,
        application,
        action,
        back=reverse("applications:detail", args=[application.pk]),
        data={"reason": reason} if reason else {},
    )


@login_required
def material_download(request: HttpRequest, pk: int, material_pk: int) -> HttpResponse:
    application = _load(request, pk)
    material = get_object_or_404(
        Material.objects.select_related("file"), pk=material_pk, application=application
    )
    if not has_role(request.user, Role.APPLICANT):
        audit.record(
            "material_viewed",
            application,
            actor=request.user,
            data={"material": material.pk},
            audience=audit.Audience.INTERNAL,
        )
    return file_response(material.file, inline=request.GET.get("inline") == "1")


@login_required
def application_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    application = _load(request, pk)
    if not has_role(request.user, Role.APPLICANT):
        # The form carries the contacts' phone and e-mail: staff and expert reads are audited.
        audit.record(
            "application_pdf_viewed",
            application,
            actor=request.user,
            audience=audit.Audience.INTERNAL,
        )
    content = application_pdf_bytes(
        application, for_applicant=has_role(request.user, Role.APPLICANT)
    )
    response = HttpResponse(content, content_type="application/pdf")
    name = f"备案申请表-{application.acknowledgement_no or application.pk}.pdf"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
