"""Checking a filing letter one is shown (issue 25, N-5.2): each letter carries a random
verify code, printed as a QR code and a short URL (``/v/<code>/``); the public verify page
shows what the registry holds for it now, and says whether an uploaded file is the letter as
issued: its PAdES signature checked against the department's certificate authority
(``signing``), and its SHA-256 against the one recorded when it was issued."""

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

from . import signing
from .models import FilingLetter
from .registry import occupations_of, status_of
from .signing import SignatureCheck

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
class Finding:
    """One line of an uploaded file's check: what it says and whether that is good news."""

    ok: bool
    text: str


@dataclass(frozen=True)
class FileCheck:
    """The answer to an upload: ``matches`` when it is the letter as issued (its signature
    holding, or an older unsigned letter byte for byte), then the three findings: the
    signature, whether the file was changed, whether the letter is current (N-5.2)."""

    matches: bool
    message: str
    findings: tuple[Finding, ...] = ()


def _sha256(upload: IO[bytes]) -> tuple[bytes, str]:
    content = upload.read(MAX_UPLOAD_BYTES + 1)
    return content, hashlib.sha256(content).hexdigest()


def check_file(letter: FilingLetter, upload: IO[bytes]) -> FileCheck:
    """Whether ``upload`` is the letter as issued: its PAdES signature validated against the
    department's CA (``signing.validate_bounded``: in a child process, time-bounded, with no
    database lock or transaction held) and its SHA-256 compared with the one recorded at issue
    (letters issued before signing, and the Word file, are checked by the hash alone). Read
    into memory (at most ``MAX_UPLOAD_BYTES``, the form refuses more), never stored."""
    content, sha256 = _sha256(upload)
    same = sha256 in (letter.pdf_sha256, letter.docx_sha256)
    is_pdf = b"%PDF-" in content[:1024]
    signature = signing.validate_bounded(content) if is_pdf else None
    findings = (
        _signature_finding(signature, same),
        _change_finding(signature, same, letter),
        _current_finding(record(letter)),
    )
    matches = same and (signature is None or not signature.signed or signature.holds)
    return FileCheck(matches, findings[1].text, findings)


def _signature_finding(signature: SignatureCheck | None, same: bool) -> Finding:
    if signature is None:
        return Finding(same, _("Word 文件不带电子签名，只能与系统存档的文件比对。"))
    if signature.timed_out:
        return Finding(
            False,
            _("文件结构过于复杂，未能在 %(s)s 秒内完成签名核验。")
            % {"s": f"{settings.EVALORG_UPLOAD_CHECK_SECONDS:g}"},
        )
    if not signature.readable:
        return Finding(False, _("文件不是可以正常打开的 PDF，无法核验电子签名。"))
    if not signature.signed:
        if same:
            return Finding(True, _("该备案函签发时尚未加盖电子签名，已按签发时存档的文件比对。"))
        return Finding(False, _("文件不带电子签名：不是本系统签发的备案函，或签名已被去除。"))
    if not signature.intact:
        return Finding(False, _("电子签名无效：签名所保护的内容已被改动。"))
    if not signature.trusted:
        return Finding(
            False,
            _(
                "电子签名不可信：签名证书不是广东省人力资源和社会保障厅的证书机构签发的，"
                "该文件不是本系统签发的备案函。"
            ),
        )
    return Finding(
        True,
        _("电子签名有效：由广东省人力资源和社会保障厅的证书签署（%(signer)s）。")
        % {"signer": signature.signer},
    )


def _change_finding(signature: SignatureCheck | None, same: bool, letter: FilingLetter) -> Finding:
    if same:
        return Finding(True, _("该文件与系统存档的备案函完全一致，未被修改。"))
    if signature is not None and signature.signed and signature.intact:
        if not signature.whole_file:
            return Finding(
                False,
                _(
                    "文件在签名之后被追加修改：签名只保护修改之前的内容，"
                    "与系统存档的备案函不一致，显示的内容可能已被改动。"
                ),
            )
        if signature.trusted:
            return Finding(
                False,
                _(
                    "该文件带有有效的电子签名，但不是备案函 %(number)s 的存档文件，"
                    "与本备案函不一致：请核对备案函编号。"
                )
                % {"number": letter.number},
            )
    return Finding(
        False,
        _(
            "该文件与系统存档的备案函不一致：文件可能被修改、重新扫描或并非本系统签发。"
            "请以本页显示的备案信息为准。"
        ),
    )


def _current_finding(now: Record) -> Finding:
    if now.is_current:
        return Finding(True, _("备案函现行有效（备案名录状态：%(s)s）。") % {"s": now.status})
    return Finding(
        False,
        _("备案函现已不再有效（备案名录状态：%(s)s），不能据此开展职业技能等级认定。")
        % {"s": now.status},
    )
