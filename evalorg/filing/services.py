"""Issuing a filing letter (备案函, N-4.3): the one entry point for the acceptance stage.

Issuing is two steps so that no document is laid out while a lock is held (issue 21 item 3:
a batch of 10 letters rendered under the counter and case locks stalled logins for 11 s):

1. ``file_with_letter``, in the caller's transaction and without rendering: the case's lines
   and the case are filed through ``perform()``, the letter is numbered under the counter lock
   (``next_number``) and created with what it will print (``document_data``). A refusal rolls
   everything back; a number is only ever taken together with its letter.
2. ``render_documents``, outside any transaction: the DOCX and PDF are rendered from
   ``document_data``, the PDF signed with the department's key (PAdES, ``signing``), then
   stored with their SHA-256 in one short transaction that locks only
   the letter's own row and records the hashes in the audit event ``filing_letter_documents``.
   A failure leaves the letter numbered and filed with its documents pending: rendering is
   retried (the batch's issue button, the ``filing_letter_documents`` sweep) and prints the
   same number, never a new one. ``queue_documents`` hands the letters to the task worker.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from evalorg.applications.models import Application, ApplicationOccupation, State
from evalorg.applications.workflow import Refusal, TransitionRefused, perform
from evalorg.core import audit, clock
from evalorg.core.audit import Audience
from evalorg.core.files import atomic_uploads, store_upload
from evalorg.core.models import StoredFile

from . import letters, signing, verification
from .models import FilingLetter
from .numbering import next_number
from .transitions import approved_entries, not_approved

if TYPE_CHECKING:
    from evalorg.selection.models import LeadershipApprovalEntry

CLAUSE = "N-4.3"
DEFAULT_VALID_YEARS = 5
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
# Below the default (0): an e-mail queued during a batch is sent before the batch's letters.
RENDER_PRIORITY = -10
# A letter still without documents this long after issue is queued again by the sweep.
RENDER_RETRY_AFTER = timedelta(minutes=10)
RETRY_BATCH = 500
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
        FilingLetter.objects.filter(
            application__institution_id=application.institution_id, kind=FilingLetter.Kind.FILING
        )
        .exclude(application=application)
        .order_by("issued_on", "pk")
        .first()
    )


def _store(content: bytes, name: str, kind: str, user) -> StoredFile:
    upload = ContentFile(content, name=name)
    return store_upload(upload, allowed_kinds=[kind], max_bytes=MAX_DOCUMENT_BYTES, user=user)


def _refused(message: str) -> TransitionRefused:
    return TransitionRefused([Refusal(CLAUSE, message)])


def _open_entry(case: Application) -> LeadershipApprovalEntry:
    """The case's approved entry in an approved acceptance batch still without its letter,
    earliest first; refused when there is none (N-4.3)."""
    entry = (
        approved_entries(case)
        .filter(filing_letter__isnull=True)
        .select_related("approval")
        .order_by("pk")
        .first()
    )
    if entry is not None:
        return entry
    if FilingLetter.objects.filter(application=case).exists():
        raise _refused(_("该申请已生成备案函，不能重复签发。"))
    raise TransitionRefused([not_approved()])


def first_letter(application: Application) -> FilingLetter | None:
    """The case's own filing letter (kind filing), not a supplementary one."""
    return FilingLetter.objects.filter(
        application=application, kind=FilingLetter.Kind.FILING
    ).first()


def issue_letter(
    application: Application, user, *, valid_years: int = DEFAULT_VALID_YEARS
) -> FilingLetter:
    """``file_with_letter`` in its own transaction, then its documents queued for rendering
    (rendered at once by an in-process task backend). Raises ``TransitionRefused`` (nothing
    changed) when refused."""
    with transaction.atomic():
        letter = file_with_letter(application, user, valid_years=valid_years)
    queue_documents([letter])
    return FilingLetter.objects.select_related("application").get(pk=letter.pk)


def file_with_letter(
    application: Application, user, *, valid_years: int = DEFAULT_VALID_YEARS
) -> FilingLetter:
    """File the case's occupation lines whose question bank passed and number their letter for
    the case's approved batch entry still without one; call inside ``transaction.atomic()``.
    Renders nothing: the letter's documents are pending until ``render_documents``.

    An ``accepted`` case gets its filing letter (备案函) and moves to ``filed``; an expansion of
    an organization already filed keeps the validity of its original letter (N-2.2). A case
    already ``filed`` (accepted early, 成熟一批) whose remaining lines passed later and were
    approved in a later batch gets a supplementary letter (补充备案函) listing only those lines,
    with its first letter's validity, and stays ``filed`` (``file_supplement``, N-4.2, N-4.3).

    Only for a case approved in an approved acceptance batch (N-4.3: the leadership group's
    approval; ``batches.issue_letters`` calls this), whose reference the letter carries;
    anything else is refused. Raises ``TransitionRefused`` when refused.
    """
    case = Application.objects.select_for_update().get(pk=application.pk)
    entry = _open_entry(case)
    if case.state not in (State.ACCEPTED, State.FILED):
        raise _refused(
            _("申请当前状态为“%(state)s”，验收通过后才能签发备案函。")
            % {"state": case.get_state_display()}
        )
    lines = list(case.occupations.filter(status=Line.BANK_PASSED).select_related("occupation"))
    if not lines:
        raise _refused(_("该申请没有题库审核通过的职业（工种），不能签发备案函。"))
    for line in lines:
        perform(line, "file", user)
    if case.state == State.FILED:
        return _supplementary(case, entry, lines, user)
    return _first(case, entry, lines, user, valid_years)


