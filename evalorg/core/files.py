"""Private uploads: type sniffed from content, size limits, SHA-256, random storage names.

Files live in Django's default storage (never under a public URL) as ``StoredFile.storage_path``,
a random key unrelated to the uploader's file name. They are streamed only through
``file_response`` by views that have already checked access. Content is checked by
``core.content_checks`` (active PDFs, polyglot images, ZIP bombs). ``discard`` deletes a draft's
upload that nobody but its uploader has seen; ``release_when_replaced`` and the ``orphan_files``
sweep delete files no row refers to any more (docs/operations.md "Orphaned files").
"""

from __future__ import annotations

import hashlib
import math
import os
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from typing import IO, Any

import filetype
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import FileResponse
from django.utils.translation import gettext as _

from .models import StoredFile

KIND_LABELS = {
    "pdf": "PDF",
    "jpeg": "JPEG 图片",
    "png": "PNG 图片",
    "docx": "Word 文档（DOCX）",
    "xlsx": "Excel 表格（XLSX）",
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXTENSIONS = {
    "pdf": (".pdf",),
    "jpeg": (".jpg", ".jpeg"),
    "png": (".png",),
    "docx": (".docx",),
    "xlsx": (".xlsx",),
}

# filetype's extension for the signature -> our kind. ZIP-based files are handled separately.
_SIGNATURE_KINDS = {"pdf": "pdf", "jpg": "jpeg", "png": "png", "apng": "png"}
_HEAD_BYTES = 8192  # what filetype inspects
_ZIP_MAGIC = b"PK\x03\x04"
_OOXML_MAIN_PARTS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
_MACRO_PARTS = {"word/vbaProject.bin", "xl/vbaProject.bin"}
_MAX_NAME = 255
_CHUNK = 64 * 1024


class UploadRefused(Exception):
    """An upload was refused; ``message`` tells the user why, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def sniff_kind(fileobj: IO[bytes]) -> str | None:
    """The file's kind (pdf, jpeg, png, docx, xlsx) judged from its bytes, or None.

    The name is never consulted. The file is rewound afterwards.
    """
    fileobj.seek(0)
    try:
        head = fileobj.read(_HEAD_BYTES)
        if head.startswith(_ZIP_MAGIC):
            return _ooxml_kind(fileobj)
        guess = filetype.guess(head)
        return _SIGNATURE_KINDS.get(guess.extension) if guess else None
    finally:
        fileobj.seek(0)


def _ooxml_kind(fileobj: IO[bytes]) -> str | None:
    """docx or xlsx when the ZIP directory holds the part that makes it one; else None.

    Only the central directory is read, so a ZIP bomb costs nothing. Macro-enabled
    documents (.docm, .xlsm) are not an allowed type and are refused.
    """
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names or names & _MACRO_PARTS:
        return None
    kinds = [kind for kind, part in _OOXML_MAIN_PARTS.items() if part in names]
    return kinds[0] if len(kinds) == 1 else None


def kinds_label(kinds: Iterable[str]) -> str:
    """“PDF、JPEG 图片” for a list of kinds, in the order given."""
    return "、".join(KIND_LABELS.get(kind, kind.upper()) for kind in kinds)


def _size_label(size: int, *, round_up: bool) -> str:
    """Size in MB (or KB below 1 MB) with one decimal at most.

    The file's size rounds up and the limit rounds down, so a refused file never looks
    as if it were within the limit.
    """
    unit, label = (1024 * 1024, "MB") if size >= 1024 * 1024 else (1024, "KB")
    rounding = math.ceil if round_up else math.floor
    value = rounding(size * 10 / unit) / 10
    return f"{value:g} {label}"


def clean_name(name: str | None) -> str:
    """The uploader's file name reduced to a safe display name (basename, max 255 chars).

    Control and formatting characters go (newlines would break headers; U+202E can
    disguise “exe” as “pdf”).
    """
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf")).strip()
    if not name.strip("."):
        name = _("未命名文件")
    if len(name) > _MAX_NAME:
        stem, ext = os.path.splitext(name)
        ext = ext[:16]
        name = stem[: _MAX_NAME - len(ext)] + ext
    return name


def _check_size(name: str, size: int, max_bytes: int) -> None:
    if size == 0:
        raise UploadRefused(_("文件“%(name)s”是空文件，请重新选择。") % {"name": name})
    if size > max_bytes:
        raise UploadRefused(
            _("文件“%(name)s”大小为 %(size)s，超过本项上限 %(limit)s。")
            % {
                "name": name,
                "size": _size_label(size, round_up=True),
                "limit": _size_label(max_bytes, round_up=False),
            }
        )


def _check_kind(name: str, kind: str | None, allowed: list[str]) -> str:
    if kind is None:
        raise UploadRefused(
            _("文件“%(name)s”的实际类型不是允许的类型（允许：%(allowed)s）。")
            % {"name": name, "allowed": kinds_label(allowed)}
        )
    if kind not in allowed:
        raise UploadRefused(
            _("文件“%(name)s”是 %(kind)s，本项只允许：%(allowed)s。")
            % {"name": name, "kind": KIND_LABELS[kind], "allowed": kinds_label(allowed)}
        )
    return kind


def _sha256_and_size(uploaded: File[Any], name: str, max_bytes: int) -> tuple[str, int]:
    """Hash the bytes actually received; refuse if they exceed the limit after all."""
    digest = hashlib.sha256()
    size = 0
    for chunk in uploaded.chunks(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if size > max_bytes:
            break
    _check_size(name, size, max_bytes)
    return digest.hexdigest(), size


# Paths written inside the innermost ``atomic_uploads`` block (None outside any block).
_pending_paths: ContextVar[list[str] | None] = ContextVar("evalorg_pending_uploads", default=None)


@contextmanager
def atomic_uploads() -> Iterator[None]:
    """``transaction.atomic()`` that also removes the bytes stored inside it on rollback.

    Storage is not transactional: without this, a refused second upload or a failed audit
    after ``store_upload`` would roll the rows back and leave their bytes behind.
    """
    paths: list[str] = []
    token = _pending_paths.set(paths)
    try:
        with transaction.atomic():
            yield
    except BaseException:
        for path in paths:
            default_storage.delete(path)
        raise
    finally:
        _pending_paths.reset(token)
    outer = _pending_paths.get()
    if outer is not None:
        outer.extend(paths)  # an enclosing block that rolls back removes them too


def store_upload(
    uploaded: File[Any], *, allowed_kinds: Iterable[str], max_bytes: int, user: Any
) -> StoredFile:
    """Check and keep one upload; returns the saved ``StoredFile``.

    Refusals raise ``UploadRefused`` before anything is written. The content type comes from
    the sniffed kind, never from the browser.
    """
    name = clean_name(uploaded.name)
    _check_size(name, uploaded.size or 0, max_bytes)
    kind = _check_kind(name, sniff_kind(uploaded), list(allowed_kinds))
    sha256, size = _sha256_and_size(uploaded, name, max_bytes)
    from .content_checks import check_content  # it needs UploadRefused from here

    check_content(name, kind, uploaded)

    stored = StoredFile(
        original_name=name,
        kind=kind,
        content_type=CONTENT_TYPES[kind],
        size=size,
        sha256=sha256,
        uploaded_by=user,
    )
    saved_as = default_storage.save(stored.storage_path, uploaded)
    try:
        if saved_as != stored.storage_path:
            raise RuntimeError(f"storage saved {saved_as!r}, expected {stored.storage_path!r}")
        stored.save()
    except Exception:
        default_storage.delete(saved_as)  # no row refers to it
        raise
    pending = _pending_paths.get()
    if pending is not None:
        pending.append(saved_as)
    return stored


def discard(stored: StoredFile) -> None:
    """Delete ``stored``: its row now, its bytes once the transaction commits.

    Only for a file nobody but its uploader has seen (a draft's material): everything else is
    kept as evidence. The caller removes the rows that refer to it first.
    """
    path = stored.storage_path
    stored.delete()
    transaction.on_commit(lambda: default_storage.delete(path))


def open_stored(stored: StoredFile) -> File[Any]:
    """The stored bytes, opened for reading. The caller closes it."""
    return default_storage.open(stored.storage_path, "rb")


def download_name(stored: StoredFile) -> str:
    """The original name, with the right extension added when it does not match the kind."""
    name = stored.original_name
    extensions = EXTENSIONS.get(stored.kind, ())
    if extensions and not name.lower().endswith(extensions):
        name += extensions[0]
    return name


def file_response(stored: StoredFile, *, inline: bool = False) -> FileResponse:
    """Stream a stored file with its sniffed content type and its original (Chinese) name.

    No access check happens here: callers must check that the user may see the file (and
    audit the read where required) before calling this.
    """
    response = FileResponse(
        open_stored(stored),
        as_attachment=not inline,
        filename=download_name(stored),
        content_type=stored.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# ---- orphans (issue 21 item 8) ------------------------------------------------------------------
# A file is reachable only through a foreign key to its row: a row nothing refers to (a
# declaration's evidence replaced by a new upload) and bytes without a row are orphans. Audit
# events name files by SHA-256 only, so removing the bytes leaves the trail intact. Material
# versions are kept deliberately once submitted: their rows still refer to them.


def _file_relations() -> list[Any]:
    return [
        field
        for field in StoredFile._meta.get_fields(include_hidden=True)
        if field.is_relation and field.auto_created and not field.concrete
    ]


def referenced(pks: Iterable[int]) -> set[int]:
    """The ids among ``pks`` that some row refers to."""
    wanted, found = set(pks), set()
    for relation in _file_relations():
        column = relation.field.attname
        manager = relation.related_model._default_manager
        found |= set(manager.filter(**{f"{column}__in": wanted}).values_list(column, flat=True))
    return found


def release_when_replaced(stored_pk: int | None) -> None:
    """Once the transaction that replaced it commits, delete ``stored_pk``'s row and bytes
    unless another row still refers to it."""
    if stored_pk is not None:
        transaction.on_commit(lambda: remove_orphans([stored_pk]))


def remove_orphans(pks: Iterable[int]) -> list[str]:
    """Delete the rows among ``pks`` nothing refers to, then their bytes; their paths."""
    with transaction.atomic():
        rows = list(StoredFile.objects.select_for_update().filter(pk__in=list(pks)))
        keep = referenced(row.pk for row in rows)
        gone = [row for row in rows if row.pk not in keep]
        StoredFile.objects.filter(pk__in=[row.pk for row in gone]).delete()
        paths = [row.storage_path for row in gone]
        transaction.on_commit(lambda: _delete_bytes(paths))
    return paths


def _delete_bytes(paths: list[str]) -> None:
    for path in paths:
        default_storage.delete(path)


def unreferenced_rows(older_than: Any) -> list[int]:
    """Ids of rows uploaded before ``older_than`` that nothing refers to (an upload still
    being attached by its request is younger); one query whatever the number of files."""
    rows = StoredFile.objects.filter(uploaded_at__lt=older_than)
    for relation in _file_relations():
        column = relation.field.attname
        pointing = relation.related_model._default_manager.filter(**{f"{column}__isnull": False})
        rows = rows.exclude(pk__in=pointing.values(column))
    return list(rows.values_list("pk", flat=True))


def rowless_paths() -> list[str]:
    """Storage paths under ``files/`` that no row names (bytes left by a crash)."""
    known = {f"files/{key[:2]}/{key}" for key in StoredFile.objects.values_list("key", flat=True)}
    if not default_storage.exists("files"):
        return []
    found = []
    for folder in default_storage.listdir("files")[0]:
        for name in default_storage.listdir(f"files/{folder}")[1]:
            path = f"files/{folder}/{name}"
            if path not in known:
                found.append(path)
    return found


def sweep_orphan_files() -> str:
    """Sweep: remove rows nothing refers to (older than a day) with their bytes, and bytes of
    no row. ``manage.py orphan_files --dry-run`` lists them instead."""
    from . import clock

    rows = remove_orphans(unreferenced_rows(clock.now() - timedelta(days=1)))
    loose = rowless_paths()
    for path in loose:
        default_storage.delete(path)
    return f"orphan files: {len(rows)} unreferenced, {len(loose)} without a row removed"
