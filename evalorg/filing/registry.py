"""The public registry of filed organizations (N-5.2): search, rows, open-data fields.

One row per filing letter (a supplementary letter too): the organization, its city and
category, the occupations and levels filed under that letter (lines still ``filed``), the
letter's number, date and validity.
No personal data: no names, ID numbers, phones or e-mails of persons.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from evalorg.accounts.models import Agency
from evalorg.applications.models import ApplicationOccupation, SkillLevel
from evalorg.catalog.models import Division
from evalorg.core import clock
from evalorg.core.workflow import Recipients
from evalorg.institutions.models import Category, FormerName, Institution

from .models import FilingLetter

FILED = ApplicationOccupation.Status.FILED


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    description: str
    example: str


FIELDS: tuple[Field, ...] = (
    Field("organization", _("机构名称"), _("备案的社会培训评价组织名称。"), "广州某某职业培训学校"),
    Field("uscc", _("统一社会信用代码"), _("18 位，GB 32100-2015。"), "91440101MA5XXXXXX0"),
    Field("city", _("所在地级市"), _("机构所在的地级以上市。"), "广州市"),
    Field(
        "category",
        _("机构类别"),
        _("龙头企业、院校、民办职业培训学校或其他机构（N-2.1）。"),
        "院校",
    ),
    Field(
        "occupations",
        _("备案职业（工种）及等级"),
        _(
            "CSV 中为“职业编码 职业名称（等级、等级）”，多个职业以“；”分隔；"
            "JSON 中为列表，每项含 code、name、level（5 至 1）、level_label。"
        ),
        "6-18-02-04 焊工（五级/初级工、四级/中级工）",
    ),
    Field("letter_number", _("备案函编号"), _("备案函的文号。"), "粤职评备〔2023〕001号"),
    Field("filed_on", _("备案日期"), _("备案函签发日期，格式 YYYY-MM-DD。"), "2023-12-01"),
    Field(
        "valid_until",
        _("有效期至"),
        _("含当天，格式 YYYY-MM-DD；新增职业沿用原备案函的有效期（N-2.2）。"),
        "2028-11-30",
    ),
    Field(
        "status",
        _("状态"),
        _(
            "“有效”“暂停”“已取消”或“已过期”（按查询当天判断；暂停、取消备案见处理决定公告，"
            "N-5.2）。"
        ),
        "有效",
    ),
    Field(
        "former_names",
        _("曾用名"),
        _(
            "经审核同意变更名称前使用的名称，按使用先后排列；CSV 中以“；”分隔，JSON 中为列表"
            "（N-5.2）。"
        ),
        "广州某某培训中心",
    ),
)


FIELDS += (
    Field(
        "status_history",
        _("状态变化"),
        _(
            "该机构备案状态的历次变化，按日期先后：备案、暂停、恢复、取消备案、过期、延续；"
            "JSON 中为列表（day、status、what、clause），CSV 中以“；”分隔（N-5.2）。"
        ),
        "2023-12-01 正常 备案（粤职评备〔2023〕001号）",
    ),
    Field(
        "org_status",
        _("机构状态"),
        _(
            "“正常”“暂停”（暂停期间不受理认定计划）或“已取消”（取消备案，N-5.2）；"
            "单个职业（工种）被取消备案时，JSON 中该职业的 status 为“已取消”。"
        ),
        "正常",
    ),
)


# ---- the local agency of a filed organization (属地监管, N-5.2) --------------------------------


def _latest_letter(institution_ref: int | OuterRef) -> QuerySet[FilingLetter]:
    return FilingLetter.objects.filter(application__institution_id=institution_ref).order_by(
        "-issued_on", "-pk"
    )


def local_agency(institution_id: int) -> Agency | None:
    """The local agency of a filed organization (属地监管): the agency that received its latest
    filed case, i.e. its city, or the center for provincial organizations; None when it is not
    filed. Plans, sanctions, complaints and renewals are routed to it (one query)."""
    letter = _latest_letter(institution_id).select_related("application__receiving_agency").first()
    return letter.application.receiving_agency if letter else None


def local_agency_id(institution_ref: OuterRef) -> Subquery:
    """``local_agency`` as a subquery, for a list of organizations in one query."""
    return Subquery(_latest_letter(institution_ref).values("application__receiving_agency_id")[:1])


def agency_recipients(agency: Agency, url: str, *, emails: bool = True) -> Recipients:
    """A local agency as a party of a message: its active staff (in-app) and, with ``emails``,
    the agency's address and theirs."""
    users = list(get_user_model().objects.filter(agency_id=agency.pk, is_active=True))
    if not emails:
        return Recipients(users=users, url=url)
    return Recipients(users=users, emails=[agency.email, *(u.email for u in users)], url=url)


