"""Review per stage: verification, expert panels, conflicts, scoresheets and decisions.

Built once for every stage (SPEC §6.2–§6.3): the city assessment (N-4.1.2), the provincial
center's own first-instance review of provincial institutions routed to it (N-4.1.2), and the
provincial selection (N-4.1.3). A ``ReviewStage`` is one application's record at one stage: it
owns the verification checks and the decision; panels belong to a stage of a round, so the
assignments, conflict declarations and scoresheets of a panel are that stage's.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from evalorg.accounts.models import Agency
from evalorg.applications.models import Application
from evalorg.catalog.models import Division
from evalorg.rounds.models import Round


class Stage(models.TextChoices):
    CITY_ASSESSMENT = "city_assessment", _("地市评估")
    PROVINCE_FIRST_INSTANCE = "province_first_instance", _("省中心初审评估")
    PROVINCE_SELECTION = "province_selection", _("省级遴选评审")


FIRST_INSTANCE_STAGES = (Stage.CITY_ASSESSMENT, Stage.PROVINCE_FIRST_INSTANCE)
# The scoresheet template key of the round (``Round.scoresheet_template``) each stage uses: the
# center's first instance assesses as a city does (N-4.1.2); the selection has its own.
TEMPLATE_KEY = {
    Stage.CITY_ASSESSMENT: "city",
    Stage.PROVINCE_FIRST_INSTANCE: "city",
    Stage.PROVINCE_SELECTION: "province",
}


class ReviewStage(models.Model):
    """One application's review at one stage, with the stage's decision.

    ``recommended`` is None until decided. A first-instance decision can be revised (audited,
    with a reason) until it is sent to the province; the provincial stage never touches it.
    """

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="review_stages", verbose_name=_("申请")
    )
    stage = models.CharField(_("评审阶段"), max_length=30, choices=Stage.choices)
    agency = models.ForeignKey(
        Agency, verbose_name=_("评审机构"), on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("开始时间"))
    recommended = models.BooleanField(_("推荐"), null=True, blank=True)
    reason = models.TextField(_("理由"), max_length=1000, blank=True)
    rank = models.PositiveIntegerField(_("排名"), null=True, blank=True)
    total = models.DecimalField(_("总分"), max_digits=6, decimal_places=2, null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("报送省中心时间"), null=True, blank=True)
    sent_batch = models.CharField(_("报送批次号"), max_length=32, blank=True)
    # The case's aggregate of the stage's submitted scoresheets, stored when a sheet, a
    # conflict or an absence changes (``ranking.refresh_case``): the ranking orders by it in
    # the database and pages it, instead of scoring every case per request (issue 24).
    # ``score_total`` NULL: no counted sheet, not ranked.
    score_total = models.DecimalField(
        _("综合得分"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    score_professionalism = models.DecimalField(
        _("评价专业性得分"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    score_industry = models.DecimalField(
        _("产业代表性得分"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    score_authority = models.DecimalField(
        _("行业权威性得分"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    score_count = models.PositiveSmallIntegerField(_("评分专家数"), null=True, blank=True)
    score_method = models.CharField(
        _("汇总方法"), max_length=20, blank=True, default="", db_default=""
    )
    score_spread = models.DecimalField(
        _("专家总分极差"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    scored_at = models.DateTimeField(_("得分计算时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("阶段评审记录")
        verbose_name_plural = _("阶段评审记录")
        ordering = ["application_id", "opened_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["application", "stage"], name="uniq_review_stage")
        ]
        # The provincial center's scope: the cases with a provincial selection record, read
        # from the index alone (issue 12).
        indexes = [
            models.Index(fields=["stage", "application"], name="review_stage_app_idx"),
            # A page of a ranking: one agency's stage in rank order (issue 24).
            models.Index(
                fields=["agency", "stage", "-score_total", "-score_professionalism"],
                name="review_stage_rank_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application}：{self.get_stage_display()}"

    @property
    def is_decided(self) -> bool:
        return self.recommended is not None


class ExpertProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="expert_profile",
        verbose_name=_("用户"),
    )
    employer_name = models.CharField(_("工作单位"), max_length=200, blank=True)
    employer_uscc = models.CharField(
        _("工作单位统一社会信用代码"), max_length=18, blank=True, db_index=True
    )
    city = models.ForeignKey(
        Division,
        verbose_name=_("所在地级市"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    specialties = models.JSONField(_("专业领域（职业大类）"), default=list, blank=True)
    title = models.CharField(_("职称/职务"), max_length=100, blank=True)
    # The agency whose pool the expert belongs to (added by its staff); None: added centrally.
    pool_agency = models.ForeignKey(
        Agency,
        verbose_name=_("所属专家库"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pool_experts",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("添加人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("专家信息")
        verbose_name_plural = _("专家库")

    def __str__(self) -> str:
        return str(self.user)


class Panel(models.Model):
    """One panel per agency, round and stage."""

    agency = models.ForeignKey(
        Agency, verbose_name=_("组织机构"), on_delete=models.PROTECT, related_name="panels"
    )
    round = models.ForeignKey(
        Round, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="panels"
    )
    stage = models.CharField(
        _("评审阶段"), max_length=30, choices=Stage.choices, db_default=Stage.CITY_ASSESSMENT
    )
    name = models.CharField(_("评审组名称"), max_length=200)
    experts = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="PanelMember",
        related_name="panels",
        verbose_name=_("专家"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("创建时间"))

    class Meta:
        verbose_name = _("评审组")
        verbose_name_plural = _("评审组")
        constraints = [
            models.UniqueConstraint(fields=["agency", "round", "stage"], name="uniq_panel_stage")
        ]

    def __str__(self) -> str:
        return self.name


class PanelMember(models.Model):
    panel = models.ForeignKey(
        Panel, on_delete=models.CASCADE, related_name="members", verbose_name=_("评审组")
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("专家")
    )
    is_chair = models.BooleanField(_("组长"), default=False)

    class Meta:
        verbose_name = _("评审组成员")
        constraints = [
            models.UniqueConstraint(fields=["panel", "expert"], name="uniq_panel_member")
        ]

    def __str__(self) -> str:
        return f"{self.panel}: {self.expert}"


class Assignment(models.Model):
    """An application given to a panel; ``experts`` empty means every member scores it."""

    panel = models.ForeignKey(
        Panel, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("评审组")
    )
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("申请")
    )
    experts = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("专家")
    )

    class Meta:
        verbose_name = _("评审分配")
        constraints = [
            models.UniqueConstraint(fields=["panel", "application"], name="uniq_assignment")
        ]

    def __str__(self) -> str:
        return f"{self.panel} ← {self.application}"


class ConflictKind(models.TextChoices):
    NONE = "none", _("无利益冲突")
    EMPLOYED_BY = "employed_by", _("在申请机构任职")
    FORMER_EMPLOYEE = "former_employee", _("3年内曾在申请机构任职")
    CONSULTANT = "consultant", _("担任申请机构顾问")
    RELATIVE = "relative", _("与申请机构负责人有亲属关系")
    OTHER = "other", _("其他")


class ConflictDeclaration(models.Model):
    panel = models.ForeignKey(
        Panel, on_delete=models.CASCADE, related_name="conflicts", verbose_name=_("评审组")
    )
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="+", verbose_name=_("申请")
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("专家")
    )
    kind = models.CharField(_("回避情形"), max_length=20, choices=ConflictKind.choices)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    detected = models.CharField(_("系统自动识别"), max_length=300, blank=True)
    declared_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("回避声明")
        constraints = [
            models.UniqueConstraint(fields=["panel", "application", "expert"], name="uniq_conflict")
        ]

    def __str__(self) -> str:
        return f"{self.expert}: {self.get_kind_display()}"


class Opinion(models.TextChoices):
    RECOMMEND = "recommend", _("推荐")
    NOT_RECOMMEND = "not_recommend", _("不推荐")
    UNDECIDED = "undecided", _("待定")


class Scoresheet(models.Model):
    """One expert's scores for one application (遴选推荐评估表, 附件3)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交")
        REOPENED = "reopened", _("已退回修改")

    panel = models.ForeignKey(
        Panel, on_delete=models.CASCADE, related_name="scoresheets", verbose_name=_("评审组")
    )
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="scoresheets", verbose_name=_("申请")
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("专家")
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    scores = models.JSONField(_("各项得分"), default=dict)
    comments = models.JSONField(_("各维度意见"), default=dict)
    opinion = models.CharField(_("总体意见"), max_length=20, choices=Opinion.choices, blank=True)
    version = models.PositiveIntegerField(default=0, verbose_name=_("版本"))
    submitted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("提交时间"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("更新时间"))

    class Meta:
        verbose_name = _("专家评估表")
        verbose_name_plural = _("专家评估表")
        constraints = [
            models.UniqueConstraint(
                fields=["panel", "application", "expert"], name="uniq_scoresheet"
            )
        ]

    def __str__(self) -> str:
        return f"{self.expert} → {self.application}"