def _first(
    case: Application,
    entry: LeadershipApprovalEntry,
    lines: list[ApplicationOccupation],
    user,
    valid_years: int,
) -> FilingLetter:
    issued_on = clock.today()
    original = original_letter(case)
    valid_until = original.valid_until if original else add_years(issued_on, valid_years)
    letter = _create(case, entry, lines, user, FilingLetter.Kind.FILING, original, valid_until)
    perform(case, "file_case", user, letter=letter.number)
    return letter


def _supplementary(
    case: Application,
    entry: LeadershipApprovalEntry,
    lines: list[ApplicationOccupation],
    user,
) -> FilingLetter:
    first = first_letter(case)
    if first is None:
        raise _refused(_("该申请没有原备案函，不能签发补充备案函。"))
    letter = _create(
        case, entry, lines, user, FilingLetter.Kind.SUPPLEMENTARY, first, first.valid_until
    )
    perform(
        case,
        "file_supplement",
        user,
        letter=letter.number,
        approval=entry.approval_id,
        lines=[str(line) for line in lines],
    )
    return letter


def _create(
    case: Application,
    entry: LeadershipApprovalEntry,
    lines: list[ApplicationOccupation],
    user,
    kind: str,
    original: FilingLetter | None,
    valid_until: date,
) -> FilingLetter:
    """Number the letter of ``lines`` and keep what it prints; no document yet."""
    issued_on = clock.today()
    number = next_number(case.round, issued_on.year)
    code = verification.new_code()
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
    supplementary = kind == FilingLetter.Kind.SUPPLEMENTARY
    printed = {
        "number": number,
        "organization": institution.name,
        "uscc": institution.uscc,
        "city": str(institution.city or ""),
        "round": case.round.name,
        "year": case.round.year,
        "notice": case.round.governing_notice(),  # 《title》（number）, issue 22
        # An expansion (N-2.2) adds occupations to the original filing, valid as long as it.
        "expansion": not supplementary and case.kind == "expansion" and original is not None,
        "issued_on": f"{issued_on:%Y年%m月%d日}",
        "valid_until": f"{valid_until:%Y年%m月%d日}",
        "occupations": occupations,
        "issuer": letters.ISSUER,
        "supplementary": supplementary,
        "original_number": original.number if original else "",
        "verify_url": verification.verify_url(code),
        "verify_code": code,
    }
    return FilingLetter.objects.create(
        application=case,
        kind=kind,
        entry=entry,
        number=number,
        issued_on=issued_on,
        valid_until=valid_until,
        original=original,
        occupations=occupations,
        document_data=printed,
        issued_by=user,
        batch=entry.approval.letter_ref,
        verify_code=code,
    )


# ---- the documents, rendered outside any transaction ---------------------------------------


def documents_pending() -> QuerySet[FilingLetter]:
    """Letters numbered and filed whose DOCX or PDF is not stored yet."""
    return FilingLetter.objects.filter(document_data__isnull=False).filter(
        models.Q(docx__isnull=True) | models.Q(pdf__isnull=True)
    )


def queue_documents(letters_: list[FilingLetter]) -> None:
    """Hand each letter whose documents are pending to the task worker, one task per letter
    at a low priority so that e-mails queued meanwhile are not held up behind a batch."""
    from .tasks import render_letter_documents

    for letter in letters_:
        if not letter.documents_ready:
            render_letter_documents.using(priority=RENDER_PRIORITY).enqueue(letter.pk)


def render_documents(letter_id: int) -> FilingLetter:
    """Render the letter's DOCX and PDF with no transaction open, then store them and record
    their SHA-256 (``filing_letter_documents``) in one short transaction; a letter whose
    documents are stored already is returned as it is (retries are harmless)."""
    letter = FilingLetter.objects.get(pk=letter_id)
    if letter.documents_ready or letter.document_data is None:
        return letter
    context = {**letter.document_data, "verify_qr": verification.qr_data_uri(letter.verify_code)}
    docx_bytes = letters.render_docx(context)
    # Signed (PAdES) after rendering and before hashing: the stored SHA-256 is the signed file's.
    pdf_bytes = signing.sign_pdf(letters.render_letter_pdf(context))
    return _store_documents(letter_id, docx_bytes, pdf_bytes)


def _store_documents(letter_id: int, docx_bytes: bytes, pdf_bytes: bytes) -> FilingLetter:
    with atomic_uploads():
        letter = FilingLetter.objects.select_for_update().get(pk=letter_id)
        if letter.documents_ready:  # stored by a concurrent retry meanwhile
            return letter
        title = letter.get_kind_display()
        user = letter.issued_by
        letter.docx = _store(docx_bytes, f"{title} {letter.number}.docx", "docx", user)
        letter.pdf = _store(pdf_bytes, f"{title} {letter.number}.pdf", "pdf", user)
        letter.docx_sha256 = letter.docx.sha256
        letter.pdf_sha256 = letter.pdf.sha256
        letter.save(update_fields=["docx", "pdf", "docx_sha256", "pdf_sha256", "updated_at"])
        audit.record(
            "filing_letter_documents",
            letter.application,
            actor=user,
            data={
                "letter": letter.number,
                "docx_sha256": letter.docx_sha256,
                "pdf_sha256": letter.pdf_sha256,
            },
            audience=Audience.APPLICANT,
        )
    return letter


def sweep_letter_documents() -> str:
    """Queue again the letters whose documents are still pending some minutes after issue (a
    rendering that failed, or a worker that died); runs inside the sweep's transaction, so
    the queued tasks are written with it."""
    before = clock.now() - RENDER_RETRY_AFTER
    stale = list(documents_pending().filter(created_at__lt=before).order_by("pk")[:RETRY_BATCH])
    queue_documents(stale)
    return f"{len(stale)} letter(s) queued for rendering again"
