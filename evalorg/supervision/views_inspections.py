"""Random inspection pages (双随机、一公开, N-5.2): the provincial center draws and publishes
(``/supervision/inspections/``), every draw page shows its seed and a re-run (重新演算) of the
draw from the record; the public page lists published draws without inspector identities."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import role_required
from evalorg.core import clock
from evalorg.core.actions import run, run_transition
from evalorg.core.workflow import available_actions

from .inspections import create_draw, draws_for, rows_for, verify
from .models import Inspection, InspectionDraw

DRAW_READERS = (Role.PROVINCE_STAFF, Role.DEPARTMENT, Role.CITY_STAFF, Role.EXPERT)


class DrawForm(forms.Form):
    year = forms.IntegerField(label=_lazy("年度"), min_value=2000, max_value=2100)
    share = forms.IntegerField(label=_lazy("抽取比例（%）"), min_value=1, max_value=100)
    seed = forms.IntegerField(
        label=_lazy("随机种子（可不填，由系统生成）"),
        required=False,
        min_value=0,
        max_value=2**48 - 1,
    )


def _draw_url(draw: InspectionDraw) -> str:
    return reverse("supervision:draw", args=[draw.pk])


@role_required(*DRAW_READERS)
def draws(request: HttpRequest) -> HttpResponse:
    rows = draws_for(request.user).select_related("drawn_by")
    if request.method == "POST" and not request.user.has_role(Role.PROVINCE_STAFF):
        raise PermissionDenied
    form = None
    if request.user.has_role(Role.PROVINCE_STAFF):
        form = DrawForm(request.POST or None, initial={"year": clock.today().year, "share": 5})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            return run(
                request,
                lambda: create_draw(request.user, data["year"], data["share"], data["seed"]),
                back=reverse("supervision:draws"),
                success=_("抽取完成，请核对后公开。"),
                done_url=_draw_url,
            )
    status = 400 if form is not None and form.errors else 200
    return render(request, "supervision/draws.html", {"draws": rows, "form": form}, status=status)


@role_required(*DRAW_READERS)
def draw_detail(request: HttpRequest, pk: int) -> HttpResponse:
    draw = get_object_or_404(draws_for(request.user), pk=pk)
    context = {
        "draw": draw,
        "inspections": rows_for(draw, request.user),
        "verification": verify(draw) if "verify" in request.GET else None,
        "actions": available_actions(draw, request.user),
    }
    return render(request, "supervision/draw.html", context)


@require_POST
@role_required(Role.PROVINCE_STAFF)
def draw_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    draw = get_object_or_404(draws_for(request.user), pk=pk)
    if action != "publish_draw":
        return redirect(_draw_url(draw))
    return run_transition(request, draw, action, back=_draw_url(draw))


def public_list(request: HttpRequest) -> HttpResponse:
    """Published draws with the drawn organizations and the re-run of the organizations'
    draw; inspectors are not named (only 已抽取检查人员)."""
    rows = InspectionDraw.objects.filter(status=InspectionDraw.Status.PUBLISHED).prefetch_related(
        Prefetch(
            "inspections",
            queryset=Inspection.objects.select_related("institution__city").order_by("position"),
        )
    )
    published = [(d, verify(d, list(d.inspections.all()))) for d in rows.order_by("-published_at")]
    return render(request, "supervision/public_inspections.html", {"draws": published})
