"""Complaints: which filed organization may be complained about and who handles it, filing
one (named, with a contact, optional evidence), and who sees which. The workflow is in
``transitions.py``."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.models import Agency, Role
from evalorg.accounts.permissions import has_role
from evalorg.core import audit, clock
from evalorg.core.audit import Audience
from evalorg.core.counters import locked_counter
from evalorg.core.files import atomic_uploads, store_upload
from evalorg.core.workflow import Channel, Party, Refusal, Tell, TransitionRefused, announce
from evalorg.filing.models import FilingLetter
from evalorg.filing.registry import local_agency
from evalorg.institutions.models import Institution

from .models import Complaint, ComplaintCounter

CLAUSE = "N-5.2"
EVIDENCE_KINDS = ["pdf", "jpeg", "png", "docx"]
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
OPEN_STATES = frozenset({Complaint.Status.RECEIVED, Complaint.Status.INVESTIGATING})
# The local agency learns of a new complaint in-app (it is also on its to-do list).
RECEIVED = Tell(
    Party.RECEIVING_AGENCY,
    _lazy("新投诉待处理：%(institution)s（%(no)s）"),
    _lazy("收到针对%(institution)s的投诉（受理编号 %(no)s），请调查核实并办结（N-5.2）。"),
    channel=Channel.IN_APP,
)


# ---- the organization and its local agency ----------------------------------------------------


def filed_organization(institution_id: int) -> tuple[Institution, Agency] | None:
    """The organization in the public registry and its local agency (``registry.local_agency``:
    属地监管); None for one that is not filed."""
    letter = (
        FilingLetter.objects.for_registry()
        .filter(application__institution_id=institution_id)
        .order_by("-issued_on", "-pk")
        .first()
    )
    agency = local_agency(institution_id) if letter is not None else None
    if letter is None or agency is None:
        return None
    return letter.application.institution, agency


def get_filed_organization(institution_id: int) -> tuple[Institution, Agency]:
    found = filed_organization(institution_id)
    if found is None:
        raise Http404
    return found


# ---- who sees which complaints ----------------------------------------------------------------


def with_rows(qs: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """What a list row shows, in one query."""
    return qs.select_related("institution__city", "agency")


def complaints_for(user: Any) -> QuerySet[Complaint]:
    """The local agency's own; the department reads all; nobody else (the organization is told
    of an upheld complaint by message, never shown the complaint)."""
    if has_role(user, Role.DEPARTMENT):
        return Complaint.objects.all()
    if has_role(user, Role.REVIEWING_STAFF) and user.agency_id is not None:
        return Complaint.objects.filter(agency_id=user.agency_id)
    return Complaint.objects.none()


def get_for_user(user: Any, pk: int) -> Complaint:
    complaint = with_rows(complaints_for(user)).filter(pk=pk).first()
    if complaint is None:
        raise Http404
    return complaint


# ---- filing one -------------------------------------------------------------------------------


def identity_refusal(name: str, phone: str, email: str) -> Refusal | None:
    if not name.strip() or not (phone.strip() or email.strip()):
        return Refusal(CLAUSE, _("投诉须署真实姓名并留下联系电话或电子邮箱，匿名投诉不予受理。"))
    return None


def next_number(year: int) -> str:
    """``TS-2024-0001``: per year, from the year's counter row locked for the transaction."""
    counter = locked_counter(ComplaintCounter, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"TS-{year}-{counter.last:04d}"


def file_complaint(
    institution_id: int,
    *,
    name: str,
    phone: str,
    email: str,
    facts: str,
    evidence: Any = None,
) -> Complaint:
    """Record a complaint for the organization's local agency; raises ``TransitionRefused``
    (nothing stored) when it is anonymous or the organization is not filed, ``UploadRefused``
    for bad evidence."""
    refusal = identity_refusal(name, phone, email)
    if refusal:
        raise TransitionRefused([refusal])
    found = filed_organization(institution_id)
    if found is None:
        raise TransitionRefused([Refusal(CLAUSE, _("该机构不在备案名录中，不受理对其的投诉。"))])
    institution, agency = found
    with atomic_uploads(), transaction.atomic():
        stored = None
        if evidence:
            stored = store_upload(
                evidence, allowed_kinds=EVIDENCE_KINDS, max_bytes=EVIDENCE_MAX_BYTES, user=None
            )
        now = clock.now()
        complaint = Complaint.objects.create(
            number=next_number(clock.today().year),
            institution=institution,
            agency=agency,
            complainant_name=name.strip(),
            complainant_phone=phone.strip(),
            complainant_email=email.strip(),
            facts=facts,
            evidence=stored,
            created_at=now,
        )
        # No identity in the event: the number and the organization are enough to trace it.
        audit.record(
            "complaint_filed",
            complaint,
            to_state=complaint.status,
            data={"number": complaint.number, "institution": institution.pk},
            audience=Audience.STAFF,
        )
        announce(complaint, RECEIVED)
    return complaint
