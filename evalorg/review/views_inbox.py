"""The agency's inbox (N-4.1.2, SPEC §6.2): list, export, the former case URL (a redirect to
the one case page), the case's actions, findings and declaration evidence. Queries and the
export's rows are in ``inbox``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import (
    QuerySet,
)
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role, role_required
from evalorg.applications import access
from evalorg.applications.models import Application, State
from evalorg.applications.sections import Reader, reader_of
from evalorg.core import audit, clock
from evalorg.core.actions import run, run_transition
from evalorg.core.paging import KeyPaginator
from evalorg.documents.xlsx import xlsx_response
from evalorg.institutions.models import Institution

from . import findings
from .forms import InboxFilterForm
from .inbox import (
    CONTACT_FIELDS,
    DEFAULT_SORT,
    INBOX_ONLY,
    PAGE_SIZE,
    ROW_FIELDS,
    apply_filters,
    apply_sort,
    contact_in_full,
    export_rows,
    inbox_agencies,
    inbox_counties,
    inbox_queryset,
    inbox_rounds,
    inbox_workbook,
    label_rows,
    require_inbox_user,
    with_row_data,
)
from .verification import VERIFICATION_ACTIONS, load_case


def inbox_paginator(request: HttpRequest, form: InboxFilterForm, applications) -> KeyPaginator:
    """Pages of the filtered inbox: the page's cases are chosen with the filters and the order
    alone, and only those 25 rows are joined and annotated. The provincial center's four
    city-result subqueries ran for every case in its scope before the sort (2,000 of 10,000
    cases in bench-lists: 19 ms of CPU for the page's query, 5 ms now)."""
    sort = form.value("sort") or DEFAULT_SORT

    def rows(keys: QuerySet) -> QuerySet:
        page_rows = Application.objects.filter(pk__in=keys).only(*ROW_FIELDS)
        return apply_sort(with_row_data(page_rows, request.user), sort)

    return KeyPaginator(applications, PAGE_SIZE, rows)


def filtered_inbox(request: HttpRequest) -> tuple[InboxFilterForm, QuerySet]:
    require_inbox_user(request.user)
    scoped = Application.objects.for_user(request.user)
    agencies = []
    if has_role(request.user, Role.PROVINCE_STAFF):
        agencies = inbox_agencies(scoped)
    form = InboxFilterForm(
        request.GET,
        counties=inbox_counties(scoped),
        agencies=agencies,
        rounds=inbox_rounds(scoped),
    )
    form.is_valid()  # invalid fields are simply not applied; the form shows their errors
    return form, apply_filters(inbox_queryset(request.user), form)


@role_required(Role.REVIEWING_STAFF, message=INBOX_ONLY)
def inbox(request: HttpRequest) -> HttpResponse:
    form, applications = filtered_inbox(request)
    page = inbox_paginator(request, form, applications).get_page(request.GET.get("page"))
    label_rows(page.object_list)
    return render(
        request,
        "review/inbox/inbox.html",
        {
            "form": form,
            "page": page,
            "agency": request.user.agency,
            "is_province": has_role(request.user, Role.PROVINCE_STAFF),
        },
    )


@login_required
def export(request: HttpRequest) -> FileResponse:
    _form, applications = filtered_inbox(request)
    agency = request.user.agency
    now = clock.now()
    book = inbox_workbook(export_rows(applications), agency.name, now)
    name = _("受理清单-%(agency)s-%(at)s.xlsx") % {
        "agency": agency.name,
        "at": f"{now:%Y%m%d%H%M}",
    }
    return xlsx_response(book, name)


@login_required
def case(request: HttpRequest, pk: int) -> HttpResponse:
    """The former staff case page: the case has one page now (``applications:detail``,
    issue 19 item 3). Old links and bookmarks land there, for whoever may see the case."""
    application = access.get_for_user(Application.objects.all(), request.user, pk)
    url = reverse("applications:detail", args=[application.pk])
    query = request.GET.urlencode()
    return redirect(f"{url}?{query}" if query else url, permanent=True)


@login_required
@require_POST
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Any other workflow action offered on the case page; its guards decide."""
    application = load_case(request, pk)
    if action in VERIFICATION_ACTIONS:
        return redirect("review_inbox:verify", application.pk)
    reason = request.POST.get("reason", "").strip()
    return run_transition(
        request,
        application,
        action,
        back=reverse("applications:detail", args=[application.pk]),
        data={"reason": reason} if reason else {},
    )


@login_required
@require_POST
def resolve_finding(request: HttpRequest, pk: int) -> HttpResponse:
    """The receiving staff record their conclusion on one needs_review finding."""
    application = load_case(request, pk, to_act=True)
    if application.state != State.SUBMITTED:
        messages.error(request, _("只有“已提交”的申请可以记录核查结论。"))
        return redirect("applications:detail", application.pk)
    return run(
        request,
        lambda: findings.resolve(
            application,
            request.POST.get("finding", ""),
            request.POST.get("conclusion", ""),
            request.user,
        ),
        back=reverse("applications:detail", args=[application.pk]),
        success=_("已记录核查结论。"),
    )


@login_required
def declaration_evidence(request: HttpRequest, pk: int, declaration_pk: int) -> HttpResponse:
    """The evidence file of one of the case's N-2.4.2 declarations, for the staff who may read
    the case (audited: it is the institution's document)."""
    from django.shortcuts import get_object_or_404

    from evalorg.core.files import file_response
    from evalorg.institutions.models import ExclusionDeclaration

    application = load_case(request, pk)
    declaration = get_object_or_404(
        ExclusionDeclaration.objects.select_related("evidence"),
        pk=declaration_pk,
        institution_id=application.institution_id,
        evidence__isnull=False,
    )
    audit.record(
        "declaration_evidence_viewed",
        application,
        actor=request.user,
        data={"declaration": declaration.pk, "item": declaration.item},
    )
    return file_response(declaration.evidence, inline=request.GET.get("inline") == "1")


@login_required
@require_POST
def reveal_contact(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    """The institution's contact phone or e-mail in full, for staff who read the case (issue
    22): masked on the page, shown on request and audited (who, when, which field)."""
    if field not in CONTACT_FIELDS:
        raise Http404
    qs = Application.objects.select_related("institution")
    application = access.get_for_user(qs, request.user, pk)
    if reader_of(application, request.user) != Reader.STAFF:
        raise Http404
    value, current = contact_in_full(application, field)
    phone = field == "contact_phone"
    audit.record(
        "contact_phone_revealed" if phone else "contact_email_revealed",
        application,
        actor=request.user,
        data={"field": field},
        audience=audit.Audience.STAFF,
    )
    context = {
        "application": application,
        "field": field,
        "label": Institution._meta.get_field(field).verbose_name,
        "value": value,
        "current": current,
    }
    if request.headers.get("HX-Request"):
        return render(request, "review/case/_contact_revealed.html", context)
    return render(request, "review/case/contact_revealed.html", context)
