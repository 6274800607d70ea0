"""The filing letter's documents: a Word file from a docxtpl template and a PDF from HTML.

The Word template is the active ``LetterTemplate`` uploaded by staff, else the default built
here with python-docx. Template variables: ``number``, ``organization``, ``uscc``, ``city``,
``issued_on``, ``valid_until`` (Chinese dates), ``round``, ``occupations`` (rows with ``code``,
``name``, ``level_label``), ``issuer``, and for a supplementary letter (补充备案函)
``supplementary`` (true) and ``original_number`` (the case's first letter); for checking the
letter, ``verify_url``, ``verify_code`` and ``verify_qr_image`` (the QR code, an inline image).
"""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docxtpl import DocxTemplate, InlineImage

from evalorg.core.files import open_stored
from evalorg.documents.pdf import render_pdf

from . import verification
from .models import LetterTemplate

ISSUER = "广东省职业技能服务指导中心"
FONT = "仿宋"


def default_template() -> bytes:
    """The built-in letter template (a docxtpl document), generated with python-docx."""
    document = Document()
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(14)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)

    def paragraph(text: str, *, center: bool = False, right: bool = False, bold: bool = False):
        p = document.add_paragraph()
        run = p.add_run(text)
        run.bold = bold
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif right:
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        return p

    title = paragraph(
        "关于同意{{ organization }}{% if supplementary %}补充备案职业（工种）"
        "{% elif expansion %}新增备案职业（工种）"
        "{% else %}备案为社会培训评价组织{% endif %}的函",
        center=True,
        bold=True,
    )
    title.runs[0].font.size = Pt(20)
    paragraph("{{ number }}", center=True)
    paragraph("{{ organization }}（统一社会信用代码：{{ uscc }}）：")
    paragraph(
        "{% if expansion %}根据贵单位新增职业（工种）备案申请，"
        "{% else %}根据{{ notice }}，{% endif %}"
        "经遴选、培育辅导和验收，"
        "{% if supplementary %}同意贵单位在原备案函（{{ original_number }}）基础上补充备案"
        "以下职业（工种）及等级，有效期与原备案函一致。补充备案职业（工种）及等级如下："
        "{% elif expansion %}同意贵单位新增备案以下职业（工种）及等级，有效期与原备案函"
        "（{{ original_number }}）一致。新增备案职业（工种）及等级如下："
        "{% else %}同意贵单位备案为社会培训评价组织，可按备案的职业（工种）及等级开展职业技能等级"
        "认定工作。备案职业（工种）及等级如下：{% endif %}"
    )
    table = document.add_table(rows=4, cols=3)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ["职业编码", "职业（工种）", "等级"], strict=True):
        cell.text = text
    table.rows[1].cells[0].text = "{%tr for o in occupations %}"
    for cell, text in zip(
        table.rows[2].cells, ["{{ o.code }}", "{{ o.name }}", "{{ o.level_label }}"], strict=True
    ):
        cell.text = text
    table.rows[3].cells[0].text = "{%tr endfor %}"
    paragraph(
        "备案有效期至{{ valid_until }}。"
        "有效期内请严格按照国家职业技能标准开展认定工作，接受属地监管。"
    )
    paragraph("{{ issuer }}", right=True)
    paragraph("{{ issued_on }}", right=True)
    check = paragraph("{{ verify_qr_image }}")
    check.add_run(
        "{% if verify_code %}扫描二维码或访问 {{ verify_url }} 可核验本备案函的真实性和当前状态"
        "（核验码：{{ verify_code }}）。{% endif %}"
    ).font.size = Pt(9)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def template_bytes() -> bytes:
    active = LetterTemplate.objects.filter(active=True).select_related("file").first()
    if active is None:
        return default_template()
    with open_stored(active.file) as handle:
        return handle.read()


def render_docx(context: dict[str, Any]) -> bytes:
    template = DocxTemplate(io.BytesIO(template_bytes()))
    code = context.get("verify_code")
    image = ""
    if code:
        image = InlineImage(template, io.BytesIO(verification.qr_png(code)), width=Mm(24))
    template.render(context | {"verify_qr_image": image}, autoescape=True)
    buffer = io.BytesIO()
    template.save(buffer)
    return buffer.getvalue()


def render_letter_pdf(context: dict[str, Any]) -> bytes:
    return render_pdf("filing/letter_pdf.html", context)
