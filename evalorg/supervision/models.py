"""Assessment plans (认定计划) of filed organizations and their results (N-5.2, 五(二)).

A filed organization registers each assessment before it takes place, within one filed
occupation line and the validity of its filing letter; the local agency accepts (a quality
supervisor, 督导员, drawn at random from its expert pool) or returns it; after the assessment
the organization reports its results with the roster, and the supervisor files a report.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AssessmentPlan(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待受理")
        ACCEPTED = "accepted", _("已受理")
        RETURNED = "returned", _("已退回")
        RESULTS_REPORTED = "results_reported", _("已报告结果")
        CLOSED = "closed", _("已办结")

    MAX_CANDIDATES = 5000

    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("评价组织"),
        on_delete=models.PROTECT,
        related_name="assessment_plans",
    )
    # The filed occupation line (occupation and level) the plan assesses.
    line = models.ForeignKey(
        "applications.ApplicationOccupation",
        verbose_name=_("备案职业（工种）及等级"),
        on_delete=models.PROTECT,
        related_name="assessment_plans",
    )
    # The local agency (属地监管): the agency that received the filed case (a city, or the
    # provincial center for provincial organizations).
    agency = models.ForeignKey(
        "accounts.Agency",
        verbose_name=_("属地监管机构"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    site = models.CharField(_("认定地点"), max_length=200)
    expected_candidates = models.PositiveIntegerField(_("预计参加人数"))
    examiners = models.JSONField(_("考评人员"), default=list)
    return_reason = models.TextField(_("退回理由"), blank=True)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("质量督导员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervised_plans",
    )
    draw_seed = models.BigIntegerField(_("抽取随机种子"), null=True, blank=True)
    drawn_at = models.DateTimeField(_("抽取时间"), null=True, blank=True)
    candidates = models.PositiveIntegerField(_("参加人数"), null=True, blank=True)
    passed = models.PositiveIntegerField(_("合格人数"), null=True, blank=True)
    certificates = models.PositiveIntegerField(_("发放证书数"), null=True, blank=True)
    results_reported_at = models.DateTimeField(_("结果报告时间"), null=True, blank=True)
    on_time = models.BooleanField(_("按计划时间开展"), null=True, blank=True)
    procedures_followed = models.BooleanField(_("符合规定程序"), null=True, blank=True)
    irregularities = models.TextField(_("发现的问题"), blank=True)
    report_filed_at = models.DateTimeField(_("督导报告时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"))

    class Meta:
        verbose_name = _("认定计划")
        verbose_name_plural = _("认定计划")
        ordering = ["-starts_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.line.occupation.name}（{self.line.get_level_display()}）{self.starts_on}"


class RosterEntry(models.Model):
    """One candidate of a reported assessment: the identity number is stored encrypted
    (Fernet, ``roster.cipher``) and, for pages, masked; the full number is only in the audited
    download."""

    class Result(models.TextChoices):
        PASSED = "合格", _("合格")
        FAILED = "不合格", _("不合格")

    plan = models.ForeignKey(
        AssessmentPlan, on_delete=models.CASCADE, related_name="roster", verbose_name=_("认定计划")
    )
    row = models.PositiveIntegerField(_("行号"))
    name = models.CharField(_("姓名"), max_length=50)
    id_encrypted = models.TextField(_("身份证号（加密）"))
    id_masked = models.CharField(_("身份证号（脱敏）"), max_length=18)
    result = models.CharField(_("结果"), max_length=4, choices=Result.choices)
    certificate_no = models.CharField(_("证书编号"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("认定名册")
        verbose_name_plural = _("认定名册")
        ordering = ["plan", "row"]

    def __str__(self) -> str:
        return f"{self.name} {self.id_masked}"


class InspectionDraw(models.Model):
    """A random inspection draw (双随机、一公开, N-5.2): the province draws a share of the filed
    organizations and, for each, an inspector from the pool (none of the organization's city,
    none with a conflict of interest). What it was drawn from is kept with the seed, so anyone
    can re-run it: ``candidates`` (institution ids, sorted) and, on each inspection, the
    inspectors that were eligible for it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("待公开")
        PUBLISHED = "published", _("已公开")

    year = models.PositiveIntegerField(_("年度"))
    share = models.PositiveSmallIntegerField(_("抽取比例（%）"))
    seed = models.BigIntegerField(_("随机种子"))
    candidates = models.JSONField(_("备选评价组织（编号，升序）"), default=list)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    drawn_at = models.DateTimeField(_("抽取时间"))
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("抽取人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("双随机抽查")
        verbose_name_plural = _("双随机抽查")
        ordering = ["-drawn_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.year}年度双随机抽查（第{self.pk}次抽取）"


class Inspection(models.Model):
    """One drawn organization of a draw and its inspector (检查人员), and the inspection's
    course: findings, a rectification order with its deadline, the organization's answer, the
    agency's closing or escalation (workflow ``inspection``)."""

    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("待检查")
        RECTIFYING = "rectifying", _("整改中")
        ANSWERED = "answered", _("已报告整改")
        CLOSED = "closed", _("已办结")
        ESCALATED = "escalated", _("已移交处理")

    draw = models.ForeignKey(
        InspectionDraw,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("抽取"),
    )
    position = models.PositiveIntegerField(_("抽取顺序"))
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("评价组织"),
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("检查人员"),
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    # The inspectors eligible for this organization at the draw (ids, sorted): the re-run's input.
    eligible = models.JSONField(_("可抽取的检查人员（编号，升序）"), default=list)
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=Status.choices,
        default=Status.ASSIGNED,
        db_default=Status.ASSIGNED,
    )
    findings = models.TextField(_("检查发现的问题"), blank=True, db_default="")
    rectify_by = models.DateField(_("整改期限（含当天）"), null=True, blank=True)
    answer = models.TextField(_("整改情况说明"), blank=True, db_default="")
    # The day the inspection ended (closed without findings, closed after rectification, or
    # escalated): the date the public page shows with the conclusion.
    concluded_on = models.DateField(_("办结日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("抽查记录")
        verbose_name_plural = _("抽查记录")
        ordering = ["draw", "position"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "institution"], name="one_inspection_per_draw")
        ]

    def __str__(self) -> str:
        return f"{self.draw.year}年度抽查：{self.institution.name}"

    @property
    def conclusion(self) -> str:
        """The result the public page shows once the inspection ended (N-5.2)."""
        if self.status == self.Status.ESCALATED:
            return str(_("发现问题，整改不到位，已移交处理"))
        if self.status == self.Status.CLOSED:
            return str(_("发现问题，已按期整改") if self.rectify_by else _("未发现问题"))
        return str(_("检查中"))


class InspectionFinding(models.Model):
    """One problem the inspector found (检查发现的问题): its category, what was seen, and an
    optional evidence file (private, read through the inspection page's permission check)."""

    class Category(models.TextChoices):
        SCOPE = "scope", _("超出备案范围或有效期开展认定")
        EXAMINERS = "examiners", _("考评人员配备与资格")
        QUESTIONS = "questions", _("试题与题库管理")
        PROCEDURE = "procedure", _("认定程序与考务组织")
        CERTIFICATES = "certificates", _("证书发放与管理")
        RECORDS = "records", _("档案管理与信息报送")
        OTHER = "other", _("其他")

    MAX_PER_INSPECTION = 30

    inspection = models.ForeignKey(
        Inspection,
        on_delete=models.CASCADE,
        related_name="finding_rows",
        verbose_name=_("抽查记录"),
    )
    category = models.CharField(_("问题类别"), max_length=20, choices=Category.choices)
    description = models.TextField(_("问题描述"))
    evidence = models.ForeignKey(
        "core.StoredFile",
        verbose_name=_("证据材料"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("检查发现的问题")
        verbose_name_plural = _("检查发现的问题")
        ordering = ["inspection", "pk"]

    def __str__(self) -> str:
        return f"{self.get_category_display()}：{self.description[:30]}"


class RectificationEvidence(models.Model):
    """A file the organization uploaded with its answer to a rectification order."""

    MAX_PER_ANSWER = 10

    inspection = models.ForeignKey(
        Inspection,
        on_delete=models.CASCADE,
        related_name="rectification_files",
        verbose_name=_("抽查记录"),
    )
    file = models.ForeignKey(
        "core.StoredFile", verbose_name=_("整改材料"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("整改材料")
        verbose_name_plural = _("整改材料")
        ordering = ["inspection", "pk"]

    def __str__(self) -> str:
        return str(self.file.original_name)
