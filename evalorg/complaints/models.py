"""Complaints about filed organizations (issue 25 item 3, N-5.2 属地监管).

Anyone may file a named complaint (real name, a phone number or an e-mail address, the facts,
optional evidence) about an organization in the registry. It reaches the organization's local
agency (the receiving agency of its filed case: a city, or the center for provincial ones),
which investigates and closes it upheld or dismissed with a reasoned outcome. The complainant
is told the outcome by e-mail; the organization is told of an upheld complaint, never who
complained. The complainant's identity is for staff only.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from evalorg.core.models import StoredFile


class Complaint(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", _("已受理")
        INVESTIGATING = "investigating", _("调查核实中")
        UPHELD = "upheld", _("投诉成立")
        DISMISSED = "dismissed", _("投诉不成立")

    number = models.CharField(_("受理编号"), max_length=20, unique=True)
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("被投诉机构"),
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    # The local agency that handles it (属地监管), fixed when the complaint is filed.
    agency = models.ForeignKey(
        "accounts.Agency",
        verbose_name=_("属地监管机构"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    complainant_name = models.CharField(_("投诉人姓名"), max_length=60)
    complainant_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    complainant_email = models.EmailField(_("电子邮箱"), blank=True)
    facts = models.TextField(_("投诉事实和理由"), max_length=5000)
    evidence = models.ForeignKey(
        StoredFile,
        verbose_name=_("证明材料"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    outcome = models.TextField(_("处理意见"), max_length=5000, blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("提交时间"))

    class Meta:
        verbose_name = _("投诉")
        verbose_name_plural = _("投诉")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.number


class ComplaintCounter(models.Model):
    """The last complaint number used per year (``TS-2024-0001``), locked per complaint."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    last = models.PositiveIntegerField(_("已用序号"), default=0)

    class Meta:
        verbose_name = _("投诉编号计数")
        verbose_name_plural = _("投诉编号计数")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"
