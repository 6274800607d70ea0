"""Two workflows on the engine (N-5.2):

``filing_validity`` over a filing's first letter (``validity_status``):
    valid ─expire_filing (system, the ``filing_expiry`` sweep, after its last valid day)→ expired
    expired ─restore_validity (the agency accepting a renewal, in the same transaction)→ valid
    valid ─urge_renewal (the local agency, within 90 days, no renewal waiting)→ valid

``renewal`` over a renewal application:
    submitted ─accept_renewal (the local agency: validity extended)→ accepted
    submitted ─return_renewal (the local agency, with the reason)→ returned
    returned ─resubmit_renewal (the organization, until the validity ends)→ submitted
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.models import Role
from evalorg.core import clock
from evalorg.core.audit import Audience
from evalorg.core.workflow import (
    Channel,
    Nobody,
    Party,
    Refusal,
    Tell,
    Transition,
    define,
    perform,
)
from evalorg.filing.models import FilingLetter
from evalorg.filing.registry import local_agency

from .models import Renewal
from .renewals import SUBMITTED_TELL, new_validity, window_refusals
from .validity import CLAUSE, REMINDER_DAYS

LETTERS = define(FilingLetter, "validity_status", "filing_validity")
RENEWALS = define(Renewal, "status", "renewal")
V = FilingLetter.Validity
S = Renewal.Status


# ---- relations --------------------------------------------------------------------------------


def letter_of_local_agency(letter: FilingLetter, user: Any) -> bool:
    agency = local_agency(letter.application.institution_id)
    return agency is not None and user.agency_id == agency.pk


def of_local_agency(renewal: Renewal, user: Any) -> bool:
    return bool(renewal.agency_id == user.agency_id)


def of_organization(renewal: Renewal, user: Any) -> bool:
    membership = getattr(user, "membership", None)
    return membership is not None and bool(membership.institution_id == renewal.institution_id)


# ---- guards -----------------------------------------------------------------------------------


def validity_over(letter: FilingLetter, actor: Any, data: dict[str, Any]) -> Refusal | None:
    if letter.valid_until >= clock.today():
        return Refusal(CLAUSE, _("备案有效期尚未届满。"))
    return None


def validity_current(letter: FilingLetter, actor: Any, data: dict[str, Any]) -> Refusal | None:
    if letter.valid_until < clock.today():
        return Refusal(CLAUSE, _("备案有效期尚未延长，不能恢复有效。"))
    return None


def is_root(letter: FilingLetter, actor: Any, data: dict[str, Any]) -> Refusal | None:
    if letter.kind != FilingLetter.Kind.FILING or letter.original_id is not None:
        return Refusal(CLAUSE, _("补充备案函和新增职业备案函沿用原备案函的有效期。"))
    return None


def expiring(letter: FilingLetter, actor: Any, data: dict[str, Any]) -> Refusal | None:
    left = (letter.valid_until - clock.today()).days
    if not 0 <= left <= max(REMINDER_DAYS):
        return Refusal(CLAUSE, _("备案有效期届满前 90 天内才需督促延续。"))
    if Renewal.objects.filter(letter=letter, status=S.SUBMITTED).exists():
        return Refusal(CLAUSE, _("该机构已提交延续申请，请审核其申请。"))
    return None


def in_window(renewal: Renewal, actor: Any, data: dict[str, Any]) -> list[Refusal]:
    return window_refusals(renewal.letter)


# ---- effects ----------------------------------------------------------------------------------


def decide(renewal: Renewal, actor: Any, data: dict[str, Any]) -> None:
    renewal.decided_on = clock.today()
    renewal.new_valid_until = new_validity(renewal.previous_valid_until)
    data["valid_until"] = renewal.new_valid_until
    data["previous_valid_until"] = renewal.previous_valid_until


def extend(renewal: Renewal, actor: Any, data: dict[str, Any]) -> None:
    """Every letter of the organization that shared the old validity gets the new one; an
    expired filing is valid again (``restore_validity``)."""
    FilingLetter.objects.filter(
        application__institution_id=renewal.institution_id,
        valid_until=renewal.previous_valid_until,
    ).update(valid_until=renewal.new_valid_until, expiry_reminded=None, updated_at=clock.now())
    letter = FilingLetter.objects.get(pk=renewal.letter_id)
    if letter.validity_status == V.EXPIRED:
        perform(letter, "restore_validity", actor)


def keep_reason(renewal: Renewal, actor: Any, data: dict[str, Any]) -> None:
    renewal.return_reason = str(data.get("reason", "")).strip()


# ---- the filing's validity --------------------------------------------------------------------

EXPIRE = Transition(
    action="expire_filing",
    label=_("备案有效期届满"),
    sources=frozenset({V.VALID}),
    target=V.EXPIRED,
    roles=frozenset({Role.SYSTEM}),
    guards=(is_root, validity_over),
    audit_fields=(),
    audience=Audience.APPLICANT,
    offered=False,
    tell=(
        Tell(
            Party.APPLICANT,
            _lazy("备案已过期：%(institution)s"),
            _lazy(
                "%(institution)s：\n贵机构的备案（%(letter_no)s）有效期已于 %(until)s 届满，"
                "备案名录显示为“已过期”；延续获准前不受理认定计划和新增职业申请（N-5.2）。"
            ),
        ),
        Tell(
            Party.RECEIVING_AGENCY,
            _lazy("备案已过期：%(institution)s"),
            _lazy("%(institution)s的备案（%(letter_no)s）有效期已于 %(until)s 届满（N-5.2）。"),
            channel=Channel.IN_APP,
        ),
    ),
)
RESTORE = Transition(
    action="restore_validity",
    label=_("延续后恢复有效"),
    sources=frozenset({V.EXPIRED}),
    target=V.VALID,
    roles=Role.REVIEWING_STAFF,
    guards=(is_root, validity_current),
    audit_fields=(),
    audience=Audience.APPLICANT,
    offered=False,
    tell=Nobody("Part of accepting a renewal, whose own message tells the organization."),
)
URGE = Transition(
    action="urge_renewal",
    label=_("督促延续"),
    sources=frozenset({V.VALID}),
    target=V.VALID,
    roles=Role.REVIEWING_STAFF,
    relation=letter_of_local_agency,
    guards=(is_root, expiring),
    audit_fields=(),
    audience=Audience.APPLICANT,
    tell=(
        Tell(
            Party.APPLICANT,
            _lazy("请及时申请备案延续：%(institution)s"),
            _lazy(
                "%(institution)s：\n贵机构的备案（%(letter_no)s）有效期至 %(until)s，"
                "尚未提交延续申请，请及时申请（N-5.2）。"
            ),
        ),
    ),
)

# ---- the renewal application ------------------------------------------------------------------

ACCEPT = Transition(
    action="accept_renewal",
    label=_("同意延续"),
    sources=frozenset({S.SUBMITTED}),
    target=S.ACCEPTED,
    roles=Role.REVIEWING_STAFF,
    relation=of_local_agency,
    effects=(decide,),
    after=(extend,),
    audit_fields=("valid_until", "previous_valid_until"),
    audience=Audience.APPLICANT,
    confirm=_("确定同意延续？该机构的备案有效期将延长，并在备案名录中公布。"),
    style="success",
    tell=(
        Tell(
            Party.APPLICANT,
            _lazy("备案延续已获同意：%(institution)s"),
            _lazy(
                "%(institution)s：\n贵机构的备案延续申请已获同意，备案有效期延至 %(new_until)s"
                "（N-5.2）。"
            ),
        ),
    ),
)
RETURN = Transition(
    action="return_renewal",
    label=_("退回修改"),
    sources=frozenset({S.SUBMITTED}),
    target=S.RETURNED,
    roles=Role.REVIEWING_STAFF,
    relation=of_local_agency,
    effects=(keep_reason,),
    needs_reason=True,
    audience=Audience.APPLICANT,
    reason_to_applicant=True,
    style="outline-danger",
    tell=(
        Tell(
            Party.APPLICANT,
            _lazy("备案延续申请被退回：%(institution)s"),
            _lazy(
                "%(institution)s：\n贵机构的备案延续申请被退回，请修改后在有效期届满（%(until)s）"
                "前重新提交。%(reason_line)s"
            ),
        ),
    ),
)
RESUBMIT = Transition(
    action="resubmit_renewal",
    label=_("重新提交"),
    sources=frozenset({S.RETURNED}),
    target=S.SUBMITTED,
    roles=frozenset({Role.APPLICANT}),
    relation=of_organization,
    guards=(in_window,),
    audience=Audience.APPLICANT,
    tell=(SUBMITTED_TELL,),
)


def register_renewal_transitions() -> None:
    LETTERS.register(EXPIRE, RESTORE, URGE)
    RENEWALS.register(ACCEPT, RETURN, RESUBMIT)
