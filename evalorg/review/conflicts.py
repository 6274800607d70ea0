"""Conflicts of interest (回避): the one rule, declared by each expert and detected automatically.

An expert is conflicted for (panel, application) when their declaration on that panel says a
conflict (kind other than none), or the detection stored with it is not empty, or the detection
computed now finds a reason: the expert's employer USCC is the institution's, the expert's
e-mail or phone is the institution's contact, or the expert has an account at the institution.

Every page and rule asks ``ConflictIndex``, which loads what it needs for many cases at once in
a constant number of queries.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from evalorg.applications.models import Application
from evalorg.core import audit
from evalorg.institutions.models import Institution, Membership

from .models import Assignment, ConflictDeclaration, ConflictKind, Panel, PanelMember, Scoresheet

SEPARATOR = "；"


def _pk(obj) -> int:
    return getattr(obj, "pk", obj)


def _computed(expert, profile, institution: Institution, *, is_member: bool) -> list[str]:
    """The detection rules on rows already loaded."""
    reasons = []
    uscc = (profile.employer_uscc if profile else "") or ""
    if uscc and uscc.upper() == institution.uscc:
        reasons.append(_("专家工作单位统一社会信用代码与申请机构相同"))
    contacts = {(institution.contact_email or "").lower(), institution.contact_phone or ""}
    contacts.discard("")
    if (expert.email and expert.email.lower() in contacts) or (
        expert.phone and expert.phone in contacts
    ):
        reasons.append(_("专家是申请机构的联系人"))
    if is_member:
        reasons.append(_("专家是申请机构的系统账户"))
    return reasons


class ConflictIndex:
    """Declarations, expert profiles and institution accounts of some cases, loaded in bulk."""

    def __init__(
        self,
        institutions: dict[int, Institution],
        declarations: dict[tuple[int, int, int], ConflictDeclaration],
        experts: dict[int, object],
        accounts: set[tuple[int, int]],
    ) -> None:
        self._institutions = institutions  # application id -> institution
        self._declarations = declarations  # (panel, application, expert) -> declaration
        self._experts = experts  # expert id -> user with its expert_profile loaded
        self._accounts = accounts  # (institution id, user id)

    @classmethod
    def for_applications(
        cls, applications: Iterable[Application], experts: Iterable | None = None
    ) -> ConflictIndex:
        """Load the rule's data for ``applications`` and ``experts`` (users or ids; default:
        every expert assigned to, declaring on or scoring these cases). At most four queries."""
        applications = list(applications)
        if not applications:
            return cls({}, {}, {}, set())
        institutions = _institutions(applications)
        app_ids = [a.pk for a in applications]
        declarations = ConflictDeclaration.objects.filter(application_id__in=app_ids)
        if experts is None:
            expert_filter = _involved(app_ids)
        else:
            ids = {_pk(e) for e in experts}
            expert_filter = Q(pk__in=ids)
            declarations = declarations.filter(expert_id__in=ids)
        users = get_user_model().objects.filter(expert_filter).select_related("expert_profile")
        accounts = Membership.objects.filter(
            institution_id__in={i.pk for i in institutions.values()}
        ).values_list("institution_id", "user_id")
        return cls(
            institutions,
            {(d.panel_id, d.application_id, d.expert_id): d for d in declarations},
            {u.pk: u for u in users},
            set(accounts),
        )

    def declaration(self, panel_id: int, expert, application) -> ConflictDeclaration | None:
        return self._declarations.get((panel_id, _pk(application), _pk(expert)))

    def computed(self, expert, application) -> list[str]:
        """What the detection finds now, whatever was stored."""
        user = self._user(expert)
        institution = self._institutions[_pk(application)]
        profile = getattr(user, "expert_profile", None)
        is_member = (institution.pk, user.pk) in self._accounts
        return _computed(user, profile, institution, is_member=is_member)

    def reasons(self, panel_id: int, expert, application) -> list[str]:
        """Detected reasons: those stored with the declaration and those computed now."""
        declaration = self.declaration(panel_id, expert, application)
        stored = declaration.detected.split(SEPARATOR) if declaration else []
        found = [r for r in stored if r] + self.computed(expert, application)
        return list(dict.fromkeys(found))

    def detected(self, panel_id: int, expert, application) -> str:
        return SEPARATOR.join(self.reasons(panel_id, expert, application))

    def is_conflicted(self, panel_id: int, expert, application) -> bool:
        declaration = self.declaration(panel_id, expert, application)
        if declaration is not None and declaration.kind != ConflictKind.NONE:
            return True
        return bool(self.reasons(panel_id, expert, application))

    def conflicted_anywhere(self, expert, application) -> bool:
        """Conflicted on some panel's declaration for the case, or detected now."""
        app_id, expert_id = _pk(application), _pk(expert)
        panels = {p for (p, a, e) in self._declarations if a == app_id and e == expert_id}
        if any(self.is_conflicted(p, expert, application) for p in panels):
            return True
        return bool(self.computed(expert, application))

    def _user(self, expert):
        user = self._experts.get(_pk(expert))
        if user is None:  # not loaded by the caller's choice of experts: fetch it (one query)
            user = get_user_model().objects.select_related("expert_profile").get(pk=_pk(expert))
            self._experts[user.pk] = user
        return user


def _institutions(applications: list[Application]) -> dict[int, Institution]:
    """Application id -> institution, reusing institutions already loaded (one query at most)."""
    loaded = {a.pk: a.institution for a in applications if Application.institution.is_cached(a)}
    missing = {a.institution_id for a in applications if a.pk not in loaded}
    fetched = Institution.objects.in_bulk(missing) if missing else {}
    for application in applications:
        loaded.setdefault(application.pk, fetched.get(application.institution_id))
    return loaded


def _involved(app_ids: list[int]) -> Q:
    """Every user assigned to, declaring on or scoring one of these cases."""
    members = PanelMember.objects.filter(panel__assignments__application_id__in=app_ids)
    chosen = Assignment.experts.through.objects.filter(assignment__application_id__in=app_ids)
    declared = ConflictDeclaration.objects.filter(application_id__in=app_ids)
    sheets = Scoresheet.objects.filter(application_id__in=app_ids)
    return (
        Q(pk__in=members.values("expert_id"))
        | Q(pk__in=chosen.values("user_id"))
        | Q(pk__in=declared.values("expert_id"))
        | Q(pk__in=sheets.values("expert_id"))
    )


def detect(expert, application: Application) -> str:
    """Why the system thinks ``expert`` is conflicted for ``application`` now ("" if not)."""
    index = ConflictIndex.for_applications([application], experts=[expert])
    return SEPARATOR.join(index.computed(expert, application))


def declare(panel: Panel, application: Application, expert, kind: str, note: str = ""):
    with transaction.atomic():
        declaration, _created = ConflictDeclaration.objects.update_or_create(
            panel=panel,
            application=application,
            expert=expert,
            defaults={"kind": kind, "note": note, "detected": detect(expert, application)},
        )
        audit.record(
            "conflict_declared",
            application,
            actor=expert,
            data={"panel": panel.pk, "kind": kind, "detected": declaration.detected},
        )
        from .ranking import refresh_case  # ranking reads the conflicts through services

        refresh_case(application, panel.stage)  # a conflicted expert's sheet no longer counts
    return declaration
