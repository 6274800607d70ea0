"""Long tables as PDF in chunks whose cost grows linearly, with flat memory (issue 24).

WeasyPrint lays out a whole document at once and keeps every page's boxes until it writes:
the 附件4 PDF of 5,000 rows took 1.25 GB. Here the rows are rendered ``per_chunk`` at a time,
each chunk a document of its own (the first with the heading, the last with the closing
lines), the chunks' pages appended to one ``pypdf`` writer, and the running title and the
"第 n 页 / 共 N 页" footer stamped on every page afterwards from a document of N empty pages
(a chunk cannot know its pages' numbers nor the total). A document of one chunk is laid out
as before, footer and all, by WeasyPrint alone.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

from django.template.loader import render_to_string
from pypdf import PdfReader, PdfWriter

from .pdf import html_to_pdf, render_pdf_from_string

Progress = Callable[[int, int], None]

# The margins' running title and page numbers, as print_base.html prints them, over ``pages``
# empty pages of the same size and margins.
STAMP_TEMPLATE = """{% extends "documents/print_base.html" %}
{% block style %}
  @page { size: {{ page_size }}; margin: {{ page_margin }};
    @top-right { content: "{{ title_css }}"; } }
  @page :first { @top-right { content: none; } }
  .blank { break-after: page; height: 1mm; }
  .blank:last-child { break-after: auto; }
{% endblock %}
{% block content %}{% for _ in pages %}<div class="blank"></div>{% endfor %}{% endblock %}
"""


def css_string(text: str) -> str:
    """``text`` inside a CSS double-quoted string."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def chunked_pdf(
    template: str,
    context: dict[str, Any],
    rows: Sequence[Any],
    *,
    per_chunk: int,
    title: str,
    page_size: str,
    page_margin: str,
    progress: Progress | None = None,
) -> bytes:
    """``template`` rendered with ``context`` for ``rows`` as one PDF. The template prints
    ``rows`` (a chunk of them), the heading when ``first``, the closing lines when ``last``,
    and no margin boxes when ``chunked``. ``progress(done, total)`` after each chunk."""
    chunks = [rows[i : i + per_chunk] for i in range(0, len(rows), per_chunk)] or [rows]
    if len(chunks) == 1:
        return render_chunk(template, context, rows, first=True, last=True, chunked=False)
    writer = PdfWriter()
    for number, chunk in enumerate(chunks):
        last = number == len(chunks) - 1
        pdf = render_chunk(template, context, chunk, first=number == 0, last=last, chunked=True)
        writer.append(PdfReader(io.BytesIO(pdf)))
        if progress:
            progress(min((number + 1) * per_chunk, len(rows)), len(rows))
    stamp_pages(writer, title=title, page_size=page_size, page_margin=page_margin)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def render_chunk(
    template: str, context: dict[str, Any], rows: Sequence[Any], **flags: bool
) -> bytes:
    return html_to_pdf(render_to_string(template, context | {"rows": rows, **flags}))


def stamp_pages(writer: PdfWriter, *, title: str, page_size: str, page_margin: str) -> None:
    """Put the running title (from the second page) and "第 n 页 / 共 N 页" on every page."""
    count = len(writer.pages)
    stamps = PdfReader(
        io.BytesIO(
            render_pdf_from_string(
                STAMP_TEMPLATE,
                {
                    "pages": range(count),
                    "title_css": css_string(title),
                    "page_size": page_size,
                    "page_margin": page_margin,
                },
            )
        )
    )
    if len(stamps.pages) != count:
        raise RuntimeError(f"page stamps: {len(stamps.pages)} pages for {count}")
    for page, stamp in zip(writer.pages, stamps.pages, strict=True):
        page.merge_page(stamp)
