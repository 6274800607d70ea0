"""A filed identity is fixed (issue 21 item 1, N-2.1, N-5.2).

Once an institution has a filing or an open application, its name, legal form (category and
kind) and registered address (city, county, address) change only through an
``IdentityChange`` that the supervising agency approves with evidence (the city agency of the
institution's city, or the provincial center): ``approve`` applies it and keeps the old name as
a ``FormerName`` (the public registry shows them); ``reject`` leaves the institution as it was.
Both are told to the organization. The USCC never changes after sign-up: a new USCC is a new
organization.

Whether an institution is locked is asked of the stages above (this app imports none of them):
each registers a predicate with ``register_identity_lock``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.models import Role, User
from evalorg.accounts.permissions import has_role
from evalorg.catalog.models import Division
from evalorg.core import audit, clock
from evalorg.core.audit import Audience
from evalorg.core.files import UploadRefused, atomic_uploads, store_upload
from evalorg.core.todo import Source, Stage, register_source
from evalorg.core.workflow import (
    Channel,
    Party,
    Recipients,
    Refusal,
    Tell,
    Transition,
    TransitionRefused,
    announce,
    define,
    register_description,
    register_party,
)

from .models import Category, FormerName, IdentityChange, Institution, OtherKind

CLAUSE = "N-5.2"
USCC_CLAUSE = "N-2.1"
IDENTITY_FIELDS = ("name", "category", "other_kind", "city", "county", "address")
EVIDENCE_KINDS = ["pdf", "jpeg", "png"]
EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
Status = IdentityChange.Status

CHANGES = define(IdentityChange, "status", "identity_change")

Lock = Callable[[Institution], bool]
_locks: dict[str, Lock] = {}


def register_identity_lock(name: str, locked: Lock) -> None:
    """A stage says when an institution's identity is fixed (applications: an open application
    or a filed one). Registering a name twice raises."""
    from django.core.exceptions import ImproperlyConfigured

    if name in _locks:
        raise ImproperlyConfigured(f"Identity lock {name!r} is registered twice.")
    _locks[name] = locked


def identity_locked(institution: Institution) -> bool:
    return any(locked(institution) for locked in _locks.values())


LOCKED_MESSAGE = _lazy(
    "贵机构已有备案或在办申请，机构名称、机构类别和注册地址不能在此直接修改，"
    "请提交登记信息变更申请，经所在地评价指导机构审核同意后变更。"
)
USCC_FIXED_MESSAGE = _lazy(
    "统一社会信用代码注册后不能更改；统一社会信用代码不同即为另一机构，请另行注册。"
)


def locked_refusal() -> Refusal:
    return Refusal(CLAUSE, str(LOCKED_MESSAGE))


def uscc_refusal() -> Refusal:
    return Refusal(USCC_CLAUSE, str(USCC_FIXED_MESSAGE))


# ---- values and their display -------------------------------------------------------------


def identity_of(institution: Institution) -> dict[str, str]:
    """The identity fields as stored (divisions by code)."""
    return {
        "name": institution.name,
        "category": institution.category,
        "other_kind": institution.other_kind,
        "city": institution.city_id or "",
        "county": institution.county_id or "",
        "address": institution.address,
    }


def field_label(name: str) -> str:
    return str(Institution._meta.get_field(name).verbose_name)


def _display(name: str, value: str, divisions: dict[str, str]) -> str:
    if name == "category":
        return str(Category(value).label) if value in Category.values else value
    if name == "other_kind":
        return str(OtherKind(value).label) if value in OtherKind.values else ""
    if name in ("city", "county"):
        return divisions.get(value, value)
    return value


def rows(change: IdentityChange) -> list[dict[str, str]]:
    """One row per changed field: its label, the value before and after (one query)."""
    codes = {change.before.get(k, "") for k in ("city", "county") if k in change.after} | {
        change.after.get(k, "") for k in ("city", "county") if k in change.after
    }
    divisions = dict(Division.objects.filter(code__in=codes).values_list("code", "name"))
    return [
        {
            "label": field_label(name),
            "before": _display(name, change.before.get(name, ""), divisions),
            "after": _display(name, value, divisions),
        }
        for name, value in change.after.items()
    ]


# ---- the workflow -------------------------------------------------------------------------


def supervises(change: IdentityChange, user: Any) -> bool:
    """The center supervises every organization; a city agency those of its city."""
    if has_role(user, Role.PROVINCE_STAFF):
        return True
    agency = getattr(user, "agency", None)
    return (
        has_role(user, Role.CITY_STAFF)
        and agency is not None
        and agency.division_id == change.institution.city_id
    )


def name_free(change: IdentityChange, actor: Any, data: dict[str, Any]) -> Refusal | None:
    name = change.after.get("name")
    if name and name_taken(name, change.institution_id):
        return Refusal(CLAUSE, _("已有其他机构使用该名称，不能变更为该名称。"))
    return None


def name_taken(name: str, institution_id: int) -> bool:
    return Institution.objects.filter(name=name).exclude(pk=institution_id).exists()


def apply_change(change: IdentityChange, actor: Any, data: dict[str, Any]) -> None:
    institution = Institution.objects.select_for_update().get(pk=change.institution_id)
    today = clock.today()
    if "name" in change.after and change.after["name"] != institution.name:
        FormerName.objects.create(
            institution=institution, name=institution.name, used_until=today, change=change
        )
    for name, value in change.after.items():
        if name in ("city", "county"):
            setattr(institution, f"{name}_id", value or None)
        else:
            setattr(institution, name, value)
    institution.save()
    audit.record(
        "institution_identity_changed",
        institution,
        actor=actor,
        data={"change": change.pk, "changed": sorted(change.after)},
        audience=Audience.APPLICANT,
    )
    change.decided_at = clock.now()


def mark_decided(change: IdentityChange, actor: Any, data: dict[str, Any]) -> None:
    change.decided_at = clock.now()


TELL_APPROVED = Tell(
    Party.APPLICANT,
    _lazy("登记信息变更已同意：%(institution)s"),
    _lazy(
        "%(institution)s：\n贵机构于 %(at)s 提交的登记信息变更申请已经审核同意，"
        "变更后的信息已生效，公开的备案名录同步显示（N-5.2）。%(reason_line)s"
    ),
)
TELL_REJECTED = Tell(
    Party.APPLICANT,
    _lazy("登记信息变更未同意：%(institution)s"),
    _lazy(
        "%(institution)s：\n贵机构于 %(at)s 提交的登记信息变更申请未获同意，"
        "登记信息保持不变（N-5.2）。%(reason_line)s"
    ),
)
TELL_REQUESTED = Tell(
    Party.RECEIVING_AGENCY,
    _lazy("登记信息变更申请待审核：%(institution)s"),
    _lazy("%(institution)s 提交了登记信息变更申请，请核对证明材料后审核（N-5.2）。"),
    channel=Channel.IN_APP,
)

APPROVE = Transition(
    action="approve_identity_change",
    label=_lazy("同意变更"),
    sources=frozenset({Status.PENDING}),
    target=Status.APPROVED,
    roles=Role.REVIEWING_STAFF,
    relation=supervises,
    guards=(name_free,),
    effects=(apply_change,),
    audience=Audience.APPLICANT,
    reason_to_applicant=True,
    confirm=_lazy("确定同意变更吗？同意后机构登记信息立即变更，公开名录同步显示。"),
    tell=(TELL_APPROVED,),
)
REJECT = Transition(
    action="reject_identity_change",
    label=_lazy("不同意变更"),
    sources=frozenset({Status.PENDING}),
    target=Status.REJECTED,
    roles=Role.REVIEWING_STAFF,
    relation=supervises,
    effects=(mark_decided,),
    needs_reason=True,
    style="outline-danger",
    confirm=_lazy("确定不同意该变更吗？机构将收到未同意的通知及理由。"),
    audience=Audience.APPLICANT,
    reason_to_applicant=True,
    tell=(TELL_REJECTED,),
)


def change_url(change: IdentityChange) -> str:
    return reverse("institutions:identity_change", args=[change.pk])


def organization(change: IdentityChange) -> Recipients:
    """The institution's active accounts and its contact address."""
    users = list(
        User.objects.filter(membership__institution_id=change.institution_id, is_active=True)
    )
    emails = [change.institution.contact_email, *(u.email for u in users)]
    return Recipients(
        users=users, emails=[e for e in emails if e], url=reverse("institutions:profile")
    )


