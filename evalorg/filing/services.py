"""Issuing a filing letter (备案函, N-4.3): the one entry point for the acceptance stage."""

from __future__ import annotations

from datetime import date

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from evalorg.applications.models import Application, ApplicationOccupation, State
from evalorg.applications.workflow import Refusal, TransitionRefused, perform
from evalorg.core import clock
from evalorg.core.files import atomic_uploads, store_upload
from evalorg.core.models import StoredFile

from . import letters
from .models import FilingLetter
from .numbering import next_number
from .transitions import approved_entries, not_approved

CLAUSE = "N-4.3"
DEFAULT_VALID_YEARS = 5
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
Line = ApplicationOccupation.Status


def add_years(day: date, years: int) -> date:
    """The day before the same date ``years`` later (valid through that day, inclusive)."""
    try:
        same = day.replace(year=day.year + years)
    except ValueError:  # 29 February
        same = day.replace(year=day.year + years, day=28)
    return same.fromordinal(same.toordinal() - 1)


def original_letter(application: Application) -> FilingLetter | None:
    """The institution's first filing letter, whose validity an expansion inherits (N-2.2)."""
    return (
        FilingLetter.objects.filter(application__institution_id=application.institution_id)
        .exclude(application=application)
        .order_by("issued_on", "pk")
        .first()
    )


def _store(content: bytes, name: str, kind: str, user) -> StoredFile:
    upload = ContentFile(content, name=name)
    return store_upload(upload, allowed_kinds=[kind], max_bytes=MAX_DOCUMENT_BYTES, user=user)


def issue_letter(
    application: Application, user, *, valid_years: int = DEFAULT_VALID_YEARS
) -> FilingLetter:
    """File the case's occupation lines whose question bank passed, issue its letter (number,
    DOCX, PDF) and move the case to ``filed``; all or nothing.

    Only for an ``accepted`` case approved in an approved acceptance batch (N-4.3: the
    leadership group's approval; ``batches.issue_letters`` calls this), whose reference the
    letter carries; anything else is refused. An expansion of an organization already filed
    keeps the validity of its original letter (N-2.2). Raises ``TransitionRefused`` (nothing
    changed) when refused.
    """
    with atomic_uploads():
        case = Application.objects.select_for_update().get(pk=application.pk)
        if FilingLetter.objects.filter(application=case).exists():
            raise TransitionRefused([Refusal(CLAUSE, _("该申请已生成备案函，不能重复签发。"))])
        entry = approved_entries(case).select_related("approval").order_by("pk").first()
        if entry is None:
            raise TransitionRefused([not_approved()])
        if case.state != State.ACCEPTED:
            raise TransitionRefused(
                [
                    Refusal(
                        CLAUSE,
                        _("申请当前状态为“%(state)s”，验收通过后才能签发备案函。")
                        % {"state": case.get_state_display()},
                    )
                ]
            )
        lines = list(case.occupations.filter(status=Line.BANK_PASSED).select_related("occupation"))
        if not lines:
            raise TransitionRefused(
                [Refusal(CLAUSE, _("该申请没有题库审核通过的职业（工种），不能签发备案函。"))]
            )
        for line in lines:
            perform(line, "file", user)

        issued_on = clock.today()
        original = original_letter(case)
        valid_until = original.valid_until if original else add_years(issued_on, valid_years)
        number = next_number(case.round, issued_on.year)
        occupations = [
            {
                "code": line.occupation_id,
                "name": line.occupation.name,
                "level": line.level,
                "level_label": str(line.get_level_display()),
            }
            for line in lines
        ]
        institution = case.institution
        context = {
            "number": number,
            "organization": institution.name,
            "uscc": institution.uscc,
            "city": str(institution.city or ""),
            "round": case.round.name,
            "issued_on": f"{issued_on:%Y年%m月%d日}",
            "valid_until": f"{valid_until:%Y年%m月%d日}",
            "occupations": occupations,
            "issuer": letters.ISSUER,
        }
        docx = _store(letters.render_docx(context), f"备案函 {number}.docx", "docx", user)
        pdf = _store(letters.render_letter_pdf(context), f"备案函 {number}.pdf", "pdf", user)
        FilingLetter.objects.create(
            application=case,
            number=number,
            issued_on=issued_on,
            valid_until=valid_until,
            original=original,
            occupations=occupations,
            docx=docx,
            pdf=pdf,
            docx_sha256=docx.sha256,
            pdf_sha256=pdf.sha256,
            issued_by=user,
            batch=entry.approval.letter_ref,
        )
        perform(
            case,
            "file_case",
            user,
            letter=number,
            docx_sha256=docx.sha256,
            pdf_sha256=pdf.sha256,
        )
    return FilingLetter.objects.select_related("application").get(application=case)
