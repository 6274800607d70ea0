"""The home page's recent messages (issue #10): the user's five latest, one query."""

from __future__ import annotations

from django.template.loader import render_to_string

from .models import Message

RECENT = 5


def recent_messages(request) -> str | None:
    if not request.user.is_authenticated:
        return None
    latest = list(
        Message.objects.filter(recipient=request.user).order_by("-created_at", "-pk")[:RECENT]
    )
    return render_to_string("notify/_recent.html", {"latest": latest}, request=request)