# ---- the status sanctions give (a later stage registers it; filing imports no sanction) -------


@dataclass(frozen=True)
class StatusSource:
    """How a later stage (sanctions) adds each organization's status to the registry:
    ``annotate_letters`` adds ``org_status`` (``suspension``, ``revocation`` or None) to the
    letters, ``annotate_lines`` adds ``line_revoked`` to the filed lines, ``fingerprint``
    changes whenever a status may have changed (the ETag covers it)."""

    annotate_letters: Callable[[QuerySet[FilingLetter]], QuerySet[FilingLetter]]
    annotate_lines: Callable[[QuerySet[ApplicationOccupation]], QuerySet[ApplicationOccupation]]
    fingerprint: Callable[[], str]
    # The dated status changes of each given organization, oldest first (objects with ``day``,
    # ``status``, ``what`` and ``clause``), in a fixed number of queries however many.
    histories: Callable[[Collection[int]], dict[int, list[Any]]]


_status_sources: list[StatusSource] = []


def register_status_source(source: StatusSource) -> None:
    if _status_sources:
        raise ImproperlyConfigured("The registry's status source is registered twice.")
    _status_sources.append(source)


def with_status(letters: QuerySet[FilingLetter]) -> QuerySet[FilingLetter]:
    for source in _status_sources:
        letters = source.annotate_letters(letters)
    return letters


def lines_with_status(lines: QuerySet[ApplicationOccupation]) -> QuerySet[ApplicationOccupation]:
    for source in _status_sources:
        lines = source.annotate_lines(lines)
    return lines


# More dated changes of organizations' status (renewal: expiry and renewals), merged by day;
# batched like ``StatusSource.histories``.
HistorySource = Callable[[Collection[int]], dict[int, list[Any]]]
_history_sources: list[HistorySource] = []


def register_history_source(source: HistorySource) -> None:
    if source in _history_sources:
        raise ImproperlyConfigured(f"The registry history source {source!r} is registered twice.")
    _history_sources.append(source)


def histories_of(institution_ids: Collection[int]) -> dict[int, list[Any]]:
    """Each organization's status history from the status source and the history sources,
    oldest first (none registered: none), in a fixed number of queries."""
    merged: dict[int, list[Any]] = {pk: [] for pk in institution_ids}
    sources = [s.histories for s in _status_sources] + _history_sources
    for source in sources:
        for pk, changes in source(list(merged)).items():
            merged[pk] += changes
    return {pk: sorted(changes, key=lambda change: change.day) for pk, changes in merged.items()}


def history_of(institution: Institution) -> list[Any]:
    return histories_of([institution.pk])[institution.pk]


# ---- links a later stage adds to an organization's registry page (complaints: 投诉) ---------

_organization_links: list[tuple[str, str]] = []


def register_organization_link(label: str, url_name: str) -> None:
    """A link on each organization's registry page to ``url_name`` with the organization's id."""
    if any(name == url_name for _label, name in _organization_links):
        raise ImproperlyConfigured(f"The registry link {url_name!r} is registered twice.")
    _organization_links.append((label, url_name))


def organization_links(institution_id: int) -> list[tuple[str, str]]:
    return [(label, reverse(name, args=[institution_id])) for label, name in _organization_links]


ORG_STATUS = {None: _("正常"), "suspension": _("暂停"), "revocation": _("已取消")}


def org_status_of(letter: FilingLetter) -> str:
    return str(ORG_STATUS.get(getattr(letter, "org_status", None), ORG_STATUS[None]))


def cities() -> QuerySet[Division]:
    return Division.objects.filter(level=Division.Level.PREFECTURE, code__startswith="44").order_by(
        "code"
    )


# 2 to 17 characters of the USCC alphabet with a digit: most likely part of a code (issue 22).
PARTIAL_USCC = re.compile(r"^(?=.*\d)[0-9A-HJ-NP-RTUWXY]{2,17}$")


def partial_uscc_hint(params) -> str:
    """Why a partial USCC finds nothing: codes are matched whole (no enumeration by prefix)."""
    q = (params.get("q") or "").strip().upper()
    if not PARTIAL_USCC.match(q):
        return ""
    return _(
        "统一社会信用代码须输入完整的 18 位才能查询（您输入了 %(n)s 位）；"
        "按机构名称查询时，输入名称中的任意部分即可。"
    ) % {"n": len(q)}


