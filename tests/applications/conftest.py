"""A complete, submittable application in the 2023 reference round, built without the UI."""

from __future__ import annotations

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from evalorg.applications.materials import applicable_items
from evalorg.applications.models import Application, Material
from evalorg.applications.occupation_lines import create_lines
from evalorg.core.models import StoredFile
from evalorg.institutions.models import ExclusionDeclaration, ExclusionItem
from evalorg.rounds.models import Round
from tests.factories import MINIMAL_PDF, ApplicantFactory, InstitutionFactory

SH = ZoneInfo("Asia/Shanghai")
PDF_BYTES = MINIMAL_PDF
IN_APPLICATION_PERIOD = datetime(2023, 5, 10, 10, 0, tzinfo=SH)


@pytest.fixture
def in_period():
    with time_machine.travel(IN_APPLICATION_PERIOD, tick=False) as traveller:
        yield traveller


def stored_pdf(name: str = "材料.pdf", user=None) -> StoredFile:
    stored = StoredFile(
        original_name=name,
        kind="pdf",
        content_type="application/pdf",
        size=len(PDF_BYTES),
        sha256=hashlib.sha256(PDF_BYTES).hexdigest(),
        uploaded_by=user,
    )
    default_storage.save(stored.storage_path, ContentFile(PDF_BYTES))
    stored.save()
    return stored


def declare_none(institution) -> None:
    for item in ExclusionItem.values:
        ExclusionDeclaration.objects.update_or_create(
            institution=institution, item=item, defaults={"applies": False}
        )


def build_application(
    institution=None,
    *,
    occupations=(("6-18-02-04", [5, 4]),),
    with_materials=True,
    confirmed=True,
    round_code: str = "gd-2023",
    kind: str = "new",
) -> Application:
    institution = institution or InstitutionFactory()
    applicant = institution.memberships.first()
    user = applicant.user if applicant else ApplicantFactory(institution=institution)
    application = Application.objects.create(
        round=Round.objects.get(code=round_code),
        institution=institution,
        created_by=user,
        declarations_confirmed=confirmed,
        kind=kind,
    )
    for code, levels in occupations:
        create_lines(application, code, levels)
    declare_none(institution)
    if with_materials:
        for item in applicable_items(application):
            Material.objects.create(
                application=application,
                item_code=item.code,
                file=stored_pdf(f"{item.title[:20]}.pdf", user),
            )
    return application


def applicant_of(application: Application):
    return application.institution.memberships.first().user


@pytest.fixture
def application(db):
    return build_application()
