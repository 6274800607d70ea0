"""The case's last two transitions (N-4.3), missing from applications' table until now:
``accept`` (cultivating → accepted, at least one occupation's question bank passed) and
``file_case`` (accepted → filed, once its filing letter exists). Registered from
``FilingConfig.ready`` because filing sits above applications. Province staff perform both:
the provincial center runs acceptance and issues filing letters (SPEC §1); the department also
accepts, but only the cases its leadership approved in an acceptance batch (``batches``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from evalorg.accounts.models import Role, User
from evalorg.applications.models import Application, ApplicationOccupation, State
from evalorg.applications.workflow import Refusal, Transition, register
from evalorg.core.audit import Audience

from .notifications import announce_filing

CLAUSE = "N-4.3"
PROVINCE = frozenset({Role.PROVINCE_STAFF})
# The department accepts the cases its leadership approved in an acceptance batch; the center
# keeps its case-by-case path (``issue_letter`` on a cultivating case).
PROVINCE_OR_DEPARTMENT = frozenset({Role.PROVINCE_STAFF, Role.DEPARTMENT})


def has_passed_bank(application: Application, actor: User, data: dict[str, Any]) -> Refusal | None:
    if not application.occupations.filter(status=ApplicationOccupation.Status.BANK_PASSED).exists():
        return Refusal(CLAUSE, _("该申请没有题库审核通过的职业（工种），不能验收。"))
    return None


def approved_in_batch(
    application: Application, actor: User, data: dict[str, Any]
) -> Refusal | None:
    """Through a batch (``data["batch"]``, and always for the department) only a case approved
    in that batch is accepted."""
    from .models import AcceptanceEntry

    batch = getattr(data.get("batch"), "pk", data.get("batch"))
    if batch is None and actor.role != Role.DEPARTMENT:
        return None
    approved = AcceptanceEntry.objects.filter(
        batch_id=batch, application=application, approved=True
    ).exists()
    if not approved:
        return Refusal(CLAUSE, _("该申请未在验收批次中经审定同意，不能验收通过。"))
    return None


def has_letter(application: Application, actor: User, data: dict[str, Any]) -> Refusal | None:
    from .models import FilingLetter

    if not FilingLetter.objects.filter(application=application).exists():
        return Refusal(CLAUSE, _("该申请尚未生成备案函，不能备案。"))
    return None


def register_filing_transitions() -> None:
    register(
        Transition(
            action="accept",
            label=_("验收通过"),
            sources=frozenset({State.CULTIVATING}),
            target=State.ACCEPTED,
            roles=PROVINCE_OR_DEPARTMENT,
            guards=(has_passed_bank, approved_in_batch),
            style="success",
            audience=Audience.APPLICANT,
        ),
        Transition(
            action="file_case",
            label=_("备案"),
            sources=frozenset({State.ACCEPTED}),
            target=State.FILED,
            roles=PROVINCE,
            guards=(has_letter,),
            after=(announce_filing,),
            style="success",
            audit_fields=("letter", "docx_sha256", "pdf_sha256"),
            audience=Audience.APPLICANT,
        ),
    )
