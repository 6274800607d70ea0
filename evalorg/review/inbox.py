"""The agency's inbox and the staff case page (N-4.1.2, SPEC §6.2).

The inbox lists every application routed to the user's agency (``Application.objects.for_user``
already scopes it and leaves out drafts), filtered, searched, sorted and paged, and exports the
filtered list to XLSX. Both run a constant number of SQL queries whatever the row count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .forms import InboxFilterForm

from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import islice

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from evalorg.accounts.models import Agency, Role
from evalorg.accounts.permissions import has_role
from evalorg.applications.materials import applicable_items
from evalorg.applications.models import Application, ApplicationOccupation, State
from evalorg.applications.submission import institution_snapshot
from evalorg.catalog.models import Division
from evalorg.core import clock
from evalorg.documents.xlsx import safe, styled, write_only_sheet
from evalorg.institutions.masking import mask_email, mask_id_number, mask_phone
from evalorg.institutions.models import Category, Institution

from .services import first_instance_stage, with_city_results
from .verification import checks_for

PAGE_SIZE = 25
INBOX_STATES = [(value, label) for value, label in State.choices if value != State.DRAFT]
# Sort by the lifecycle order of the states, not by their codes.
STATE_ORDER = Case(
    *[When(state=value, then=Value(n)) for n, value in enumerate(State.values)],
    output_field=IntegerField(),
)

# The refusal of the role check, said once for the decorator and the helper.
INBOX_ONLY = _lazy("仅地市评价指导机构和省职业技能服务指导中心可以访问受理清单。")
SORT_FIELDS = {"submitted_at": "submitted_at", "name": "institution__name", "state": "state_order"}
SORT_CHOICES = [
    ("-submitted_at", _lazy("提交时间（新→旧）")),
    ("submitted_at", _lazy("提交时间（旧→新）")),
    ("name", _lazy("机构名称（升序）")),
    ("-name", _lazy("机构名称（降序）")),
    ("state", _lazy("办理状态（流程顺序）")),
    ("-state", _lazy("办理状态（流程倒序）")),
]
DEFAULT_SORT = "-submitted_at"
EXPORT_HEADERS = [
    _lazy("序号"),
    _lazy("受理编号"),
    _lazy("机构名称"),
    _lazy("统一社会信用代码"),
    _lazy("机构类别"),
    _lazy("所在区县"),
    _lazy("申报职业"),
    _lazy("状态"),
    _lazy("需人工核查"),
    _lazy("提交时间"),
]
EXPORT_WIDTHS = [6, 16, 36, 22, 16, 12, 40, 14, 10, 18]
DATE_TIME = "yyyy-mm-dd hh:mm"
# Labels for this stage's audit events; the rest come from the case_tags filter.
# ---- inbox ----------------------------------------------------------------------------------


def require_inbox_user(user) -> None:
    if not has_role(user, Role.REVIEWING_STAFF):
        raise PermissionDenied(INBOX_ONLY)


def inbox_queryset(user) -> QuerySet:
    """The agency's applications with everything a row shows, in a fixed number of queries."""
    return with_row_data(Application.objects.for_user(user), user)


def with_row_data(qs: QuerySet, user) -> QuerySet:
    """What a row shows: institution, county, agency, occupations; the provincial center's
    rows also carry the sending city and its results (read-only)."""
    occupations = ApplicationOccupation.objects.select_related("occupation")
    qs = qs.select_related("institution", "institution__county", "receiving_agency")
    qs = qs.prefetch_related(Prefetch("occupations", queryset=occupations))
    if has_role(user, Role.PROVINCE_STAFF):
        qs = with_city_results(qs)
    return qs


# The columns a row shows (the JSON snapshot and eligibility results are not read per row).
ROW_FIELDS = (
    "acknowledgement_no",
    "state",
    "needs_review",
    "submitted_at",
    "institution__name",
    "institution__uscc",
    "institution__category",
    "institution__county__name",
    "receiving_agency__name",
)