def supervisors(change: IdentityChange) -> Recipients:
    """The staff of the city agency of the institution's city."""
    users = list(
        User.objects.filter(
            role=Role.CITY_STAFF,
            agency__division_id=change.institution.city_id,
            agency__kind="city",
            is_active=True,
        )
    )
    return Recipients(users=users, url=change_url(change))


def describe(change: IdentityChange) -> dict[str, Any]:
    return {
        "institution": change.before.get("name") or change.institution.name,
        "at": f"{timezone.localtime(change.requested_at):%Y年%m月%d日}",
    }


# Pending requests are work for the supervising agency (the to-do list, issue 19).
CHANGE_SOURCE = Source(
    model=IdentityChange,
    scope=lambda user: changes_for(user),
    link=lambda change, transition: change_url(change),
    stage=Stage.SUPERVISION,
    title=lambda change: str(change.institution),
)


def register_identity_workflow() -> None:
    CHANGES.register(APPROVE, REJECT)
    register_source(CHANGE_SOURCE)
    register_party(IdentityChange, Party.APPLICANT, organization)
    register_party(IdentityChange, Party.RECEIVING_AGENCY, supervisors)
    register_description(IdentityChange, describe)


# ---- services -----------------------------------------------------------------------------


def changes_for(user: Any) -> QuerySet[IdentityChange]:
    """The requests a staff user decides: the center all, a city agency its city's."""
    changes = IdentityChange.objects.select_related("institution", "institution__city")
    if has_role(user, Role.PROVINCE_STAFF):
        return changes
    agency = getattr(user, "agency", None)
    if has_role(user, Role.CITY_STAFF) and agency is not None:
        return changes.filter(institution__city_id=agency.division_id)
    return changes.none()


