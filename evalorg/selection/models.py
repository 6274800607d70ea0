"""The provincial selection's records (SPEC §6.3, N-4.1.3, N-4.3): the leadership group's
decisions and the on-site defense sessions with their slots.

Moved from ``review`` (review 0015 / selection 0001 move them without touching a row; selection
0002 renames the tables); audit events written before the move name them ``review.<model>``
(``core.models.register_former_label``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from evalorg.applications.models import Application
from evalorg.review.models import Panel
from evalorg.rounds.models import Round


class LeadershipApproval(models.Model):
    """One decision of the leadership group 广东省职业技能等级认定工作领导小组 (notice 四(一)(三)):
    the cases put to it, which it approved (the rest deferred, each with a note), the meeting's
    date, reference and minutes, who recorded it and when.

    The same record and the same workflow (``selection.leadership``) for both lists it approves:
    the provincial selection list (``kind`` selection, N-4.1.3: its approved cases move to
    ``leadership_approved``) and an acceptance batch (``kind`` acceptance, N-4.3, proposed by
    the center: its approved cases are accepted, their letters carry ``letter_ref``, and the
    batch is published once they are issued)."""

    class Kind(models.TextChoices):
        SELECTION = "selection", _("遴选名单")
        ACCEPTANCE = "acceptance", _("验收批次")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("待审定")
        APPROVED = "approved", _("已审定")
        PUBLISHED = "published", _("已公布")

    kind = models.CharField(_("审定事项"), max_length=12, choices=Kind.choices)
    round = models.ForeignKey(
        Round, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("名称"), max_length=100, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.PROPOSED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提请人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("提请时间"), null=True, blank=True)
    decided_on = models.DateField(_("会议日期"), null=True, blank=True)
    meeting_ref = models.CharField(_("会议名称/文号"), max_length=100, blank=True)
    minutes = models.ForeignKey(
        "core.StoredFile",
        verbose_name=_("会议纪要"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("备注"), max_length=1000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审定记录人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("记录时间"), null=True, blank=True)
    batch = models.CharField(_("批量操作号"), max_length=32, blank=True)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("领导小组审定")
        verbose_name_plural = _("领导小组审定")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["kind", "round"], name="leadership_kind_round")]

    def __str__(self) -> str:
        if self.title:
            return self.title
        if self.decided_on:
            return f"{self.meeting_ref}（{self.decided_on:%Y-%m-%d}）"
        return f"{self.get_kind_display()} {self.pk}"

    @property
    def letter_ref(self) -> str:
        """What an acceptance batch's filing letters carry in ``FilingLetter.batch``."""
        return f"acceptance-{self.pk}"


class LeadershipApprovalEntry(models.Model):
    """One case put to the leadership group: approved, or deferred with a note."""

    approval = models.ForeignKey(
        LeadershipApproval,
        verbose_name=_("领导小组审定"),
        on_delete=models.CASCADE,
        related_name="entries",
    )
    application = models.ForeignKey(
        Application,
        verbose_name=_("申请"),
        on_delete=models.PROTECT,
        related_name="leadership_entries",
    )
    approved = models.BooleanField(_("同意"), default=False)
    note = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("审定事项")
        verbose_name_plural = _("审定事项")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["approval", "application"], name="uniq_leadership_approval_entry"
            )
        ]

    def __str__(self) -> str:
        return f"{self.application}: {'同意' if self.approved else '暂缓'}"


# ---- provincial selection: on-site defense sessions (现场答辩, N-4.1.3) -----------------------


class DefenseSession(models.Model):
    """One sitting of the provincial selection panel: a date, a start time and a place; its
    cases follow each other in ``minutes_per_slot`` steps (copied from the round at creation)."""

    round = models.ForeignKey(
        Round, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="defense_sessions"
    )
    panel = models.ForeignKey(
        Panel, verbose_name=_("评审组"), on_delete=models.PROTECT, related_name="defense_sessions"
    )
    date = models.DateField(_("答辩日期"))
    start_time = models.TimeField(_("开始时间"))
    place = models.CharField(_("答辩地点"), max_length=200)
    minutes_per_slot = models.PositiveSmallIntegerField(_("每家时长（分钟）"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        verbose_name = _("现场答辩场次")
        verbose_name_plural = _("现场答辩场次")
        ordering = ["date", "start_time", "pk"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.start_time:%H:%M} {self.place}"


class DefenseSlot(models.Model):
    """One case's place in a session; ``position`` counts from 1. ``state`` moves only by the
    slot's workflow (``selection.defense``): the applicant confirms or asks for another time, the
    center moves the slot and records attendance."""

    class State(models.TextChoices):
        OFFERED = "offered", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        RESCHEDULE_REQUESTED = "reschedule_requested", _("申请调整时间")
        MOVED = "moved", _("已调整，待确认")
        ATTENDED = "attended", _("出席")
        ABSENT = "absent", _("缺席")

    session = models.ForeignKey(DefenseSession, on_delete=models.CASCADE, related_name="slots")
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="defense_slots", verbose_name=_("申请")
    )
    position = models.PositiveSmallIntegerField(_("顺序"))
    state = models.CharField(
        _("状态"),
        max_length=20,
        choices=State.choices,
        default=State.OFFERED,
        db_default=State.OFFERED,
    )
    change_reason = models.TextField(_("调整理由"), max_length=500, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("现场答辩安排")
        verbose_name_plural = _("现场答辩安排")
        ordering = ["session_id", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["application"], name="uniq_defense_slot_application")
        ]

    def __str__(self) -> str:
        return f"{self.session} #{self.position} {self.application}"
