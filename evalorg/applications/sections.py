"""Sections later stages add to the case page (publicity: the notice and its objections).

A section is ``fn(request, application) -> str`` returning rendered HTML (or "" for nothing);
stages register theirs in ``AppConfig.ready`` so that applications imports no stage.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

Section = Callable[[HttpRequest, object], str]
_sections: list[Section] = []


def register_case_section(section: Section) -> None:
    if section in _sections:
        raise ImproperlyConfigured(f"Case section {section!r} is registered twice.")
    _sections.append(section)


def render_sections(request: HttpRequest, application) -> list[str]:
    return [html for section in _sections if (html := section(request, application))]