def search(params) -> QuerySet[FilingLetter]:
    """Letters matching the query parameters ``q`` (name or USCC), ``city`` (division code),
    ``occupation`` (code or name) and ``level`` (5..1); unknown values match nothing odd."""
    letters = FilingLetter.objects.for_registry().order_by("-issued_on", "-pk")
    q = (params.get("q") or "").strip()
    if q:
        former = FormerName.objects.filter(
            institution_id=OuterRef("application__institution_id"), name__icontains=q
        )
        letters = letters.filter(
            Q(application__institution__name__icontains=q)
            | Q(application__institution__uscc__iexact=q)
            | Exists(former)
        )
    city = (params.get("city") or "").strip()
    if city:
        letters = letters.filter(application__institution__city_id=city)
    occupation = (params.get("occupation") or "").strip()
    level = (params.get("level") or "").strip()
    if occupation or level:
        lines = ApplicationOccupation.objects.filter(
            application_id=OuterRef("application_id"), status=FILED
        )
        if occupation:
            lines = lines.filter(
                Q(occupation_id=occupation) | Q(occupation__name__icontains=occupation)
            )
        if level:
            if not level.isdigit() or int(level) not in SkillLevel.values:
                return letters.none()
            lines = lines.filter(level=int(level))
        letters = letters.filter(Exists(lines))
    return letters


def occupations_of(letter: FilingLetter) -> list[dict]:
    """The lines the letter filed (as written in it) that are still filed, from the prefetch
    (no query): a case filed early and later completed by a supplementary letter (补充备案函)
    has two rows, each with its own lines and the same validity."""
    written = {(o["code"], o["level"]) for o in letter.occupations}
    return [
        {
            "code": line.occupation_id,
            "name": line.occupation.name,
            "level": line.level,
            "level_label": str(line.get_level_display()),
            "status": str(_("已取消") if getattr(line, "line_revoked", False) else _("正常")),
        }
        for line in sorted(
            letter.application.filed_lines, key=lambda line: (line.occupation_id, -line.level)
        )
        if (line.occupation_id, line.level) in written
    ]


def occupations_text(occupations: list[dict]) -> str:
    grouped: dict[tuple[str, str], list[str]] = {}
    for o in occupations:
        grouped.setdefault((o["code"], o["name"]), []).append(o["level_label"])
    return "；".join(
        f"{code} {name}（{'、'.join(levels)}）" for (code, name), levels in grouped.items()
    )


def status_of(letter: FilingLetter, today: date) -> str:
    """已取消 or 暂停 (an effective sanction) before 已过期 or 有效 (the letter's validity)."""
    sanctioned = getattr(letter, "org_status", None)
    if sanctioned:
        return org_status_of(letter)
    return str(_("有效")) if letter.valid_until >= today else str(_("已过期"))


def row(letter: FilingLetter, today: date) -> dict:
    institution = letter.application.institution
    return {
        "organization": institution.name,
        "uscc": institution.uscc,
        "city": institution.city.name if institution.city else "",
        "category": str(institution.get_category_display()),
        "occupations": occupations_of(letter),
        "letter_number": letter.number,
        "filed_on": letter.issued_on.isoformat(),
        "valid_until": letter.valid_until.isoformat(),
        "status": status_of(letter, today),
        "former_names": [former.name for former in institution.former_names.all()],
        "org_status": org_status_of(letter),
    }


def fingerprint() -> tuple[str, datetime | None]:
    """(ETag base, Last-Modified) of the whole registry: changes with any letter or filed line
    and with the day (a letter's status depends on today)."""
    letters = FilingLetter.objects.aggregate(n=Count("pk"), latest=Max("updated_at"))
    lines = ApplicationOccupation.objects.filter(status=FILED).aggregate(
        n=Count("pk"), top=Max("pk")
    )
    # Every field a row shows: the organization's own (name, USCC, city, category, former
    # names: an approved identity change saves the institution) as well as the letter's.
    shown = Institution.objects.filter(applications__filing_letters__isnull=False).aggregate(
        latest=Max("updated_at"), names=Count("former_names", distinct=True)
    )
    basis = (
        f"{letters['n']}:{letters['latest']}:{lines['n']}:{lines['top']}:"
        f"{shown['latest']}:{shown['names']}:{clock.today()}:"
        + ":".join(source.fingerprint() for source in _status_sources)
    )
    latest = max((t for t in (letters["latest"], shown["latest"]) if t), default=None)
    return hashlib.sha256(basis.encode()).hexdigest()[:32], latest


# ---- the whole registry as open data (CSV, JSON) -----------------------------------------------

# Letters read per batch: one query for their lines and one for their former names per batch.
EXPORT_BATCH = 1000
LETTER_COLUMNS = (
    "application_id",
    "occupations",
    "number",
    "issued_on",
    "valid_until",
    "application__institution_id",
    "application__institution__name",
    "application__institution__uscc",
    "application__institution__city__name",
    "application__institution__category",
)