def request_change(
    institution: Institution,
    user: Any,
    *,
    after: dict[str, str],
    explanation: str,
    evidence: Any,
) -> IdentityChange:
    """Store a pending request for the fields that differ; ``TransitionRefused`` if nothing
    differs, a request is pending already, or the new name is another institution's; a refused
    evidence upload raises ``UploadRefused``."""
    before = identity_of(institution)
    changed = {k: v for k, v in after.items() if k in IDENTITY_FIELDS and v != before[k]}
    refusals = _request_refusals(institution, changed)
    if refusals:
        raise TransitionRefused(refusals)
    with atomic_uploads():
        stored = store_upload(
            evidence, allowed_kinds=EVIDENCE_KINDS, max_bytes=EVIDENCE_MAX_BYTES, user=user
        )
        change = IdentityChange.objects.create(
            institution=institution,
            before=before,
            after=changed,
            explanation=explanation.strip(),
            evidence=stored,
            requested_by=user,
            requested_at=clock.now(),
        )
        audit.record(
            "identity_change_requested",
            change,
            actor=user,
            data={"institution": institution.pk, "fields": sorted(changed)},
            audience=Audience.APPLICANT,
        )
        announce(change, TELL_REQUESTED)
    return change


def _request_refusals(institution: Institution, changed: dict[str, str]) -> list[Refusal]:
    if not changed:
        return [Refusal(CLAUSE, _("变更后的信息与现有登记信息相同，无需申请变更。"))]
    if IdentityChange.objects.filter(institution=institution, status=Status.PENDING).exists():
        return [Refusal(CLAUSE, _("已有一份登记信息变更申请正在审核，请等待审核结果。"))]
    if "name" in changed and name_taken(changed["name"], institution.pk):
        return [Refusal(CLAUSE, _("已有其他机构使用该名称，不能变更为该名称。"))]
    return []


__all__ = [
    "CHANGES",
    "IDENTITY_FIELDS",
    "UploadRefused",
    "changes_for",
    "identity_locked",
    "register_identity_lock",
    "request_change",
    "rows",
]
