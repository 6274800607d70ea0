"""One random inspection's record on its page (N-5.2): who reads which inspection, the
inspector's findings one by one (category, description, an evidence file), and the files of
the record (finding evidence, the organization's rectification files), each read through
``inspection_file`` after the same check and audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import OuterRef, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role
from evalorg.core import audit, clock
from evalorg.core.audit import Audience
from evalorg.core.files import atomic_uploads, store_upload
from evalorg.core.models import StoredFile
from evalorg.core.workflow import Refusal, TransitionRefused
from evalorg.filing import registry
from evalorg.institutions.models import institution_of

from .models import Inspection, InspectionDraw, InspectionFinding

CLAUSE = "N-5.2"
# The uploads of an inspection: as complaints' and sanctions' evidence.
EVIDENCE_KINDS = ["pdf", "jpeg", "png", "docx"]
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


def inspections_for(user: Any) -> QuerySet[Inspection]:
    """Inspections of published draws: all for provincial staff, the city's organizations' for
    city staff, its own for an inspector, its organization's for an organization's member."""
    rows = Inspection.objects.filter(draw__status=InspectionDraw.Status.PUBLISHED).annotate(
        # Who closes or escalates (``inspection_records.of_local_agency``), read once per list.
        local_agency_id=registry.local_agency_id(OuterRef("institution_id"))
    )
    if not user.is_authenticated:
        return rows.none()
    if has_role(user, Role.PROVINCIAL):
        return rows
    if has_role(user, Role.CITY_STAFF) and user.agency_id is not None:
        return rows.filter(institution__city_id=user.agency.division_id)
    if has_role(user, Role.EXPERT):
        return rows.filter(inspector=user)
    if has_role(user, Role.APPLICANT) and (institution := institution_of(user)) is not None:
        return rows.filter(institution=institution)
    return rows.none()


def get_for_user(user: Any, pk: int) -> Inspection:
    found = (
        inspections_for(user)
        .select_related("draw", "institution__city", "inspector")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def finding_refusals(inspection: Inspection, user: Any) -> list[Refusal]:
    if inspection.inspector_id != user.pk:
        return [Refusal(CLAUSE, _("只有本次抽查的检查人员可以记录检查发现的问题。"))]
    if inspection.status != Inspection.Status.ASSIGNED:
        return [Refusal(CLAUSE, _("检查结论已作出，不能再记录问题。"))]
    if inspection.draw.status != InspectionDraw.Status.PUBLISHED:
        return [Refusal(CLAUSE, _("抽取结果公开后才能开展检查。"))]
    if inspection.finding_rows.count() >= InspectionFinding.MAX_PER_INSPECTION:
        return [
            Refusal(
                CLAUSE,
                _("每次抽查最多记录 %(n)d 个问题。") % {"n": InspectionFinding.MAX_PER_INSPECTION},
            )
        ]
    return []


def add_finding(
    inspection: Inspection, user: Any, category: str, description: str, evidence: Any = None
) -> InspectionFinding:
    """Record one finding (the inspector, before concluding); audited for staff. Refused,
    nothing stored, by ``finding_refusals`` or a bad upload (``UploadRefused``)."""
    with atomic_uploads(), transaction.atomic():
        locked = Inspection.objects.select_for_update().select_related("draw").get(pk=inspection.pk)
        if refusals := finding_refusals(locked, user):
            raise TransitionRefused(refusals)
        stored = None
        if evidence:
            stored = store_evidence(evidence, user)
        finding = InspectionFinding.objects.create(
            inspection=locked,
            category=category,
            description=description.strip(),
            evidence=stored,
            recorded_at=clock.now(),
        )
        audit.record(
            "inspection_finding_recorded",
            locked,
            actor=user,
            data={"category": category, "evidence": stored.sha256 if stored else ""},
            audience=Audience.STAFF,
        )
    return finding


def store_evidence(upload: Any, user: Any) -> StoredFile:
    return store_upload(
        upload, allowed_kinds=EVIDENCE_KINDS, max_bytes=EVIDENCE_MAX_BYTES, user=user
    )


def file_of(inspection: Inspection, file_pk: int) -> StoredFile:
    """A file of the inspection's record (a finding's evidence or a rectification file)."""
    ids = set(inspection.finding_rows.exclude(evidence=None).values_list("evidence_id", flat=True))
    ids |= set(inspection.rectification_files.values_list("file_id", flat=True))
    if file_pk not in ids:
        raise Http404
    return StoredFile.objects.get(pk=file_pk)