class VerificationCheck(models.Model):
    """Staff's completeness/authenticity check of one material item (材料初审) at one stage."""

    review = models.ForeignKey(
        ReviewStage, on_delete=models.CASCADE, related_name="verification_checks"
    )
    item_code = models.CharField(_("材料项"), max_length=30)
    present = models.BooleanField(_("已提交"), default=False)
    complete = models.BooleanField(_("完整"), default=False)
    authentic = models.BooleanField(_("真实"), default=False)
    note = models.CharField(_("意见"), max_length=500, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("材料核验")
        constraints = [
            models.UniqueConstraint(fields=["review", "item_code"], name="uniq_stage_check")
        ]

    def __str__(self) -> str:
        return self.item_code

    @property
    def passed(self) -> bool:
        return self.present and self.complete and self.authentic


class DeadlineExtension(models.Model):
    """The provincial center reopens the sending window for one agency (audited)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    round = models.ForeignKey(
        Round, on_delete=models.PROTECT, related_name="+", verbose_name=_("批次")
    )
    until = models.DateField(_("延至（含当天）"))
    reason = models.CharField(_("理由"), max_length=300)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("报送期限延长")

    def __str__(self) -> str:
        return f"{self.agency} → {self.until}"


class FindingResolution(models.Model):
    """Staff's conclusion on one needs_review eligibility finding of a case (SPEC §3, N-5.1):
    who, when and what they concluded. ``verify`` is refused while a finding has none."""

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="finding_resolutions",
        verbose_name=_("申请"),
    )
    rule = models.CharField(_("校验规则"), max_length=60)
    subject = models.CharField(_("对象"), max_length=200, blank=True)
    clause = models.CharField(_("条款"), max_length=20, blank=True)
    conclusion = models.TextField(_("核查结论"), max_length=1000)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("核查人"),
    )
    resolved_at = models.DateTimeField(_("核查时间"))

    class Meta:
        verbose_name = _("人工核查结论")
        verbose_name_plural = _("人工核查结论")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "rule", "subject"], name="one_resolution_per_finding"
            )
        ]

    def __str__(self) -> str:
        return f"{self.application} · {self.rule}"
