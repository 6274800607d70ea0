"""An institution's accounts (issue 22): its admin deactivates and reactivates the others.

``Membership.status`` has its own workflow (``membership``): ``deactivate`` (active →
deactivated) and ``reactivate`` (back), performed by an active admin of the same institution,
never on itself, never leaving the institution without an active admin. The account's
``is_active`` follows the status (a deactivated member cannot log in; its open session ends
at its next request), the move is audited for the institution and the member is told by
e-mail.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.models import Role, User
from evalorg.accounts.permissions import has_role
from evalorg.core.audit import Audience
from evalorg.core.todo import Source, Stage, register_source
from evalorg.core.workflow import (
    Channel,
    Party,
    Recipients,
    Refusal,
    Tell,
    Transition,
    define,
    register_description,
    register_party,
)

from .models import Membership

CLAUSE = "SPEC-1"
Status = Membership.Status
MEMBERS = define(Membership, "status", "membership")


def admin_of_same_institution(membership: Membership, user: Any) -> bool:
    """The actor is an active admin of the member's institution (ids only: no query)."""
    own = getattr(user, "membership", None) if user.is_authenticated else None
    return (
        own is not None
        and own.institution_id == membership.institution_id
        and own.is_admin
        and own.status == Status.ACTIVE
    )


def not_oneself(membership: Membership, actor: Any, data: dict[str, Any]) -> Refusal | None:
    if membership.user_id == actor.pk:
        return Refusal(CLAUSE, _("不能停用自己的账户。"))
    return None


def not_the_last_admin(membership: Membership, actor: Any, data: dict[str, Any]) -> Refusal | None:
    if not membership.is_admin:
        return None
    others = Membership.objects.filter(
        institution_id=membership.institution_id, is_admin=True, status=Status.ACTIVE
    ).exclude(pk=membership.pk)
    if not others.exists():
        return Refusal(CLAUSE, _("不能停用本机构最后一个正常使用的管理员账户。"))
    return None


def _account_follows(active: bool):
    def effect(membership: Membership, actor: Any, data: dict[str, Any]) -> None:
        User.objects.filter(pk=membership.user_id).update(is_active=active)

    return effect


def member(membership: Membership) -> Recipients:
    """The member itself, by e-mail (a deactivated account no longer reads its messages)."""
    email = membership.user.email
    return Recipients(emails=[email] if email else [], url=reverse("accounts:login"))


def describe(membership: Membership) -> dict[str, Any]:
    return {
        "name": membership.user.display_name,
        "username": membership.user.username,
        "institution": membership.institution.name,
    }


DEACTIVATE = Transition(
    action="deactivate_member",
    label=_lazy("停用账户"),
    sources=frozenset({Status.ACTIVE}),
    target=Status.DEACTIVATED,
    roles=frozenset({Role.APPLICANT}),
    relation=admin_of_same_institution,
    guards=(not_oneself, not_the_last_admin),
    effects=(_account_follows(False),),
    style="outline-danger",
    confirm=_lazy("确定停用该用户吗？停用后该用户不能登录，可随时恢复。"),
    audience=Audience.APPLICANT,
    tell=(
        Tell(
            Party.APPLICANT,
            _lazy("您在%(institution)s的账户已停用"),
            _lazy(
                "%(name)s：\n\n您的账户（%(username)s）已由%(institution)s的管理员停用，"
                "停用后不能登录本系统。如有疑问，请联系本机构管理员。"
            ),
            channel=Channel.EMAIL,
        ),
    ),
)
REACTIVATE = Transition(
    action="reactivate_member",
    label=_lazy("恢复账户"),
    sources=frozenset({Status.DEACTIVATED}),
    target=Status.ACTIVE,
    roles=frozenset({Role.APPLICANT}),
    relation=admin_of_same_institution,
    effects=(_account_follows(True),),
    style="outline-success",
    audience=Audience.APPLICANT,
    tell=(
        Tell(
            Party.APPLICANT,
            _lazy("您在%(institution)s的账户已恢复"),
            _lazy(
                "%(name)s：\n\n您的账户（%(username)s）已由%(institution)s的管理员恢复，"
                "可以用原密码登录本系统。"
            ),
            channel=Channel.EMAIL,
        ),
    ),
)


def members_for(user: Any) -> QuerySet[Membership]:
    """The memberships of the user's own institution (nobody else's)."""
    own = getattr(user, "membership", None) if has_role(user, Role.APPLICANT) else None
    if own is None:
        return Membership.objects.none()
    return Membership.objects.filter(institution_id=own.institution_id).select_related("user")


# Deactivating is never work somebody waits for: both actions are optional (the to-do list).
MEMBER_SOURCE = Source(
    model=Membership,
    scope=members_for,
    link=lambda membership, transition: reverse("institutions:member_add"),
    stage=Stage.APPLICATION,
    optional=frozenset({DEACTIVATE.action, REACTIVATE.action}),
    title=lambda membership: membership.user.display_name,
)


def register_member_workflow() -> None:
    MEMBERS.register(DEACTIVATE, REACTIVATE)
    register_source(MEMBER_SOURCE)
    register_party(Membership, Party.APPLICANT, member)
    register_description(Membership, describe)
