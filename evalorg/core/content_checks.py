"""What is inside an upload, after its kind was sniffed (issue #11, docs/security.md "Uploads").

- PDF: parsed with pypdf; refused when it cannot be parsed or carries JavaScript, a launch
  action or automatic actions (/JavaScript, /JS, /Launch, /AA, an /OpenAction that runs one).
  The object graph is walked (names are decoded, object streams included) and the raw bytes are
  scanned as well, so an object that no reader reaches is caught too.
- JPEG/PNG: decoded with Pillow (refused when it does not decode or is a decompression bomb)
  and refused with bytes after the image's end or HTML/script anywhere (polyglots).
- DOCX/XLSX: judged from the ZIP directory only, never extracted: refused above a total
  decompressed size, a compression ratio or a number of entries (ZIP bombs). Python's zipfile
  never decompresses an entry past the size its directory declares, so a lying directory
  cannot inflate more than was checked here.
"""

from __future__ import annotations

import re
import threading
import time
import warnings
import zipfile
import zlib
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageFile
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from .files import UploadRefused

PDF_ACTIVE_KEYS = frozenset({"/JavaScript", "/JS", "/Launch", "/AA"})
PDF_ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch", "/ImportData", "/RichMediaExecute"})
_PDF_RAW_NAMES = re.compile(rb"/(JavaScript|JS|Launch|AA)(?![A-Za-z0-9#])")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# Markers of at least five bytes: shorter ones turn up by chance in compressed image data.
_HTML_MARKERS = re.compile(
    rb"<\s*(script|html|body|iframe|svg|object|embed|meta)|javascript:", re.IGNORECASE
)
# Stream contents are binary (compressed); scanning them would find names by chance. Object
# streams are read by pypdf and walked instead.
_PDF_STREAMS = re.compile(rb"stream\r?\n.*?endstream", re.DOTALL)
_MAX_PDF_OBJECTS = 200_000
_MAX_ZIP_ENTRIES = 5_000
_JPEG_END = b"\xff\xd9"
# WeasyPrint sets PIL's process-wide LOAD_TRUNCATED_IMAGES on import; a truncated upload must
# still fail to decode here, so the flag is lowered while one image is checked.
_STRICT_DECODE = threading.Lock()
_PNG_END = b"IEND\xaeB`\x82"


def check_content(name: str, kind: str, fileobj: IO[bytes]) -> None:
    """Raise ``UploadRefused`` when the file's content is unsafe for its kind."""
    fileobj.seek(0)
    try:
        {"pdf": _check_pdf, "jpeg": _check_image, "png": _check_image}.get(kind, _check_ooxml)(
            name, kind, fileobj
        )
    finally:
        fileobj.seek(0)


def _refuse_active_pdf(name: str, what: str) -> UploadRefused:
    return UploadRefused(
        _(
            "文件“%(name)s”含有脚本或自动执行的动作（%(what)s），不予接收"
            "（上传规则：PDF 不得含 JavaScript、启动或自动动作）。请另存为普通 PDF 后重新上传。"
        )
        % {"name": name, "what": what}
    )


def _check_pdf(name: str, kind: str, fileobj: IO[bytes]) -> None:
    raw = fileobj.read()
    outside_streams = _PDF_STREAMS.sub(b"", raw)
    unescaped = _NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), outside_streams)
    if found := _PDF_RAW_NAMES.search(unescaped):
        raise _refuse_active_pdf(name, "/" + found.group(1).decode())
    deadline = time.monotonic() + settings.EVALORG_UPLOAD_CHECK_SECONDS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pypdf warns on every repaired flaw
            reader = PdfReader(fileobj, strict=False)
            found_name = _active_pdf_name(reader, deadline)
    except OutOfTime as exc:
        raise UploadRefused(
            _(
                "文件“%(name)s”结构过于复杂，无法在 %(seconds)s 秒内完成安全检查，不予接收"
                "（上传规则：每个文件的检查时间有上限）。请另存为普通 PDF 或拆分后重新上传。"
            )
            % {"name": name, "seconds": f"{settings.EVALORG_UPLOAD_CHECK_SECONDS:g}"}
        ) from exc
    except PDF_PARSER_ERRORS as exc:
        # pypdf's own limits (LimitReachedError: huge arrays, dictionaries, streams, cycles)
        # and whatever a crafted file makes a parser raise: a refusal, never a 500.
        raise UploadRefused(
            _(
                "文件“%(name)s”不是可以正常打开的 PDF，或超出了解析限制"
                "（上传规则：PDF 须能被解析），请重新导出后上传。"
            )
            % {"name": name}
        ) from exc
    if found_name:
        raise _refuse_active_pdf(name, found_name)


