"""The department's one form for recording a leadership group decision, on the selection's
approval page (N-4.1.3) and on an acceptance batch's page (N-4.3); rendered by the partial
``selection/leadership/_decision_form.html``."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.applications.workflow import Batch
from evalorg.core.actions import run
from evalorg.core.files import UploadRefused
from evalorg.documents.minutes import MinutesForm

from .leadership import Tick, record_decision, refusals
from .models import LeadershipApproval


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


def run_decision(
    request: HttpRequest,
    form: LeadershipApprovalForm,
    make: Callable[[], LeadershipApproval],
    ticks: list[Tick],
    *,
    back: str,
    success: Callable[[LeadershipApproval, Batch], str],
) -> HttpResponse | None:
    """Both pages' submission through ``core.actions.run``: ``approve``'s refusals first
    (nothing stored), then the decision recorded, told and redirected to ``back``. ``None``
    when the minutes file itself is refused: the caller shows the form with the error."""
    data = form.cleaned_data
    meeting = {
        "decided_on": data["decided_on"],
        "meeting_ref": data["meeting_ref"],
        "minutes": data["minutes"],
    }

    def act() -> None:
        with transaction.atomic():  # a refusal leaves no proposed selection behind either
            approval, moved = record_decision(
                make(), ticks, note=data.get("note", ""), user=request.user, **meeting
            )
        messages.success(request, success(approval, moved))

    try:
        return run(
            request,
            act,
            back=back,
            precheck=lambda: refusals(make, ticks, request.user, **meeting),
        )
    except UploadRefused as refused:
        form.add_error("minutes", str(refused))
        return None


class SelectionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_lazy("评审结论"), choices=[("select", _lazy("通过")), ("reject", _lazy("不通过"))]
    )
    reason = forms.CharField(
        label=_lazy("评审意见（内部）"),
        max_length=2000,
        error_messages={"required": _lazy("请填写评审意见。")},
    )
    applicant_reason = forms.CharField(
        label=_lazy("告知申请机构的理由"), max_length=1000, required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not data.get("applicant_reason", "").strip():
            self.add_error("applicant_reason", _("不通过时须填写告知申请机构的理由（N-4.1.3）。"))
        return data


class SessionForm(forms.Form):
    date = forms.DateField(
        label=_lazy("答辩日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start_time = forms.TimeField(
        label=_lazy("开始时间"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    place = forms.CharField(label=_lazy("答辩地点"), max_length=200)
