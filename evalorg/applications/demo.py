"""Demo cases: 广州's institution has submitted to the open demo round; 深圳's has a draft."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from evalorg.core.demo import DemoContext
from evalorg.core.models import StoredFile
from evalorg.institutions.models import ExclusionDeclaration, ExclusionItem, Institution
from evalorg.rounds.models import Round

from . import workflow
from .materials import applicable_items
from .models import Application, Material
from .occupation_lines import create_lines

DEMO_PDF = b"%PDF-1.4\n% EvalOrg demo material\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _demo_file(title: str, user) -> StoredFile:
    stored = StoredFile(
        original_name=f"{title[:30]}.pdf",
        kind="pdf",
        content_type="application/pdf",
        size=len(DEMO_PDF),
        sha256=hashlib.sha256(DEMO_PDF).hexdigest(),
        uploaded_by=user,
    )
    default_storage.save(stored.storage_path, ContentFile(DEMO_PDF))
    stored.save()
    return stored


def _prepare(institution: Institution, round_: Round, occupations: list[tuple[str, list[int]]]):
    user = institution.memberships.select_related("user").first().user
    application, created = Application.objects.get_or_create(
        round=round_,
        institution=institution,
        kind="new",
        defaults={"created_by": user, "declarations_confirmed": True},
    )
    if not created:
        return application, user, False
    institution.legal_rep_name = institution.legal_rep_name or "演示法定代表人"
    institution.save()
    for item in ExclusionItem.values:
        ExclusionDeclaration.objects.get_or_create(
            institution=institution, item=item, defaults={"applies": False}
        )
    for code, levels in occupations:
        create_lines(application, code, levels)
    for item in applicable_items(application):
        Material.objects.create(
            application=application, item_code=item.code, file=_demo_file(item.title, user)
        )
    return application, user, True


def build_demo_applications(context: DemoContext) -> None:
    round_ = Round.objects.filter(code__startswith="demo-").order_by("-published_on").first()
    if round_ is None:
        return
    with transaction.atomic():
        gz = Institution.objects.get(uscc="91440101MA5CXY0010")
        application, user, created = _prepare(
            gz, round_, [("6-18-02-04", [5, 4, 3]), ("6-31-01-03", [5, 4])]
        )
        if created:
            workflow.perform(application, "submit", user)
        sz = Institution.objects.get(uscc="52440300MJL0000012")
        _prepare(sz, round_, [("4-03-02-01", [5, 4])])
