"""The validity of a filing (N-5.2): the first letter of an organization (kind filing, no
``original``) carries it, every later letter of the organization shares its ``valid_until``.

Two sweeps keep it: ``filing_expiry_reminders`` tells the organization 90 and then 30 days
before the validity ends (each reminder once: ``expiry_reminded`` and an audit event), and
``filing_expiry`` marks a filing whose last valid day has passed expired through the engine
(``expire_filing``, audited, the organization and its local agency told). While expired, no
assessment plan nor expansion is accepted; an accepted renewal extends it (``transitions``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.system import system_actor
from evalorg.core import audit, clock
from evalorg.core.audit import Audience
from evalorg.core.workflow import Party, Refusal, Tell, announce, perform
from evalorg.filing.models import FilingLetter
from evalorg.rounds.simulated import swept

from .models import Renewal

CLAUSE = "N-5.2"
REMINDER_DAYS = (90, 30)
# A renewal may be applied for from this many days before the validity ends until that day.
WINDOW_DAYS = 180
V = FilingLetter.Validity
REMINDER = Tell(
    Party.APPLICANT,
    _lazy("备案有效期将于 %(until)s 届满：%(institution)s"),
    _lazy(
        "%(institution)s：\n贵机构的备案（%(letter_no)s）有效期至 %(until)s，还有 %(days)s 天届满。"
        "请在届满前提交备案延续申请；届满未延续的，备案将标记为已过期，"
        "不再受理认定计划和新增职业申请（N-5.2）。"
    ),
    values=lambda letter, data: {"days": data.get("days", "")},
)


def roots() -> QuerySet[FilingLetter]:
    """The letters that carry a filing's validity: each organization's first letter."""
    return FilingLetter.objects.filter(kind=FilingLetter.Kind.FILING, original__isnull=True)


def root_of(institution_id: int) -> FilingLetter | None:
    return roots().filter(application__institution_id=institution_id).order_by("pk").first()


def pending_renewal() -> QuerySet[Renewal]:
    """Renewals waiting for the agency (for ``Exists`` over letters)."""
    return Renewal.objects.filter(letter_id=OuterRef("pk"), status=Renewal.Status.SUBMITTED)


def days_left(letter: FilingLetter) -> int:
    return (letter.valid_until - clock.today()).days


def due_reminder(letter: FilingLetter) -> int | None:
    """The reminder due now (90 or 30) that was not sent yet, or None."""
    left = days_left(letter)
    due = [days for days in REMINDER_DAYS if 0 <= left <= days]
    if not due:
        return None
    nearest = min(due)
    if letter.expiry_reminded is not None and letter.expiry_reminded <= nearest:
        return None
    return nearest


# ---- the sweeps -------------------------------------------------------------------------------


def send_reminders() -> str:
    """Tell each organization 90 and 30 days before its filing ends (each reminder once; a
    sweep that missed the 90-day one sends only the 30-day one). None while a renewal waits."""
    horizon = clock.today() + timedelta(days=max(REMINDER_DAYS))
    letters = (
        roots()
        .filter(swept("application__round__"))
        .filter(validity_status=V.VALID, valid_until__gte=clock.today(), valid_until__lte=horizon)
        .exclude(Exists(pending_renewal()))
        .select_for_update()
        .order_by("pk")
    )
    sent = 0
    for letter in letters:
        days = due_reminder(letter)
        if days is None:
            continue
        letter.expiry_reminded = days
        letter.save(update_fields=["expiry_reminded", "updated_at"])
        audit.record(
            "filing_expiry_reminded",
            letter,
            actor=system_actor(),
            data={"days": days, "valid_until": letter.valid_until},
            audience=Audience.APPLICANT,
        )
        announce(letter, REMINDER, days=days_left(letter))
        sent += 1
    return f"{sent} expiry reminder(s) sent"


def expire_filings() -> str:
    """Mark expired (``expire_filing``) every filing whose last valid day has passed."""
    due = (
        roots()
        .filter(swept("application__round__"))
        .filter(validity_status=V.VALID, valid_until__lt=clock.today())
        .order_by("pk")
    )
    actor = system_actor()
    done = [perform(letter, "expire_filing", actor) for letter in due]
    return f"{len(done)} filing(s) expired"


# ---- what an expired filing refuses -----------------------------------------------------------


def expiry_refusal(institution_id: int) -> Refusal | None:
    letter = root_of(institution_id)
    if letter is None or letter.valid_until >= clock.today():
        return None
    return Refusal(
        CLAUSE,
        _(
            "本机构的备案有效期已于 %(day)s 届满（已过期），延续获准前不予受理认定计划和"
            "新增职业（工种）申请（依据 %(clause)s）。"
        )
        % {"day": f"{letter.valid_until:%Y年%m月%d日}", "clause": CLAUSE},
    )


def plan_refusals(plan: Any) -> list[Refusal]:
    """supervision's plan check: no assessment plan from an expired filing."""
    found = expiry_refusal(plan.institution_id)
    return [found] if found else []


def expansion_refusal(institution_id: int) -> str:
    """applications' standing check (N-2.2): no expansion of an expired filing."""
    found = expiry_refusal(institution_id)
    return found.message if found else ""


# ---- the registry's dated history -------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    day: date
    status: str
    what: str
    clause: str = CLAUSE


def _expired(until: date) -> Change:
    return Change(
        until + timedelta(days=1),
        str(_("已过期")),
        _("备案有效期届满（有效期至 %(day)s）") % {"day": f"{until:%Y-%m-%d}"},
    )


def histories(institution_ids: Collection[int]) -> dict[int, list[Change]]:
    """Each organization's lapses and accepted renewals, dated (two queries for any number)."""
    changes: dict[int, list[Change]] = {pk: [] for pk in institution_ids}
    renewals = Renewal.objects.filter(
        institution_id__in=changes, status=Renewal.Status.ACCEPTED
    ).order_by("decided_on", "pk")
    for renewal in renewals:
        if renewal.decided_on is None or renewal.new_valid_until is None:
            continue
        if renewal.previous_valid_until < renewal.decided_on:
            changes[renewal.institution_id].append(_expired(renewal.previous_valid_until))
        what = _("延续，有效期延至 %(day)s") % {"day": f"{renewal.new_valid_until:%Y-%m-%d}"}
        changes[renewal.institution_id].append(Change(renewal.decided_on, str(_("有效")), what))
    first: dict[int, date] = {}
    letters = roots().filter(application__institution_id__in=changes).order_by("pk")
    for institution_id, valid_until in letters.values_list(
        "application__institution_id", "valid_until"
    ):
        first.setdefault(institution_id, valid_until)  # root_of: the first by id
    today = clock.today()
    for institution_id, valid_until in first.items():
        if valid_until < today:
            changes[institution_id].append(_expired(valid_until))
    return changes