class OutOfTime(Exception):
    """The check of one file ran past its time budget (EVALORG_UPLOAD_CHECK_SECONDS)."""


# Everything a parser may raise on a hostile file short of the process dying: pypdf's own
# errors (PyPdfError covers PdfReadError, PdfStreamError, LimitReachedError), what its code
# raises on inconsistent objects, deep nesting and broken compressed streams.
PDF_PARSER_ERRORS = (
    PyPdfError,
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    AttributeError,
    AssertionError,
    RecursionError,
    OverflowError,
    UnicodeError,
    zlib.error,
    MemoryError,
)


def _active_pdf_name(reader: PdfReader, deadline: float) -> str:
    """The first active name found walking every object from the trailer and the xref;
    ``OutOfTime`` past ``deadline`` (time.monotonic)."""
    roots: list[Any] = [reader.trailer]
    for generation, numbers in reader.xref.items():
        roots.extend(IndirectObject(num, generation, reader) for num in numbers)
    roots.extend(IndirectObject(num, 0, reader) for num in reader.xref_objStm)
    seen: set[tuple[int, int]] = set()
    stack = roots
    steps = 0
    while stack:
        steps += 1
        if steps % 256 == 0 and time.monotonic() > deadline:
            raise OutOfTime
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            ref = (obj.idnum, obj.generation)
            if ref in seen:
                continue
            seen.add(ref)
            if len(seen) > _MAX_PDF_OBJECTS:
                raise ValueError("too many objects")
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            if found := _active_in_dict(obj):
                return found
            stack.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return ""


def _active_in_dict(obj: DictionaryObject) -> str:
    keys: set[str] = set(obj.keys()) & PDF_ACTIVE_KEYS
    if keys:
        return sorted(keys)[0]
    action = obj.get("/S")
    if action in PDF_ACTIVE_ACTIONS:
        return str(action)
    return ""


def _check_image(name: str, kind: str, fileobj: IO[bytes]) -> None:
    raw = fileobj.read()
    refused = UploadRefused(
        _(
            "文件“%(name)s”不是完整有效的图片，或图片之后夹带了其他内容，不予接收"
            "（上传规则：图片须能完整解码，且不得夹带网页或脚本）。"
        )
        % {"name": name}
    )
    if _HTML_MARKERS.search(raw):
        raise refused
    end = _JPEG_END if kind == "jpeg" else _PNG_END
    if not raw.rstrip(b"\x00").endswith(end):
        raise refused
    try:
        _decode(fileobj, kind)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Warning) as exc:
        raise refused from exc


def _decode(fileobj: IO[bytes], kind: str) -> None:
    """Decode every pixel; raises when the image is truncated, corrupt, a bomb or not ``kind``."""
    fileobj.seek(0)
    with _STRICT_DECODE, warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        tolerant, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
        try:
            with Image.open(fileobj) as image:
                if image.format != kind.upper():
                    raise ValueError(f"{image.format} is not {kind}")
                image.load()
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = tolerant


def _check_ooxml(name: str, kind: str, fileobj: IO[bytes]) -> None:
    try:
        with zipfile.ZipFile(fileobj) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise UploadRefused(
            _(
                "文件“%(name)s”不是完整有效的 Office 文件（上传规则：须能正常打开），"
                "请重新保存后上传。"
            )
            % {"name": name}
        ) from exc
    unpacked = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos) or 1
    max_unpacked = settings.EVALORG_OOXML_MAX_UNPACKED_BYTES
    ratio = unpacked / packed
    if (
        len(infos) > _MAX_ZIP_ENTRIES
        or unpacked > max_unpacked
        or (
            unpacked > settings.EVALORG_OOXML_RATIO_FROM_BYTES
            and ratio > settings.EVALORG_OOXML_MAX_RATIO
        )
    ):
        raise UploadRefused(
            _(
                "文件“%(name)s”解压后约 %(mb)s MB（压缩比 %(ratio)s:1），超出上传规则"
                "（解压后不超过 %(max)s MB、压缩比不超过 %(max_ratio)s:1），"
                "疑似压缩炸弹，不予接收。"
            )
            % {
                "name": name,
                "mb": unpacked // (1024 * 1024),
                "ratio": int(ratio),
                "max": max_unpacked // (1024 * 1024),
                "max_ratio": settings.EVALORG_OOXML_MAX_RATIO,
            }
        )
