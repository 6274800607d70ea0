"""The one case page's sections (issue 19 item 3): each stage adds what it knows of a case.

A section is ``fn(request, application) -> str`` returning rendered HTML (or "" for nothing),
registered with the page's position (``Order``: the stage it belongs to, SPEC §6) and the
readers it is for (``Reader``: the applicant, staff, an assigned expert). Stages register
theirs in ``AppConfig.ready`` so that applications imports no stage. The page decides who
reads it once (``reader_of``); a section never shown to a reader is never called for them,
so an expert gets no history, no cultivation and no letters whatever a section would say.

Actions that are performed on a page of their own (verification: the checklist) are named
with ``register_action_page``: the case page links there instead of showing a button, and a
POST of the action to the case page is sent there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role

from . import access

Section = Callable[[HttpRequest, object], str]


class Reader(StrEnum):
    """Who reads the case page: its own institution, agency staff (the receiving agency, the
    center, the department; administrators read as staff), or an expert assigned to it."""

    APPLICANT = "applicant"
    STAFF = "staff"
    EXPERT = "expert"


class Order(IntEnum):
    """Where a section stands on the page: the stage it belongs to (SPEC §6)."""

    APPLICATION = 10
    CITY_REVIEW = 20
    STAGES = 30
    PROVINCIAL = 40
    PUBLICITY = 50
    CULTIVATION = 60
    FILING = 70
    SUPERVISION = 80


CASE_READERS = frozenset({Reader.APPLICANT, Reader.STAFF})


@dataclass(frozen=True)
class CaseSection:
    render: Section
    order: int
    readers: frozenset[Reader]


_sections: list[CaseSection] = []
_action_pages: dict[str, str] = {}


def register_case_section(
    section: Section, *, order: int, readers: Iterable[Reader] = CASE_READERS
) -> None:
    if any(s.render is section for s in _sections):
        raise ImproperlyConfigured(f"Case section {section!r} is registered twice.")
    _sections.append(CaseSection(section, order, frozenset(readers)))
    _sections.sort(key=lambda s: s.order)  # stable: one stage's sections keep their order


def register_action_page(action: str, url_name: str) -> None:
    """``action`` is performed on the page ``url_name`` (which takes the case's pk)."""
    if action in _action_pages:
        raise ImproperlyConfigured(f"The page of action {action!r} is registered twice.")
    _action_pages[action] = url_name


def action_page(action: str) -> str:
    """The URL name of the page where ``action`` is performed, or "" for the case page."""
    return _action_pages.get(action, "")


def reader_of(application, user) -> Reader:
    """How ``user``, who may see ``application`` (``access.get_for_user``), reads its page."""
    if access.is_own(application, user):
        return Reader.APPLICANT
    if has_role(user, Role.EXPERT):
        return Reader.EXPERT
    return Reader.STAFF


def render_sections(request: HttpRequest, application, reader: Reader) -> list[str]:
    """The sections for ``reader``, in page order; empty ones left out."""
    shown = (s for s in _sections if reader in s.readers)
    return [html for s in shown if (html := s.render(request, application))]
