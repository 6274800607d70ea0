"""Annual reports (年度报告) of filed organizations (N-5.2, 五(二), issue 25 item 7).

Each filed organization reports, for every calendar year in which it was filed, what it did:
assessments held, candidates, passed and certificates per occupation and level, complaints
received and their outcomes, examiners. The figures are generated from the records
(``figures.py``): while the report is a draft they are read live; submitting freezes them in
``figures``, so the local agency decides on what was submitted. The organization writes what
no record holds: its quality measures and the number of examiners on its staff.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AnnualReport(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("未提交")
        SUBMITTED = "submitted", _("已提交")
        RETURNED = "returned", _("已退回")
        ACCEPTED = "accepted", _("已受理")

    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("评价组织"),
        on_delete=models.PROTECT,
        related_name="annual_reports",
    )
    year = models.PositiveSmallIntegerField(_("报告年度"))
    # The local agency (属地监管, ``filing.registry.local_agency``), fixed when it is created.
    agency = models.ForeignKey(
        "accounts.Agency",
        verbose_name=_("属地监管机构"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    quality_measures = models.TextField(_("质量管理措施"), max_length=5000, blank=True)
    examiners_on_staff = models.PositiveIntegerField(_("在册考评人员数"), null=True, blank=True)
    # The figures as submitted (``figures.figures_for``); empty while a draft.
    figures = models.JSONField(_("年度数据"), default=dict, blank=True)
    return_reason = models.TextField(_("退回理由"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("受理或退回时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        verbose_name = _("年度报告")
        verbose_name_plural = _("年度报告")
        ordering = ["-year", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "year"], name="one_annual_report_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution.name} {self.year}年度报告"
