"""附件4 PDFs past a size, built by the task worker and kept until the data change (issue 24).

The PDF of 5,000 rows takes a minute of CPU: a request must not lay it out (gunicorn's timeout
killed it). Up to ``ASYNC_ROWS`` rows the download is laid out at once, as before. Past that,
the request works out the summary (the stored ranking: cheap) and its fingerprint, the SHA-256
of everything the document prints but the time it was generated; a ``BuiltDocument`` with that
fingerprint is served, otherwise one build is queued (``tasks.build_summary_pdf``) and the page
says it is being prepared, with the rows laid out so far. A decision, a score or a name that
changes gives a new fingerprint, so a stale PDF is never served; the same data are never laid
out twice.
"""

from __future__ import annotations

import hashlib
import time
from functools import partial

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header

from evalorg.accounts.models import Agency
from evalorg.core import clock
from evalorg.core.files import atomic_uploads, file_response, store_upload
from evalorg.documents.models import BuiltDocument
from evalorg.rounds.models import Round

from .summary import TITLE, Summary, build_summary, pdf_of

NAME = "review.summary_pdf"
ASYNC_ROWS = 200  # about 2.5 s of CPU laid out in the request (11 ms a row)
PENDING_SECONDS = 1800  # a queued build is not queued again for this long
PROGRESS_SECONDS = 3600
MAX_BYTES = 200 * 1024 * 1024


def fingerprint(agency: Agency, summary: Summary) -> str:
    """SHA-256 of what the PDF prints (the generation time aside) and whose it is."""
    return hashlib.sha256(f"{agency.pk}\n{summary!r}".encode()).hexdigest()


def progress_key(sha256: str) -> str:
    return f"summary-pdf-progress:{sha256}"


def built_for(round_: Round, sha256: str) -> BuiltDocument | None:
    found = BuiltDocument.objects.filter(name=NAME, object_id=round_.pk, source_sha256=sha256)
    return found.select_related("file").first()


def pdf_response(
    request: HttpRequest, agency: Agency, round_: Round, prepared_by: str, filename: str
) -> HttpResponse:
    """The 附件4 PDF: laid out now when small, else the stored build or "being prepared"."""
    summary = build_summary(agency, round_, prepared_by)
    if len(summary.rows) <= ASYNC_ROWS:
        response = HttpResponse(pdf_of(summary), content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response
    sha256 = fingerprint(agency, summary)
    built = built_for(round_, sha256)
    if built is not None:
        return file_response(built.file)
    if cache.add(f"summary-pdf-pending:{sha256}", 1, PENDING_SECONDS):
        transaction.on_commit(
            partial(_enqueue, agency.pk, round_.pk, prepared_by, summary.prepared_on.isoformat()),
            robust=True,
        )
    done = cache.get(progress_key(sha256)) or 0
    context = {
        "title": TITLE,
        "back": reverse("review:ranking") + f"?round={round_.pk}",
        "done": done,
        "total": len(summary.rows),
    }
    response = render(request, "documents/being_built.html", context, status=202)
    response["Retry-After"] = "30"
    return response


def _enqueue(agency_id: int, round_id: int, prepared_by: str, prepared_on: str) -> None:
    from .tasks import build_summary_pdf

    build_summary_pdf.enqueue(agency_id, round_id, prepared_by, prepared_on)


def build(agency: Agency, round_: Round, prepared_by: str) -> BuiltDocument:
    """Lay the summary out as it is now (the task's work); an existing build is returned."""
    summary = build_summary(agency, round_, prepared_by)
    sha256 = fingerprint(agency, summary)
    built = built_for(round_, sha256)
    if built is not None:
        return built
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        cache.set(progress_key(sha256), done, PROGRESS_SECONDS)

    pdf = pdf_of(summary, progress)
    upload = ContentFile(pdf, name=f"{agency.name}-遴选推荐汇总表-{round_.year}.pdf")
    try:
        with atomic_uploads():
            stored = store_upload(upload, allowed_kinds=["pdf"], max_bytes=MAX_BYTES, user=None)
            return BuiltDocument.objects.create(
                name=NAME,
                object_id=round_.pk,
                source_sha256=sha256,
                file=stored,
                built_at=clock.now(),
                seconds=round(time.perf_counter() - started, 3),
            )
    except IntegrityError:  # built meanwhile by another worker
        return BuiltDocument.objects.get(name=NAME, object_id=round_.pk, source_sha256=sha256)
