"""消息: the signed-in user's in-app messages. Only the recipient sees a message."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from evalorg.core import clock

from .models import Message

PAGE_SIZE = 20


def _mine(request: HttpRequest) -> QuerySet[Message]:
    return Message.objects.filter(recipient=request.user)


@login_required
def message_list(request: HttpRequest) -> HttpResponse:
    newest_first = _mine(request).order_by("-created_at", "-pk")
    page = Paginator(newest_first, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notify/list.html", {"page": page})


@login_required
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(_mine(request), pk=pk)
    if message.read_at is None:
        message.read_at = clock.now()
        message.save(update_fields=["read_at"])
    return render(request, "notify/detail.html", {"msg": message, "link": _local(message.url)})


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = _mine(request).filter(read_at__isnull=True).update(read_at=clock.now())
    messages.success(request, _("已将 %(n)d 条消息标为已读。") % {"n": count})
    return redirect("notify:list")


def _local(url: str) -> str:
    """The message's link if it stays on this site (no scheme, no host), else nothing."""
    return url if url and url_has_allowed_host_and_scheme(url, allowed_hosts=set()) else ""
