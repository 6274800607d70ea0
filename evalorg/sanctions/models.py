"""Sanctions of filed organizations (issue 25 item 4, N-5.2, 五(二)): a warning, a suspension
for a period, or the revocation (取消备案) of the whole filing or of one occupation line.

The local agency drafts one with the facts, the clause and the evidence; a warning takes effect
when the agency issues it; a suspension or a revocation is reviewed by the provincial center and
approved by the leadership group (the department records the meeting and its minutes), then
takes effect and is published on ``/public/sanctions/``. A suspension ends (restored) early by
decision or at its end date by the ``sanction_end`` sweep. The registry's status of an
organization (正常/暂停/已取消) is read from the effective sanctions, never stored apart.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Sanction(models.Model):
    class Kind(models.TextChoices):
        WARNING = "warning", _("警告")
        SUSPENSION = "suspension", _("暂停")
        REVOCATION = "revocation", _("取消备案")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        IN_REVIEW = "in_review", _("待省中心审核")
        AWAITING_APPROVAL = "awaiting_approval", _("待领导小组审定")
        EFFECTIVE = "effective", _("已生效")
        RESTORED = "restored", _("已恢复")
        WITHDRAWN = "withdrawn", _("已撤回")

    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("评价组织"),
        on_delete=models.PROTECT,
        related_name="sanctions",
    )
    kind = models.CharField(_("种类"), max_length=20, choices=Kind.choices)
    # A revocation of one occupation line (occupation and level); empty: the whole filing.
    line = models.ForeignKey(
        "applications.ApplicationOccupation",
        verbose_name=_("取消备案的职业（工种）及等级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sanctions",
    )
    # The local agency that drafted it (属地监管: the city, or the center for provincial ones).
    agency = models.ForeignKey(
        "accounts.Agency",
        verbose_name=_("属地监管机构"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    facts = models.TextField(_("违规事实"))
    clause = models.CharField(_("依据条款"), max_length=100)
    evidence = models.TextField(_("证据"))
    evidence_file = models.ForeignKey(
        "core.StoredFile",
        verbose_name=_("证据材料"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The random inspection whose escalation drafted it (N-5.2), if any.
    inspection = models.ForeignKey(
        "supervision.Inspection",
        verbose_name=_("来源抽查"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sanctions",
    )
    starts_on = models.DateField(_("暂停开始日期"), null=True, blank=True)
    ends_on = models.DateField(_("暂停结束日期"), null=True, blank=True)
    return_reason = models.TextField(_("退回理由"), blank=True)
    decided_on = models.DateField(_("领导小组会议日期"), null=True, blank=True)
    meeting_ref = models.CharField(_("会议名称/文号"), max_length=100, blank=True)
    minutes = models.ForeignKey(
        "core.StoredFile",
        verbose_name=_("会议纪要"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    effective_on = models.DateField(_("生效日期"), null=True, blank=True)
    ended_on = models.DateField(_("恢复日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("起草人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("起草时间"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("处理决定")
        verbose_name_plural = _("处理决定")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        what = (
            f"（{self.line.occupation.name} {self.line.get_level_display()}）" if self.line else ""
        )
        return f"{self.get_kind_display()}{what}"

    @property
    def needs_approval(self) -> bool:
        return self.kind != self.Kind.WARNING
