"""Documents built once, by the task worker, and served from storage (issue 24).

A public document must never be laid out per anonymous request: the notice PDF of 1,000 cases
costs 8.9 s of CPU and 350 MB each time. An app registers a document by name with a function
giving, for an object id, the template, its context and the download name (``register``).
Pages call ``current``: the HTML is rendered (cheap) and hashed; a ``BuiltDocument`` with that
hash is served, otherwise a build is queued (once per source while it is pending) and the
caller answers "being prepared". ``queue_build`` is also called where the source changes (a
notice published), so the document is usually ready before anyone asks.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from evalorg.core import clock
from evalorg.core.files import atomic_uploads, store_upload

from .models import BuiltDocument
from .pdf import html_to_pdf

PENDING_SECONDS = 600  # a queued build is not queued again for this long
MAX_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class Source:
    template: str
    context: dict[str, Any]
    filename: str


SourceOf = Callable[[int], Source]
_documents: dict[str, SourceOf] = {}


def register(name: str, source_of: SourceOf) -> None:
    if _documents.get(name, source_of) is not source_of:
        raise ImproperlyConfigured(f"Document {name!r} is registered twice.")
    _documents[name] = source_of


@dataclass(frozen=True)
class Current:
    source: Source
    html: str
    sha256: str
    built: BuiltDocument | None


def current(name: str, object_id: int) -> Current:
    """The document as it should be now, and its build if one exists."""
    source = _documents[name](object_id)
    html = render_to_string(source.template, source.context)
    sha256 = hashlib.sha256(html.encode()).hexdigest()
    built = (
        BuiltDocument.objects.select_related("file")
        .filter(name=name, object_id=object_id, source_sha256=sha256)
        .first()
    )
    return Current(source, html, sha256, built)


def get_or_queue(name: str, object_id: int) -> Current:
    """``current``, queueing a build when there is none (with an in-process task backend the
    build runs at once and is returned)."""
    now = current(name, object_id)
    if now.built is None and queue_build(name, object_id, now.sha256):
        now = current(name, object_id)
    return now


def queue_build(name: str, object_id: int, sha256: str = "") -> bool:
    """Queue a build after commit unless one for this source is already pending."""
    if sha256 and not cache.add(f"built-doc:{name}:{object_id}:{sha256}", 1, PENDING_SECONDS):
        return False
    transaction.on_commit(partial(_enqueue, name, object_id), robust=True)
    return True


def _enqueue(name: str, object_id: int) -> None:
    from .tasks import build_document

    build_document.enqueue(name, object_id)


def build(name: str, object_id: int) -> BuiltDocument:
    """Lay the current source out once (the task's work); an existing build is returned."""
    now = current(name, object_id)
    if now.built is not None:
        return now.built
    started = time.perf_counter()
    pdf = html_to_pdf(now.html)
    upload = ContentFile(pdf, name=now.source.filename)
    try:
        with atomic_uploads():
            stored = store_upload(upload, allowed_kinds=["pdf"], max_bytes=MAX_BYTES, user=None)
            return BuiltDocument.objects.create(
                name=name,
                object_id=object_id,
                source_sha256=now.sha256,
                file=stored,
                built_at=clock.now(),
                seconds=round(time.perf_counter() - started, 3),
            )
    except IntegrityError:  # built meanwhile by another worker
        return BuiltDocument.objects.get(name=name, object_id=object_id, source_sha256=now.sha256)
