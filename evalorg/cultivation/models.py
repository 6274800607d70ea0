"""The cultivation period (培育辅导期, N-4.2): at most 180 days from the day after publicity."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from evalorg.applications.models import Application


class CultivationPeriod(models.Model):
    """One per case; ``last_day`` is inclusive (day 180 when the round allows 180 days)."""

    application = models.OneToOneField(
        Application,
        verbose_name=_("备案申请"),
        on_delete=models.PROTECT,
        related_name="cultivation_period",
    )
    starts_on = models.DateField(_("培育开始日期"))
    last_day = models.DateField(_("培育期最后一天（含当天）"))
    started_by_batch = models.CharField(_("开始批次"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("培育辅导期")
        verbose_name_plural = _("培育辅导期")
        ordering = ["starts_on", "pk"]

    def __str__(self) -> str:
        return f"{self.application}：{self.starts_on} 至 {self.last_day}"
