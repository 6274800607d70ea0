"""PDF documents: a Django template rendered to HTML, laid out by WeasyPrint.

Templates extend ``documents/print_base.html`` (A4, page numbers, CJK fonts from the Debian
``fonts-noto-cjk`` package). Resources are fetched only from the project's static files, the
app sources and ``data:`` URIs: rendering never touches the network or other local files.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template import engines
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """The named template, rendered with ``context``, as PDF bytes."""
    return html_to_pdf(render_to_string(template_name, context))


def render_pdf_from_string(template_string: str, context: dict[str, Any]) -> bytes:
    """Like ``render_pdf`` for a template given as a string (may extend print_base.html)."""
    template = engines["django"].from_string(template_string)
    return html_to_pdf(template.render(context))


def html_to_pdf(html: str) -> bytes:
    base_url = Path(settings.BASE_DIR).as_uri() + "/"
    return HTML(string=html, base_url=base_url, url_fetcher=LocalFetcher()).write_pdf()


class LocalFetcher(URLFetcher):
    """Serves ``data:`` URIs, static files (``/static/...``) and files under ``evalorg/``."""

    def fetch(self, url: str, headers: dict | None = None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        path = local_path(url)
        if path is None:
            raise ValueError(f"not a project file: {url}")
        return super().fetch(path.as_uri(), headers)


def local_path(url: str) -> Path | None:
    """The project file a ``file:`` URL stands for, or None if it is not one."""
    parsed = urlparse(url)
    if parsed.scheme != "file":
        return None
    path = posixpath.normpath(unquote(parsed.path))  # no way out through “..”
    static_prefix = urlparse(settings.STATIC_URL).path
    if path.startswith(static_prefix):
        return _static_file(path.removeprefix(static_prefix))
    resolved = Path(path).resolve()
    app_root = (Path(settings.BASE_DIR) / "evalorg").resolve()
    return resolved if resolved.is_relative_to(app_root) and resolved.is_file() else None


def _static_file(relative: str) -> Path | None:
    found = finders.find(relative)
    if found:
        return Path(found)
    if settings.STATIC_ROOT:
        collected = (Path(settings.STATIC_ROOT) / relative).resolve()
        if collected.is_relative_to(Path(settings.STATIC_ROOT).resolve()) and collected.is_file():
            return collected
    return None
