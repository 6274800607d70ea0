"""Sending a city's batch to the provincial center (N-4.1.2).

The stage's decision itself is the effect of its transition (``recommend``, ``not_recommend``,
``select``, ``reject``: ``transitions.stores_decision``). ``send_batch`` sends every recommended
case as one all-or-nothing batch and gives the city its receipt in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from evalorg.accounts.models import Agency, Role, User
from evalorg.applications.models import Application
from evalorg.applications.workflow import Batch, perform_many
from evalorg.core import audit, clock
from evalorg.notify.services import notify_users, queue_email


def _staff_of(agency: Agency) -> list[User]:
    roles = (Role.CITY_STAFF, Role.PROVINCE_STAFF)
    return list(User.objects.filter(agency=agency, role__in=roles, is_active=True))


def send_batch(applications: Sequence[Application], user) -> Batch:
    """Send the cases to the province, all or nothing; the city gets a receipt (in-app and
    e-mail) and the center a notice, in the same transaction as the batch."""
    with transaction.atomic():
        batch = perform_many(applications, "send_to_province", user)
        agency = user.agency
        center = Agency.objects.get(kind=Agency.Kind.PROVINCE)
        count = len(batch.done)
        first = batch.done[0]
        audit.record(
            "province_received",
            first.round,
            actor=user,
            data={"agency": agency.pk, "batch": batch.id, "count": count},
        )
        _receipt(agency, center, first.round, batch, count)
    return batch


def _receipt(agency: Agency, center: Agency, round_, batch: Batch, count: int) -> None:
    values = {
        "center": center.name,
        "agency": agency.name,
        "n": count,
        "batch": batch.id[:8],
        "at": f"{clock.now():%Y-%m-%d %H:%M}",
        "round": round_.name,
    }
    subject = _("%(center)s已接收%(agency)s报送的 %(n)s 份推荐申请（批次 %(batch)s）") % values
    body = (
        _(
            "%(agency)s：\n%(center)s已于 %(at)s 接收贵机构在“%(round)s”中报送的 %(n)s 份推荐申请，"
            "报送批次号 %(batch)s。"
        )
        % values
    )
    city_staff = _staff_of(agency)
    notify_users(city_staff, subject, body=body, url=reverse("review:ranking"))
    queue_email([agency.email, *(u.email for u in city_staff)], subject, body)
    incoming = _("收到%(agency)s报送的 %(n)s 份推荐申请（批次 %(batch)s）") % values
    notify_users(_staff_of(center), incoming, body=body, url=reverse("province:overview"))