def apply_filters(qs: QuerySet, form: InboxFilterForm) -> QuerySet:
    if query := form.value("q"):
        qs = qs.filter(
            Q(institution__name__icontains=query) | Q(institution__uscc__icontains=query)
        )
    if state := form.value("state"):
        qs = qs.filter(state=state)
    if round_ := form.value("round"):
        qs = qs.filter(round_id=round_)
    if category := form.value("category"):
        qs = qs.filter(institution__category=category)
    if county := form.value("county"):
        qs = qs.filter(institution__county_id=county)
    if agency := form.value("agency"):
        qs = qs.filter(receiving_agency_id=agency)
    qs = apply_city_result_filters(qs, form)
    if needs_review := form.value("needs_review"):
        qs = qs.filter(needs_review=needs_review == "1")
    if occupation := form.value("occupation"):
        lines = ApplicationOccupation.objects.filter(
            Q(occupation__code__icontains=occupation) | Q(occupation__name__icontains=occupation)
        )
        qs = qs.filter(pk__in=lines.values("application_id"))
    return apply_sort(qs, form.value("sort") or DEFAULT_SORT)


def apply_city_result_filters(qs: QuerySet, form: InboxFilterForm) -> QuerySet:
    """The provincial center filters on the cities' results (annotated by ``inbox_queryset``)."""
    if "city_total" not in qs.query.annotations:
        return qs
    minimum = form.cleaned_data.get("min_city_total")
    if minimum is not None:
        qs = qs.filter(city_total__gte=minimum)
    worst_rank = form.cleaned_data.get("max_city_rank")
    if worst_rank is not None:
        qs = qs.filter(city_rank__lte=worst_rank)
    return qs


def apply_sort(qs: QuerySet, sort: str) -> QuerySet:
    descending = sort.startswith("-")
    field = SORT_FIELDS[sort.lstrip("-")]
    if field == "state_order":
        qs = qs.annotate(state_order=STATE_ORDER)
    if descending:
        return qs.order_by(f"-{field}", "-pk")
    return qs.order_by(field, "pk")


def inbox_counties(scoped: QuerySet) -> QuerySet:
    """The counties of the institutions in the inbox, for the county filter.

    Asked division by division (is there an institution of this county with a case in the
    inbox?) rather than as the distinct counties of every case: on SQLite a few index probes
    per division instead of a join over all the agency's cases (issue 12; PostgreSQL plans
    both forms as one hash semi-join over the cases)."""
    in_inbox = scoped.filter(institution_id=OuterRef("pk"))
    institutions = Institution.objects.filter(county_id=OuterRef("code")).filter(Exists(in_inbox))
    return Division.objects.filter(Exists(institutions)).order_by("code")


def inbox_rounds(scoped: QuerySet) -> QuerySet:
    """The rounds with a case in the inbox, newest first, for the round filter (issue 22)."""
    from evalorg.rounds.models import Round

    return Round.objects.filter(Exists(scoped.filter(round_id=OuterRef("pk")))).order_by(
        "-published_on", "-pk"
    )


def inbox_agencies(scoped: QuerySet) -> QuerySet:
    """The receiving agencies of the cases in the provincial center's inbox, agency by agency
    (same reason as ``inbox_counties``)."""
    return Agency.objects.filter(Exists(scoped.filter(receiving_agency_id=OuterRef("pk"))))


def label_rows(applications: Iterable[Application]) -> None:
    """Each row's labels, occupations, submission time and case URL, worked out here once
    per page: ``get_FOO_display`` in the row loop was a sixth of the inbox's time, and the
    per-row ``{% url %}``, ``date`` filter and occupation loop most of the rest of the
    template's (cProfile, issue 12). The template prints them as it printed their sources."""
    labels = ExportLabels()
    head, tail = reverse("applications:detail", args=[0]).rsplit("/0/", 1)
    for application in applications:
        application.state_label = labels.states.get(application.state, application.state)
        category = application.institution.category
        application.category_label = labels.categories.get(category, category)
        groups = application.occupation_groups()  # from the prefetched lines
        application.occupations_text = "、".join(g.occupation.name for g in groups) or "—"
        application.submitted_text = local_text(application.submitted_at, "%Y-%m-%d %H:%M")
        application.city_sent_text = local_text(getattr(application, "city_sent_at", None))
        application.case_url = f"{head}/{application.pk}/{tail}"


