"""PDF rendering with WeasyPrint: Chinese text, embedded CJK fonts, page numbers, no fetching."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image
from pypdf import PdfReader

from evalorg.documents.pdf import local_path, render_pdf, render_pdf_from_string

NAME = "广东省社会培训评价组织"
TEMPLATE = """{% extends "documents/print_base.html" %}
{% block title %}备案申请表{% endblock %}
{% block header %}<p class="meta">粤人社函〔2023〕1号</p>{% endblock %}
{% block content %}
<h1>{{ name }}备案申请表</h1>
<table>
  <thead><tr><th>序号</th><th>职业（工种）</th></tr></thead>
  {% for row in rows %}<tr><td>{{ forloop.counter }}</td><td>{{ row }}</td></tr>{% endfor %}
</table>
{{ extra|safe }}
{% endblock %}"""


def render(rows=("焊工",), extra: str = "") -> PdfReader:
    pdf = render_pdf_from_string(TEMPLATE, {"name": NAME, "rows": rows, "extra": extra})
    assert pdf.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(pdf))


def embedded_fonts(reader: PdfReader) -> set[str]:
    """BaseFont names of fonts whose program is embedded (FontFile, FontFile2 or FontFile3)."""
    names = set()
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            for part in [font, *(d.get_object() for d in font.get("/DescendantFonts", []))]:
                descriptor = part.get("/FontDescriptor")
                files = {"/FontFile", "/FontFile2", "/FontFile3"}
                if descriptor is not None and files & set(descriptor.get_object().keys()):
                    names.add(str(part["/BaseFont"]))
    return names


def image_count(reader: PdfReader) -> int:
    count = 0
    for page in reader.pages:
        xobjects = page["/Resources"].get("/XObject", {})
        count += sum(1 for x in xobjects.values() if x.get_object()["/Subtype"] == "/Image")
    return count


def test_chinese_text_extracts_back_with_an_embedded_cjk_font():
    reader = render()
    text = reader.pages[0].extract_text()

    assert f"{NAME}备案申请表" in text
    assert "粤人社函〔2023〕1号" in text
    assert "焊工" in text
    fonts = embedded_fonts(reader)
    assert any("CJK" in name or "Noto" in name for name in fonts), fonts


def test_page_numbers_count_all_pages():
    reader = render(rows=[f"职业{n}" for n in range(120)])
    pages = len(reader.pages)

    assert pages > 1
    assert f"第 1 页 / 共 {pages} 页" in reader.pages[0].extract_text()
    last = reader.pages[-1].extract_text()
    assert f"第 {pages} 页 / 共 {pages} 页" in last
    assert "序号" in last  # the table head repeats
    assert f"{NAME}备案申请表" in last  # running title from page 2


def test_render_pdf_uses_named_templates():
    reader = PdfReader(io.BytesIO(render_pdf("documents/print_base.html", {})))

    assert "第 1 页 / 共 1 页" in reader.pages[0].extract_text()


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, "PNG")
    return buffer.getvalue()


def test_files_outside_the_project_are_not_fetched(tmp_path):
    outside = tmp_path / "secret.png"
    outside.write_bytes(png_bytes())

    assert image_count(render(extra=f'<img src="{outside.as_uri()}">')) == 0
    assert image_count(render(extra='<img src="http://example.invalid/x.png">')) == 0


def test_data_uris_are_embedded():
    data = base64.b64encode(png_bytes()).decode()

    assert image_count(render(extra=f'<img src="data:image/png;base64,{data}">')) == 1


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("file:///static/css/evalorg.css", "evalorg/static/css/evalorg.css"),
        ("file:///static/../etc/passwd", None),
        ("file:///etc/passwd", None),
        ("https://example.com/static/css/evalorg.css", None),
    ],
)
def test_local_path_allows_only_project_files(url, expected):
    path = local_path(url)

    assert path == (Path(settings.BASE_DIR) / expected if expected else None)
