"""The cultivation period (培育辅导期, N-4.2): at most 180 days from the day after publicity."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from evalorg.accounts.models import Agency
from evalorg.applications.models import Application
from evalorg.institutions.models import Institution


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


class CommitmentLetter(models.Model):
    """The signed commitment letter (工作承诺书, 附件5, N-4.2): the round's text as signed."""

    application = models.OneToOneField(
        Application,
        verbose_name=_("备案申请"),
        on_delete=models.PROTECT,
        related_name="commitment_letter",
    )
    text = models.TextField(_("承诺书正文"))
    signed_name = models.CharField(_("法定代表人签名"), max_length=60)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签署账号"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("签署时间"))
    signed_ip = models.GenericIPAddressField(_("签署 IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("培育机构工作承诺书")
        verbose_name_plural = _("培育机构工作承诺书")

    def __str__(self) -> str:
        return f"{self.application}：{self.signed_name}"


class Reminder(models.Model):
    """A deadline reminder sent for a period; the unique constraint makes each go out once."""

    class Kind(models.TextChoices):
        DAYS_30 = "d30", _("距培育期结束 30 天")
        DAYS_7 = "d7", _("距培育期结束 7 天")
        LAST_DAY = "d0", _("培育期最后一天")

    period = models.ForeignKey(
        CultivationPeriod,
        verbose_name=_("培育辅导期"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    kind = models.CharField(_("提醒类型"), max_length=4, choices=Kind.choices)
    sent_at = models.DateTimeField(_("发送时间"))

    class Meta:
        verbose_name = _("培育期提醒")
        verbose_name_plural = _("培育期提醒")
        constraints = [
            models.UniqueConstraint(fields=["period", "kind"], name="one_reminder_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.period_id}：{self.get_kind_display()}"


class TrainingSession(models.Model):
    """An exam-administration training (考务培训) held by a city agency or the center (N-4.2):
    planned when entered, held once its organiser records who attended (``hold``, workflow
    ``cultivation.training.TRAINING``; only ``perform()`` changes ``status``)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("计划举办")
        HELD = "held", _("已举办")

    organiser = models.ForeignKey(
        Agency, verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField(_("培训日期"))
    topic = models.CharField(_("培训主题"), max_length=200)
    place = models.CharField(_("培训地点"), max_length=200)
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=Status.choices,
        default=Status.PLANNED,
        db_default=Status.PLANNED,
        db_index=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("考务培训")
        verbose_name_plural = _("考务培训")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.topic}"


class TrainingAttendance(models.Model):
    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("考务培训"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("培育机构"),
        on_delete=models.PROTECT,
        related_name="training_attendances",
    )
    attendee_name = models.CharField(_("参训人员"), max_length=60)
    attended = models.BooleanField(_("是否参加"), default=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("考务培训签到")
        verbose_name_plural = _("考务培训签到")
        ordering = ["session", "institution", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "institution", "attendee_name"], name="one_row_per_attendee"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session}：{self.attendee_name}"


class Deliverable(models.Model):
    """One uploaded question-bank deliverable of an occupation line (issue 9, N-4.2, 附件6).

    A new upload of a kind replaces the current one; the old row and file are kept with
    ``is_current`` false. ``file`` is the XLSX workbook the checks read (every kind), with an
    optional scanned ``attachment`` beside it; ``report`` holds the checker's problems.
    """

    class Kind(models.TextChoices):
        SPECIFICATION = "specification", _("鉴定要素细目表")
        THEORY = "theory", _("理论知识试题")
        SKILL = "skill", _("操作技能试题")
        PAPER_PLAN = "paper_plan", _("组卷方案")
        MARKING = "marking", _("评分标准")

    line = models.ForeignKey(
        "applications.ApplicationOccupation",
        verbose_name=_("职业（工种）"),
        on_delete=models.PROTECT,
        related_name="deliverables",
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    file = models.ForeignKey(
        "core.StoredFile", verbose_name=_("文件"), on_delete=models.PROTECT, related_name="+"
    )
    attachment = models.ForeignKey(
        "core.StoredFile",
        verbose_name=_("扫描件（PDF 或 DOCX）"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("可选：盖章或签字的扫描件，附在工作簿旁，不能代替工作簿。"),
    )
    report = models.JSONField(_("检查结果"), default=list, blank=True)
    # Counts per kind of every problem found (``report`` keeps at most
    # ``BANK_REPORT_KEEP_PER_KIND`` of each) and the figures found: ``bank_reports.meta``.
    # db_default: the previous release's INSERTs (no such column) keep working (rolling release).
    report_meta = models.JSONField(
        _("检查结果摘要"), default=dict, blank=True, db_default=models.Value({}, models.JSONField())
    )
    passed = models.BooleanField(_("检查通过"), default=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"))
    is_current = models.BooleanField(_("当前版本"), default=True)

    class Meta:
        verbose_name = _("题库成果")
        verbose_name_plural = _("题库成果")
        ordering = ["line", "kind", "-uploaded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["line", "kind"],
                condition=models.Q(is_current=True),
                name="one_current_deliverable_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.line_id}：{self.get_kind_display()}"

    @property
    def bank_check(self) -> BankCheck | None:
        """The newest background check (``deliverables.current`` prefetches it as
        ``check_list``), or None when the file was checked in the request."""
        checks = getattr(self, "check_list", None)
        if checks is None:
            return self.checks.order_by("-pk").first()
        return checks[0] if checks else None

    @property
    def checking(self) -> bool:
        check = self.bank_check
        return check is not None and check.pending

    @property
    def check_failed(self) -> bool:
        check = self.bank_check
        return check is not None and check.status == BankCheck.Status.FAILED


class BankCheck(models.Model):
    """A background check of a large specification table or theory bank (issue 9, N-4.2).

    One row per run; the newest row of a deliverable is its check. A deliverable whose newest
    check is queued, running or failed cannot be submitted (guard ``deliverables_ready``).
    The task updates ``stage`` and ``rows_done`` as it goes so the page can show progress.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队等待检查")
        RUNNING = "running", _("检查中")
        DONE = "done", _("检查完成")
        FAILED = "failed", _("检查出错")
        SUPERSEDED = "superseded", _("已被新的检查取代")

    class Stage(models.TextChoices):
        QUEUED = "queued", _("等待开始")
        SPECIFICATION = "specification", _("读取鉴定要素细目表")
        READING = "reading", _("读取工作表")
        CHECKING = "checking", _("核对鉴定点、答案和选项")
        DUPLICATES = "duplicates", _("查找重复和相似题干")
        PAPERS = "papers", _("试组 A、B 卷")
        DONE = "done", _("完成")

    deliverable = models.ForeignKey(
        Deliverable, verbose_name=_("题库成果"), on_delete=models.CASCADE, related_name="checks"
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    stage = models.CharField(_("阶段"), max_length=16, choices=Stage.choices, default=Stage.QUEUED)
    rows_done = models.PositiveIntegerField(_("已读取行数"), default=0)
    rows_total = models.PositiveIntegerField(_("总行数（估计）"), null=True, blank=True)
    error = models.CharField(_("出错原因"), max_length=300, blank=True)
    task_id = models.CharField(_("后台任务编号"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("排队时间"))
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    PENDING = frozenset({Status.QUEUED, Status.RUNNING})

    class Meta:
        verbose_name = _("题库后台检查")
        verbose_name_plural = _("题库后台检查")
        ordering = ["deliverable", "-pk"]

    def __str__(self) -> str:
        return f"{self.deliverable_id}：{self.get_status_display()}"

    @property
    def pending(self) -> bool:
        return self.status in self.PENDING

    @property
    def percent(self) -> int | None:
        if not self.rows_total:
            return None
        return min(100, round(100 * self.rows_done / self.rows_total))


# ---- expert review of question banks (issue 20 item 4, N-4.2) ---------------------------------


class BankReviewAssignment(models.Model):
    """An expert assigned by the provincial center to review one line's question bank in one
    review round (the line's n-th submission, ``review.current_round``). Its state moves only
    through ``perform()`` (workflow ``bank_review``): assigned → submitted (the expert's sheet),
    or withdrawn by the center; the applicant never learns who reviewed (audience staff or
    internal)."""

    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("待评审")
        SUBMITTED = "submitted", _("已提交评审意见")
        WITHDRAWN = "withdrawn", _("已撤回")

    line = models.ForeignKey(
        "applications.ApplicationOccupation",
        verbose_name=_("职业（工种）"),
        on_delete=models.PROTECT,
        related_name="bank_reviews",
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评审专家"),
        on_delete=models.PROTECT,
        related_name="bank_reviews",
    )
    review_round = models.PositiveIntegerField(_("评审轮次"))
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.ASSIGNED, db_index=True
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("指派人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    assigned_at = models.DateTimeField(_("指派时间"))
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("题库评审任务")
        verbose_name_plural = _("题库评审任务")
        ordering = ["line", "review_round", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["line", "review_round", "expert"],
                condition=~models.Q(status="withdrawn"),
                name="one_live_bank_review_per_expert",
            )
        ]

    def __str__(self) -> str:
        return f"{self.line}：{self.get_status_display()}"


class BankReviewSheet(models.Model):
    """The expert's review sheet of an assignment: one finding per deliverable kind and a
    recommendation. Saving it is a form save; submitting it is the assignment's transition."""

    class Recommendation(models.TextChoices):
        PASS = "pass", _("建议通过")
        FAIL = "fail", _("建议不通过")

    assignment = models.OneToOneField(
        BankReviewAssignment,
        verbose_name=_("题库评审任务"),
        on_delete=models.PROTECT,
        related_name="sheet",
    )
    specification = models.TextField(_("鉴定要素细目表评审意见"), blank=True)
    theory = models.TextField(_("理论知识试题评审意见"), blank=True)
    skill = models.TextField(_("操作技能试题评审意见"), blank=True)
    paper_plan = models.TextField(_("组卷方案评审意见"), blank=True)
    marking = models.TextField(_("评分标准评审意见"), blank=True)
    recommendation = models.CharField(
        _("评审结论"), max_length=8, choices=Recommendation.choices, blank=True
    )
    updated_at = models.DateTimeField(_("保存时间"))

    class Meta:
        verbose_name = _("题库评审意见表")
        verbose_name_plural = _("题库评审意见表")

    def __str__(self) -> str:
        return f"{self.assignment_id}：{self.get_recommendation_display()}"

    def findings(self) -> list[tuple[str, str, str]]:
        """(kind, label, finding) in the deliverables' order."""
        return [(kind, label, getattr(self, kind)) for kind, label in Deliverable.Kind.choices]


class BankDecision(models.Model):
    """The center's decision on a line's question bank in one review round (``pass_bank`` or
    ``fail_bank``, recorded by the transition's ``after`` effect): the comments the organization
    receives per deliverable, with the occupation and level as they were decided."""

    class Outcome(models.TextChoices):
        PASSED = "pass", _("题库审核通过")
        FAILED = "fail", _("题库审核未通过")

    line = models.ForeignKey(
        "applications.ApplicationOccupation",
        verbose_name=_("职业（工种）"),
        on_delete=models.PROTECT,
        related_name="bank_decisions",
    )
    review_round = models.PositiveIntegerField(_("评审轮次"))
    outcome = models.CharField(_("审核结论"), max_length=8, choices=Outcome.choices)
    occupation_name = models.CharField(_("职业（工种）"), max_length=100)
    level_label = models.CharField(_("等级"), max_length=30)
    general = models.TextField(_("总体意见"), blank=True)
    comments = models.JSONField(_("各项成果审核意见"), default=dict, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审核时间"))

    class Meta:
        verbose_name = _("题库审核结论")
        verbose_name_plural = _("题库审核结论")
        ordering = ["line", "-review_round", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["line", "review_round"], name="one_bank_decision_per_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.occupation_name}（{self.level_label}）：{self.get_outcome_display()}"

    def per_kind(self) -> list[tuple[str, str]]:
        """(deliverable label, comment) for the deliverables the center commented on."""
        return [
            (str(label), self.comments[kind])
            for kind, label in Deliverable.Kind.choices
            if self.comments.get(kind)
        ]
