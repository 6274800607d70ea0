"""Checking a filing letter one is shown (issue 25, N-5.2): each letter carries a random
verify code, printed as a QR code and a short URL (``/v/<code>/``); the public verify page
shows what the registry holds for it now, and says whether an uploaded file is the letter as
issued (its SHA-256 against the one recorded when it was issued)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import IO

import segno
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from evalorg.core import clock

from .models import FilingLetter
from .registry import occupations_of, status_of

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud or typed from paper
CODE_LENGTH = 10  # about 49 bits
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalised(code: str) -> str:
    return code.strip().upper().replace("-", "").replace(" ", "")


def verify_url(code: str) -> str:
    return settings.EVALORG_PUBLIC_URL + reverse("verify_short", args=[code])


def qr_data_uri(code: str) -> str:
    """The verify URL as an SVG QR code, for the letter's HTML (WeasyPrint draws SVG)."""
    svg = segno.make(verify_url(code), error="m").svg_inline(scale=3, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def qr_png(code: str) -> bytes:
    """The same QR code as PNG, for the Word letter."""
    import io

    buffer = io.BytesIO()
    segno.make(verify_url(code), error="m").save(buffer, kind="png", scale=6, border=2)
    return buffer.getvalue()


def find(code: str) -> FilingLetter | None:
    code = normalised(code)
    if not code or len(code) > 16:
        return None
    return (
        FilingLetter.objects.for_registry()
        .select_related("original")
        .filter(verify_code=code)
        .first()
    )


def find_by_number(number: str) -> FilingLetter | None:
    number = number.strip()
    if not number or len(number) > 60:
        return None
    return FilingLetter.objects.filter(number=number).first()


@dataclass(frozen=True)
class Record:
    """What the verify page shows of a letter, as of today."""

    letter: FilingLetter
    status: str
    is_current: bool
    occupations: list[dict]
    # Suspended or revoked by an effective sanction (N-5.2), whatever the validity says.
    sanctioned: bool = False


def record(letter: FilingLetter) -> Record:
    today = clock.today()
    status = status_of(letter, today)
    sanctioned = bool(getattr(letter, "org_status", None))
    valid = letter.valid_until >= today and not sanctioned
    return Record(letter, status, valid, occupations_of(letter), sanctioned)


@dataclass(frozen=True)
class FileCheck:
    matches: bool
    message: str


def check_file(letter: FilingLetter, upload: IO[bytes]) -> FileCheck:
    """Whether ``upload`` is, byte for byte, the PDF or Word letter issued (hashed while read,
    never stored)."""
    digest = hashlib.sha256()
    for chunk in iter(lambda: upload.read(64 * 1024), b""):
        digest.update(chunk)
    sha256 = digest.hexdigest()
    if sha256 in (letter.pdf_sha256, letter.docx_sha256):
        return FileCheck(True, _("该文件与系统存档的备案函完全一致，未被修改。"))
    return FileCheck(
        False,
        _(
            "该文件与系统存档的备案函不一致：文件可能被修改、重新扫描或并非本系统签发。"
            "请以本页显示的备案信息为准。"
        ),
    )