def local_text(moment: datetime | None, pattern: str = "%m-%d %H:%M") -> str:
    """``moment`` in the current time zone, as the template's ``date`` filter shows it."""
    return timezone.localtime(moment).strftime(pattern) if moment else ""


def local_naive(moment: datetime | None) -> datetime | None:
    """Excel has no time zones: the Beijing time of ``moment``, without tzinfo."""
    if moment is None:
        return None
    return timezone.localtime(moment, clock.SHANGHAI).replace(tzinfo=None)


class ExportLabels:
    """The Chinese labels of the export's coded columns, translated once per export: Django's
    ``get_FOO_display`` hashes the lazy choices on every call, the largest cost per row."""

    def __init__(self) -> None:
        self.states = {value: str(label) for value, label in State.choices}
        self.categories = {value: str(label) for value, label in Category.choices}
        self.yes_no = {True: _("是"), False: _("否")}


EXPORT_CHUNK = 1000  # rows read at a time, with one query for their occupations: memory flat
# What a row shows, read as tuples (``values_list``), not as model instances.
EXPORT_COLUMNS = (
    "pk",
    "acknowledgement_no",
    "institution__name",
    "institution__uscc",
    "institution__category",
    "institution__county__name",
    "state",
    "needs_review",
    "submitted_at",
)


def export_rows(applications: QuerySet) -> Iterator[list]:
    """The export's numbered rows as plain values (str, int, naive datetime).

    Issue 12 (cProfile, 10,000 rows): building ``Application`` / ``Institution`` / ``Division``
    instances and their occupation prefetch was two thirds of the export's time; the rows
    are now tuples read in chunks, each chunk's occupation names in one query, the labels
    from dicts translated once."""
    labels = ExportLabels()
    values = (
        applications.prefetch_related(None)
        .values_list(*EXPORT_COLUMNS)
        .iterator(chunk_size=EXPORT_CHUNK)
    )
    number = 0
    while chunk := list(islice(values, EXPORT_CHUNK)):
        occupations = occupation_names([row[0] for row in chunk])
        for pk, ack_no, name, uscc, category, county, state, needs_review, submitted in chunk:
            number += 1
            yield [
                number,
                ack_no or "",
                name,
                uscc,
                labels.categories.get(category, category),
                county or "",
                occupations.get(pk, ""),
                labels.states.get(state, state),
                labels.yes_no[bool(needs_review)],
                local_naive(submitted),
            ]


def occupation_names(application_ids: list[int]) -> dict[int, str]:
    """Per application, its requested occupations' names joined with 、, each occupation once,
    in occupation code order (as ``Application.occupation_groups`` lists them)."""
    lines = (
        ApplicationOccupation.objects.filter(application_id__in=application_ids)
        .order_by("application_id", "occupation_id", "-level")
        .values_list("application_id", "occupation_id", "occupation__name")
    )
    names: dict[int, dict[str, str]] = {}
    for application_id, code, name in lines:
        names.setdefault(application_id, {}).setdefault(code, name)
    return {pk: "、".join(by_code.values()) for pk, by_code in names.items()}


