"""Leadership-group meeting minutes (领导小组会议纪要): the upload that backs a recorded approval,
for the selection (N-4.1.3, ``selection.transitions``) and for acceptance batches (N-4.3,
``filing.batches``). One place for what a minutes file may be, how it is stored and the form
fields that record the meeting."""

from __future__ import annotations

from django import forms
from django.core.files import File
from django.utils.translation import gettext_lazy as _lazy

from evalorg.core.files import store_upload
from evalorg.core.models import StoredFile

MINUTES_KINDS = ("pdf", "docx", "jpeg", "png")
MINUTES_MAX_BYTES = 20 * 1024 * 1024


def store_minutes(upload: File, user) -> StoredFile:
    """Store the minutes (type sniffed, size checked); raises ``UploadRefused``. Call inside
    ``atomic_uploads`` so that a refused decision leaves no file behind."""
    return store_upload(upload, allowed_kinds=MINUTES_KINDS, max_bytes=MINUTES_MAX_BYTES, user=user)


class MinutesForm(forms.Form):
    """The meeting's date, name or reference, and its minutes; small inputs throughout."""

    decided_on = forms.DateField(
        label=_lazy("会议日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    meeting_ref = forms.CharField(label=_lazy("会议名称/文号"), max_length=100)
    minutes = forms.FileField(label=_lazy("会议纪要（PDF、Word 或图片）"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control form-control-sm")
