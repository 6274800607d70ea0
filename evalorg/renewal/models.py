"""Renewal of a filing (延续, issue 25 item 6, N-5.2): the organization applies from 180 days
before its filing's validity ends until that day, reusing its institution profile and shown its
activity record (assessment plans and results, inspections, sanctions); its local agency accepts
(the validity of every letter is extended by the filing period) or returns it for changes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Renewal(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待受理")
        RETURNED = "returned", _("已退回")
        ACCEPTED = "accepted", _("已同意延续")

    MAX_STATEMENT = 2000

    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("评价组织"),
        on_delete=models.PROTECT,
        related_name="renewals",
    )
    # The organization's first filing letter, whose validity is the filing's.
    letter = models.ForeignKey(
        "filing.FilingLetter",
        verbose_name=_("备案函"),
        on_delete=models.PROTECT,
        related_name="renewals",
    )
    agency = models.ForeignKey(
        "accounts.Agency",
        verbose_name=_("属地监管机构"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    statement = models.TextField(_("延续说明"), max_length=MAX_STATEMENT)
    previous_valid_until = models.DateField(_("原有效期至"))
    new_valid_until = models.DateField(_("延续后有效期至"), null=True, blank=True)
    decided_on = models.DateField(_("同意延续日期"), null=True, blank=True)
    return_reason = models.TextField(_("退回理由"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("申请时间"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("备案延续申请")
        verbose_name_plural = _("备案延续申请")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return str(
            _("延续申请（有效期至 %(day)s）") % {"day": f"{self.previous_valid_until:%Y-%m-%d}"}
        )