def inbox_workbook(rows: Iterable[list], agency_name: str, at: datetime) -> Workbook:
    """The filtered list as a write-only XLSX: a title row (agency, export time), Chinese
    headers, then one row per application (``export_rows``), written as the rows are read."""
    book, sheet = write_only_sheet(_("受理清单"))
    for column, width in enumerate(EXPORT_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A3"
    sheet.merged_cells.add(f"A1:{get_column_letter(len(EXPORT_HEADERS))}1")
    title = _("%(agency)s备案申请受理清单（导出时间：%(at)s）") % {
        "agency": agency_name,
        "at": f"{local_naive(at):%Y-%m-%d %H:%M}",
    }
    title_style = {"font": Font(name="宋体", size=14, bold=True)}
    sheet.append([styled(sheet, title, **title_style, alignment=Alignment(horizontal="center"))])
    header_font = Font(name="宋体", bold=True)
    sheet.append([styled(sheet, str(h), font=header_font) for h in EXPORT_HEADERS])
    for *values, submitted in rows:
        sheet.append(
            [*(safe(v) for v in values), styled(sheet, submitted, number_format=DATE_TIME)]
        )
    return book


# ---- staff case page ------------------------------------------------------------------------

ANSWER_FIELDS = (
    "name",
    "uscc",
    "category",
    "other_kind",
    "level",
    "city",
    "county",
    "address",
    "legal_rep_name",
    "contact_name",
    "contact_phone",
    "contact_email",
    "recommended_by_authority",
    "recommending_authority",
)


CONTACT_FIELDS = ("contact_phone", "contact_email")


def contact_in_full(application: Application, field: str) -> tuple[str, str | None]:
    """The contact ``field`` unmasked, as submitted, and now when it has changed since."""
    snapshot = application.institution_snapshot or {}
    current = getattr(application.institution, field)
    submitted = snapshot.get(field, current) if snapshot else current
    return submitted, current if current != submitted else None


def institution_answers(application: Application) -> list[dict]:
    """The institution as submitted (snapshot), noting fields changed since; IDs masked."""
    snapshot = application.institution_snapshot or {}
    live = institution_snapshot(application)
    codes = {snapshot.get(k) for k in ("city", "county")} | {live["city"], live["county"]}
    divisions = Division.objects.in_bulk([c for c in codes if c])

    def shown(field: str, value) -> str:
        if field in ("city", "county"):
            return divisions[value].name if value in divisions else ""
        if field == "contact_phone":
            return mask_phone(value)
        if field == "contact_email":
            return mask_email(value)
        if isinstance(value, bool):
            return _("是") if value else _("否")
        choices = Institution._meta.get_field(field).choices
        return str(dict(choices).get(value, value)) if choices else (value or "")

    rows = []
    for field in ANSWER_FIELDS:
        value = shown(field, snapshot.get(field, live[field]) if snapshot else live[field])
        current = shown(field, live[field])
        label = Institution._meta.get_field(field).verbose_name
        rows.append(
            {
                "label": label,
                "value": value,
                "current": current if current != value else None,
                "field": field,
                "revealable": field in CONTACT_FIELDS,
            }
        )
        if field == "legal_rep_name":
            rows.append(
                {
                    "label": Institution._meta.get_field("legal_rep_id_number").verbose_name,
                    "value": mask_id_number(application.institution.legal_rep_id_number),
                    "current": None,
                    "masked": True,
                }
            )
    return rows


def material_rows(application: Application) -> list[dict]:
    """Per checklist item: the current files, the earlier (replaced) versions and the check."""
    # The checks of the current stage, or, once sent on, those of the first instance.
    checks = checks_for(application) or checks_for(
        application, first_instance_stage(application.receiving_agency)
    )
    grouped: dict[str, dict[str, list]] = {}
    for material in application.materials.select_related("file").order_by("item_code", "-pk"):
        versions = grouped.setdefault(material.item_code, {"current": [], "earlier": []})
        versions["current" if material.is_current else "earlier"].append(material)
    rows = []
    for item in applicable_items(application):
        versions = grouped.pop(item.code, {"current": [], "earlier": []})
        rows.append(
            {"code": item.code, "title": item.title, **versions, "check": checks.get(item.code)}
        )
    for code, versions in grouped.items():  # items that no longer apply keep their files
        rows.append({"code": code, "title": code, **versions, "check": checks.get(code)})
    return rows
