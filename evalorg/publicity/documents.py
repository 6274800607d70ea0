"""The public notice's PDF, built once by the task worker (``documents.built``, issue 24)."""

from __future__ import annotations

from typing import Any

from evalorg.core import clock
from evalorg.documents.built import Source, queue_build

from .models import PublicityNotice

NOTICE_PDF = "publicity.notice_pdf"


def notice_context(notice: PublicityNotice) -> dict[str, Any]:
    return {
        "notice": notice,
        "entries": list(notice.entries.all()),
        "deadline": clock.deadline_end(notice.ends_on),
    }


def notice_pdf_source(notice_id: int) -> Source:
    notice = PublicityNotice.objects.select_related("round").get(pk=notice_id)
    return Source("publicity/notice_pdf.html", notice_context(notice), f"{notice.title}.pdf")


def build_notice_pdf(notice: PublicityNotice, actor: Any, data: dict[str, Any]) -> None:
    """Effect of ``publish``: the PDF is laid out by the worker before anyone asks for it."""
    queue_build(NOTICE_PDF, notice.pk)