@dataclass(frozen=True)
class Labels:
    """Every label a registry row shows, translated once per export (at 10,000 letters the
    per-row lookups were 18 ``gettext`` calls a letter and most of the CPU time, issue 24)."""

    categories: dict[str, str]
    levels: dict[int, str]
    org_status: dict[str | None, str]
    line_status: dict[bool, str]
    valid: str
    expired: str

    @classmethod
    def now(cls) -> Labels:
        return cls(
            categories={key: str(label) for key, label in Category.choices},
            levels={key: str(label) for key, label in SkillLevel.choices},
            org_status={key: str(label) for key, label in ORG_STATUS.items()},
            line_status={True: str(_("已取消")), False: str(_("正常"))},
            valid=str(_("有效")),
            expired=str(_("已过期")),
        )


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def export_rows(
    letters: QuerySet[FilingLetter], today: date, batch: int = EXPORT_BATCH
) -> Iterator[list[dict]]:
    """The rows of ``letters`` (``search``'s result) as ``row`` gives them, in batches: the
    letters read as tuples in chunks, then per batch one query for the filed lines (with the
    status source's ``line_revoked``) and one for the former names; flat memory."""
    labels = Labels.now()
    with_org_status = "org_status" in letters.query.annotations
    columns = (*LETTER_COLUMNS, "org_status") if with_org_status else LETTER_COLUMNS
    tuples = letters.prefetch_related(None).values_list(*columns).iterator(chunk_size=batch)
    for found in _batches(tuples, batch):
        lines = _filed_lines({letter[0] for letter in found}, labels)
        institutions = {letter[5] for letter in found}
        former = _former_names(institutions)
        history = _histories(institutions)
        yield [_export_row(letter, lines, former, history, labels, today) for letter in found]


def _histories(institution_ids: set[int]) -> dict[int, list[dict]]:
    """Each organization's dated status changes as open data (a fixed number of queries)."""
    return {
        pk: [
            {
                "day": change.day.isoformat(),
                "status": str(change.status),
                "what": str(change.what),
                "clause": change.clause,
            }
            for change in changes
        ]
        for pk, changes in histories_of(institution_ids).items()
    }


def history_text(changes: list[dict]) -> str:
    """A status history in one CSV cell: "2023-12-01 正常 备案（…）；2024-03-08 暂停 …"."""
    return "；".join(
        f"{c['day']} {c['status']} {c['what']}" + (f"（{c['clause']}）" if c["clause"] else "")
        for c in changes
    )


def _filed_lines(application_ids: set[int], labels: Labels) -> dict[int, list[dict]]:
    """Application id -> its filed lines, in the order ``occupations_of`` gives (one query)."""
    lines = lines_with_status(
        ApplicationOccupation.objects.filter(application_id__in=application_ids, status=FILED)
    )
    revoked = "line_revoked" in lines.query.annotations
    columns = ("application_id", "occupation_id", "occupation__name", "level")
    found = lines.order_by("application_id", "occupation_id", "-level").values_list(
        *columns, *(("line_revoked",) if revoked else ())
    )
    by_case: dict[int, list[dict]] = {}
    for application_id, code, name, level, *rest in found:
        by_case.setdefault(application_id, []).append(
            {
                "code": code,
                "name": name,
                "level": level,
                "level_label": labels.levels[level],
                "status": labels.line_status[bool(rest and rest[0])],
            }
        )
    return by_case


def _former_names(institution_ids: set[int]) -> dict[int, list[str]]:
    names = FormerName.objects.filter(institution_id__in=institution_ids).order_by(
        "used_until", "pk"
    )
    by_institution: dict[int, list[str]] = {}
    for institution_id, name in names.values_list("institution_id", "name"):
        by_institution.setdefault(institution_id, []).append(name)
    return by_institution


def _export_row(
    letter: tuple,
    lines: dict[int, list[dict]],
    former: dict[int, list[str]],
    history: dict[int, list[dict]],
    labels: Labels,
    today: date,
) -> dict:
    application_id, written_lines, number, issued_on, valid_until, institution_id = letter[:6]
    name, uscc, city, category, *status = letter[6:]
    written = {(o["code"], o["level"]) for o in written_lines}
    org_status = status[0] if status else None
    org_label = labels.org_status.get(org_status, labels.org_status[None])
    dated = labels.valid if valid_until >= today else labels.expired
    return {
        "organization": name,
        "uscc": uscc,
        "city": city or "",
        "category": labels.categories.get(category, category),
        "occupations": [
            line
            for line in lines.get(application_id, ())
            if (line["code"], line["level"]) in written
        ],
        "letter_number": number,
        "filed_on": issued_on.isoformat(),
        "valid_until": valid_until.isoformat(),
        "status": org_label if org_status else dated,
        "former_names": former.get(institution_id, []),
        "status_history": history.get(institution_id, []),
        "org_status": org_label,
    }
