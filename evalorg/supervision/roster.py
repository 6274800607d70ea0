"""The roster of a reported assessment (认定名册, N-5.2): read from an XLSX upload (name,
identity number, result, certificate number), bounded and checked row by row; identity
numbers stored encrypted at rest and masked on every page; the full roster only in a download
whose every read is audited.

The key: ``settings.EVALORG_ROSTER_KEY`` (a Fernet key, from the environment variable of the
same name), else derived from ``SECRET_KEY`` (SHA-256 of a label and the secret, base64), so a
deployment that sets neither still never stores a plain identity number.
"""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass
from typing import IO, Any

from cryptography.fernet import Fernet
from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from stdnum.cn import ric

from evalorg.core.files import sniff_kind

from .models import AssessmentPlan, RosterEntry

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
COLUMNS = ("姓名", "身份证号", "认定结果", "证书编号")
RESULTS = {choice.value for choice in RosterEntry.Result}
MASK = "*"


class RosterRefused(Exception):
    def __init__(self, messages: list[str]) -> None:
        super().__init__("；".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class Row:
    row: int
    name: str
    id_number: str
    result: str
    certificate_no: str


def cipher() -> Fernet:
    key = getattr(settings, "EVALORG_ROSTER_KEY", "")
    if not key:
        digest = hashlib.sha256(b"evalorg-roster-key:" + settings.SECRET_KEY.encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return Fernet(key)


def encrypt(id_number: str) -> str:
    return cipher().encrypt(id_number.encode()).decode()


def decrypt(token: str) -> str:
    return cipher().decrypt(token.encode()).decode()


def mask(id_number: str) -> str:
    """``440102199001011234`` → ``4401**********1234``."""
    return id_number[:4] + MASK * (len(id_number) - 8) + id_number[-4:]


def _cell(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _check_row(number: int, cells: list[str]) -> tuple[Row | None, list[str]]:
    name, id_number, result, certificate = [*cells, "", "", "", ""][:4]
    id_number = id_number.upper()
    problems = []
    if not name:
        problems.append(_("第 %(row)d 行：姓名为空。") % {"row": number})
    if len(id_number) != 18 or not ric.is_valid(id_number):
        problems.append(
            _("第 %(row)d 行：身份证号不是有效的 18 位公民身份号码（GB 11643 校验）。")
            % {"row": number}
        )
    if result not in RESULTS:
        problems.append(_("第 %(row)d 行：认定结果须为“合格”或“不合格”。") % {"row": number})
    if problems:
        return None, problems
    return Row(number, name[:50], id_number, result, certificate[:50]), []


def read_roster(upload: IO[bytes], size: int) -> list[Row]:
    """The rows of an uploaded roster; ``RosterRefused`` naming every refused row."""
    if size > MAX_BYTES:
        raise RosterRefused([_("认定名册不能超过 5 MB。")])
    if sniff_kind(upload) != "xlsx":
        raise RosterRefused([_("认定名册须为 Excel（.xlsx）文件。")])
    workbook = load_workbook(upload, read_only=True, data_only=True)
    rows: list[Row] = []
    problems: list[str] = []
    sheet = workbook.worksheets[0]
    for number, values in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        cells = [_cell(v) for v in values[:4]]
        if not any(cells):
            continue
        if len(rows) + len(problems) >= MAX_ROWS:
            raise RosterRefused([_("认定名册不能超过 %(max)d 行。") % {"max": MAX_ROWS}])
        row, found = _check_row(number, cells)
        problems += found
        if row:
            rows.append(row)
    workbook.close()
    if problems:
        raise RosterRefused(problems[:20])
    if not rows:
        raise RosterRefused(
            [_("认定名册没有数据行（第 1 行为表头：%(cols)s）。") % {"cols": "、".join(COLUMNS)}]
        )
    return rows


def replace_roster(plan: AssessmentPlan, rows: list[Row]) -> None:
    """Store ``rows`` as the plan's roster (encrypted and masked), replacing an earlier one."""
    plan.roster.all().delete()
    f = cipher()
    RosterEntry.objects.bulk_create(
        RosterEntry(
            plan=plan,
            row=row.row,
            name=row.name,
            id_encrypted=f.encrypt(row.id_number.encode()).decode(),
            id_masked=mask(row.id_number),
            result=row.result,
            certificate_no=row.certificate_no,
        )
        for row in rows
    )


def roster_xlsx(plan: AssessmentPlan) -> bytes:
    """The full roster (identity numbers decrypted): the caller audits the read."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("认定名册")
    sheet.append(list(COLUMNS))
    f = cipher()
    for entry in plan.roster.order_by("row"):
        sheet.append(
            [
                entry.name,
                f.decrypt(entry.id_encrypted.encode()).decode(),
                entry.result,
                entry.certificate_no,
            ]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def sample_xlsx(rows: list[tuple[str, str, str, str]]) -> bytes:
    """A roster workbook (tests, demo)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
