"""The department's one form for recording a leadership group decision, on the selection's
approval page (N-4.1.3) and on an acceptance batch's page (N-4.3); rendered by the partial
``review/leadership/_decision_form.html``."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _lazy

from evalorg.documents.minutes import MinutesForm

from .leadership import Tick


class LeadershipApprovalForm(MinutesForm):
    """The meeting (date, name or reference), its minutes and a note; the ticks and each
    deferred case's note are the partial's ``approve`` and ``note-<pk>`` inputs."""

    note = forms.CharField(
        label=_lazy("备注"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["meeting_ref"].help_text = _lazy(
            "例如：广东省职业技能等级认定工作领导小组2023年第3次会议"
        )


def ticks_from(request: HttpRequest, application_ids: list[int]) -> list[Tick]:
    """The posted decision on each case put to the group: ticked, or deferred with a note."""
    ticked = set(request.POST.getlist("approve"))
    return [
        Tick(
            application_id=pk,
            approved=str(pk) in ticked,
            note=request.POST.get(f"note-{pk}", "").strip()[:500],
        )
        for pk in application_ids
    ]
