"""Publicity notices (公示) and the objections filed against them (N-4.1.3, SPEC §6.4)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from evalorg.applications.models import Application
from evalorg.core import clock
from evalorg.core.models import StoredFile
from evalorg.rounds.models import Round


class PublicityNotice(models.Model):
    """A notice listing approved organizations: a draft, public once published (``publish``),
    ended by the ``publicity_end`` sweep once its period has passed (``end``); a draft nobody
    will publish (each 生成预览 makes one) is discarded (``discard``): kept, audited, listed no
    more. Its workflow is ``publicity.transitions.NOTICES``; only ``perform()`` changes
    ``status``."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        ENDED = "ended", _("公示期满")
        DISCARDED = "discarded", _("草稿已删除")

    round = models.ForeignKey(
        Round, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="notices"
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    starts_on = models.DateField(_("公示开始日期"))
    ends_on = models.DateField(_("公示结束日期（含当天）"))
    working_days = models.PositiveSmallIntegerField(_("公示期（工作日）"))
    objections_to = models.TextField(_("异议受理方式"))
    applications = models.ManyToManyField(
        Application, through="NoticeEntry", related_name="publicity_notices", verbose_name=_("申请")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发布人"),
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=Status.choices,
        default=Status.DRAFT,
        db_default=Status.DRAFT,
        db_index=True,
    )

    class Meta:
        verbose_name = _("公示公告")
        verbose_name_plural = _("公示公告")
        ordering = ["-starts_on", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        """Public: published, whether its period is running, to come or over."""
        return self.status in PUBLIC_NOTICE_STATES

    def has_started(self) -> bool:
        return clock.today() >= self.starts_on

    def has_ended(self) -> bool:
        return clock.is_past(self.ends_on)

    def is_running(self) -> bool:
        return self.is_published and self.has_started() and not self.has_ended()

    def days_left(self) -> int:
        """Calendar days left including today, 0 once ended."""
        if self.has_ended():
            return 0
        return (self.ends_on - max(clock.today(), self.starts_on)).days + 1

    def status_label(self) -> str:
        """For the pages: the stored state, a published notice told apart by its dates (its
        period may be over before the sweep has performed ``end``)."""
        if self.status == self.Status.DISCARDED:
            return str(_("草稿已删除"))
        if not self.is_published:
            return str(_("草稿"))
        if self.status == self.Status.ENDED or self.has_ended():
            return str(_("已结束"))
        return str(_("公示中")) if self.has_started() else str(_("即将开始"))


class NoticeEntry(models.Model):
    """One organization on a notice, with a snapshot of what was published (no personal data)."""

    notice = models.ForeignKey(
        PublicityNotice, on_delete=models.CASCADE, related_name="entries", verbose_name=_("公示")
    )
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="notice_entries", verbose_name=_("申请")
    )
    order = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("机构名称"), max_length=200)
    city = models.CharField(_("所在地市"), max_length=60)
    category = models.CharField(_("机构类别"), max_length=60)
    occupations = models.JSONField(_("职业（工种）及等级"), default=list)

    class Meta:
        verbose_name = _("公示机构")
        verbose_name_plural = _("公示机构")
        ordering = ["notice", "order"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "application"], name="uniq_notice_entry")
        ]

    def __str__(self) -> str:
        return self.name


class Objection(models.Model):
    """A named objection (异议). The objector's identity is for province staff only."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("已受理")
        INVESTIGATING = "investigating", _("调查核实中")
        UPHELD = "upheld", _("异议成立")
        DISMISSED = "dismissed", _("异议不成立")

    notice = models.ForeignKey(
        PublicityNotice, on_delete=models.PROTECT, related_name="objections", verbose_name=_("公示")
    )
    entry = models.ForeignKey(
        NoticeEntry,
        verbose_name=_("被反映机构"),
        on_delete=models.PROTECT,
        related_name="objections",
    )
    number = models.CharField(_("受理编号"), max_length=20, unique=True)
    objector_name = models.CharField(_("反映人姓名"), max_length=60)
    objector_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    objector_email = models.EmailField(_("电子邮箱"), blank=True)
    grounds = models.TextField(_("异议事实和理由"), max_length=2000)
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
    resolution = models.TextField(_("处理意见"), max_length=2000, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("处理人"),
    )
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("提交时间"))

    class Meta:
        verbose_name = _("异议")
        verbose_name_plural = _("异议")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.number


PUBLIC_NOTICE_STATES = frozenset({PublicityNotice.Status.PUBLISHED, PublicityNotice.Status.ENDED})
OPEN_OBJECTION_STATES = frozenset({Objection.Status.RECEIVED, Objection.Status.INVESTIGATING})


def publicity_end(starts_on: date, working_days: int) -> date:
    """The last day of a publicity of ``working_days`` working days beginning ``starts_on``.

    The start day counts when it is a working day (N working days including it); otherwise the
    count begins with the next working day. Raises ``CalendarYearMissing``.
    """
    if working_days < 1:
        raise ValueError("working_days must be >= 1")
    if clock.is_working_day(starts_on):
        return clock.add_working_days(starts_on, working_days - 1)
    return clock.add_working_days(starts_on, working_days)
