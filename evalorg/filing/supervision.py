"""Local supervision notes on filed organizations (N-5.2, first step).

The city agency of the organization's city (属地监管) and the provincial center write dated
notes (检查、约谈、整改、其他); the department reads them. Staff only: the organization never
sees them, the public registry never shows them, and their audit events are ``staff`` events
on the institution (not on a case, so no applicant history can list them).
"""

from __future__ import annotations

from django import forms
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role
from evalorg.core import audit, clock
from evalorg.core.audit import Audience
from evalorg.institutions.models import Institution

from .models import SupervisionNote

CLAUSE = "N-5.2"


class NoteForm(forms.ModelForm):
    class Meta:
        model = SupervisionNote
        fields = ["kind", "happened_on", "text"]
        widgets = {
            "happened_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "text": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "text": gettext_lazy("不超过 %(max)d 字；仅工作人员可见（N-5.2）。")
            % {"max": SupervisionNote.MAX_TEXT},
        }
        error_messages = {
            "text": {
                "max_length": gettext_lazy(
                    "情况记录不能超过 %(limit_value)d 字（现为 %(show_value)d 字，N-5.2）。"
                )
            }
        }

    def clean_happened_on(self):
        day = self.cleaned_data["happened_on"]
        if day > clock.today():
            raise forms.ValidationError(_("日期不能晚于今天（N-5.2：记录已发生的监管情况）。"))
        return day

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError(_("请填写情况记录。"))
        return text


def filed_institutions() -> QuerySet[Institution]:
    """Organizations with at least one filing letter."""
    return Institution.objects.filter(applications__filing_letters__isnull=False).distinct()


def supervised_by(user) -> QuerySet[Institution]:
    """The filed organizations this staff user supervises: the province and the department
    all of them, a city agency those of its own city; nobody else any."""
    if not user.is_authenticated or not has_role(user, Role.AGENCY_STAFF):
        return Institution.objects.none()
    filed = filed_institutions()
    if has_role(user, Role.CITY_STAFF):
        if user.agency_id is None or user.agency.division_id is None:
            return Institution.objects.none()
        return filed.filter(city_id=user.agency.division_id)
    return filed


def may_write(user) -> bool:
    return has_role(user, Role.REVIEWING_STAFF)


def get_supervised(user, pk: int) -> Institution:
    """The organization, 404 for anyone who does not supervise it (its existence stays hidden)."""
    if not user.is_authenticated or not has_role(user, Role.AGENCY_STAFF):
        raise Http404
    return get_object_or_404(supervised_by(user).select_related("city"), pk=pk)


def notes_of(institution: Institution) -> QuerySet[SupervisionNote]:
    return SupervisionNote.objects.filter(institution=institution).select_related(
        "author", "agency"
    )


def with_note_counts(institutions: QuerySet[Institution]) -> QuerySet[Institution]:
    return institutions.annotate(
        note_count=Count("supervision_notes", distinct=True),
        last_note_on=Max("supervision_notes__happened_on"),
        letter_count=Count(
            "applications", filter=Q(applications__filing_letters__isnull=False), distinct=True
        ),
    ).order_by("name", "pk")


def add_note(institution: Institution, user, data: dict) -> SupervisionNote:
    """Record a note (the caller checked ``get_supervised`` and ``may_write``) and audit it for
    staff only."""
    with transaction.atomic():
        note = SupervisionNote.objects.create(
            institution=institution,
            kind=data["kind"],
            happened_on=data["happened_on"],
            text=data["text"],
            author=user,
            agency_id=user.agency_id,
            created_at=clock.now(),
        )
        audit.record(
            "supervision_note_added",
            institution,
            actor=user,
            data={"note": note.pk, "kind": note.kind, "happened_on": note.happened_on},
            audience=Audience.STAFF,
        )
    return note
