"""What the receiving agency asked the applicant to correct (read back from the audit chain)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from evalorg.core.models import AuditEvent

from .models import Application


def latest_return_reasons(application: Application) -> list[dict]:
    """The last return for correction: one ``{code, title, note}`` per failed item, then the
    general note (code ""). Read from the audit event, so it is exactly what was sent."""
    event = (
        AuditEvent.objects.for_object(application)
        .filter(action="return_for_correction")
        .order_by("-id")
        .first()
    )
    if event is None:
        return []
    items = [
        {"code": i.get("code", ""), "title": i.get("title", ""), "note": i.get("note", "")}
        for i in event.data.get("items") or []
    ]
    item_lines = {f"{i['title']}：{i['note']}" for i in items}
    reason = event.data.get("reason") or ""
    rest = [line for line in reason.splitlines() if line.strip() and line not in item_lines]
    if rest:
        items.append({"code": "", "title": _("其他意见"), "note": "\n".join(rest)})
    return items
