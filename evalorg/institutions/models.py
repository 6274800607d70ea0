from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from evalorg.catalog.models import Division


class Category(models.TextChoices):
    """N-2.1: the four categories of applicant."""

    LEADING_ENTERPRISE = "leading_enterprise", _("龙头企业")
    COLLEGE = "college", _("院校")
    PRIVATE_TRAINING_SCHOOL = "private_training_school", _("民办职业培训学校")
    OTHER = "other", _("其他机构")


class OtherKind(models.TextChoices):
    """Sub-kinds of 其他机构 (N-2.1)."""

    INDUSTRY_ASSOCIATION = "industry_association", _("行业协会")
    SOCIETY = "society", _("学会")
    PUBLIC_TRAINING_BASE = "public_training_base", _("公共实训基地")
    HR_SERVICE = "hr_service", _("人力资源管理服务机构")
    PRIVATE_NON_ENTERPRISE = "private_non_enterprise", _("民办非企业单位")
    OTHER = "other", _("其他")


class Level(models.TextChoices):
    """Drives routing (N-4.1.2)."""

    MUNICIPAL = "municipal", _("市属机构")
    PROVINCIAL = "provincial", _("省属机构")
    MINISTRY_BRANCH = "ministry_branch", _("部属驻粤分支机构")


class Institution(models.Model):
    name = models.CharField(_("机构名称"), max_length=200)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    category = models.CharField(_("机构类别"), max_length=30, choices=Category.choices)
    other_kind = models.CharField(
        _("其他机构类型"), max_length=30, choices=OtherKind.choices, blank=True
    )
    level = models.CharField(_("机构层级"), max_length=20, choices=Level.choices)
    address = models.CharField(_("注册地址"), max_length=300, blank=True)
    city = models.ForeignKey(
        Division,
        verbose_name=_("所在地级市"),
        on_delete=models.PROTECT,
        related_name="institutions",
        limit_choices_to={"level": "prefecture"},
    )
    county = models.ForeignKey(
        Division,
        verbose_name=_("所在区县"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "county"},
    )
    legal_rep_name = models.CharField(_("法定代表人"), max_length=60, blank=True)
    legal_rep_id_number = models.CharField(_("法定代表人身份证号码"), max_length=18, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=60, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    recommended_by_authority = models.BooleanField(
        _("由省级行业主管部门推荐"), default=False, help_text=_("N-5.3：需上传推荐函（附件7）。")
    )
    recommending_authority = models.CharField(_("推荐单位"), max_length=200, blank=True)
    is_chain_leader = models.BooleanField(
        _("链主培育单位"), default=False, help_text=_("由省人社厅认定（N-4.1.4）。")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("申请机构")
        verbose_name_plural = _("申请机构")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """An applicant account belongs to exactly one institution; an institution has several.

    The account that signed the institution up is its admin (``is_admin``); an admin
    deactivates and reactivates the other members (workflow ``membership`` in
    ``institutions.members``: ``status``, with the account's ``is_active`` following it)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("正常")
        DEACTIVATED = "deactivated", _("已停用")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="memberships"
    )
    is_admin = models.BooleanField(_("机构管理员"), default=False, db_default=False)
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=Status.choices,
        default=Status.ACTIVE,
        db_default=Status.ACTIVE,
    )

    class Meta:
        verbose_name = _("机构账户")
        verbose_name_plural = _("机构账户")

    def __str__(self) -> str:
        return f"{self.user} @ {self.institution}"


def institution_of(user) -> Institution | None:
    membership = getattr(user, "membership", None) if user.is_authenticated else None
    return membership.institution if membership else None


class ExclusionItem(models.TextChoices):
    """N-2.4.2: the four situations that exclude an applicant."""

    VIOLATION = (
        "violation",
        _("申请机构及法定代表人在培训评价领域有违法违规及失信行为（含经确认的网上负面舆论）"),
    )
    ANNUAL_INSPECTION = "annual_inspection", _("社会团体、民办非企业单位3年内民政部门年审不合格")
    ILLEGAL_ORGANIZATION = "illegal_organization", _("在民政部门非法社会组织名单内")
    ABNORMAL_OPERATION = "abnormal_operation", _("企业3年内在市场监管部门公布的企业经营异常目录内")


class ExclusionDeclaration(models.Model):
    """The institution's answer to one N-2.4.2 item, with optional evidence; staff check it."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="declarations"
    )
    item = models.CharField(_("情形"), max_length=30, choices=ExclusionItem.choices)
    applies = models.BooleanField(_("存在该情形"))
    explanation = models.TextField(_("说明"), max_length=1000, blank=True)
    evidence = models.ForeignKey(
        "core.StoredFile",
        verbose_name=_("证明材料"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    declared_at = models.DateTimeField(_("声明时间"), auto_now=True)

    class Meta:
        verbose_name = _("排除情形声明")
        verbose_name_plural = _("排除情形声明")
        constraints = [
            models.UniqueConstraint(fields=["institution", "item"], name="uniq_declaration")
        ]

    def __str__(self) -> str:
        return f"{self.get_item_display()}: {'是' if self.applies else '否'}"


class ChainLeaderDesignation(models.Model):
    """The department designates an institution as a chain-leader unit (链主培育单位, N-4.1.4).

    The institution's ``is_chain_leader`` flag follows its designations; only the department
    sets it, through ``institutions.chain_leaders.designate``."""

    institution = models.ForeignKey(
        Institution,
        verbose_name=_("机构"),
        on_delete=models.PROTECT,
        related_name="chain_designations",
    )
    industry_chain = models.CharField(_("产业链"), max_length=100)
    document = models.ForeignKey(
        "core.StoredFile", verbose_name=_("认定文件"), on_delete=models.PROTECT, related_name="+"
    )
    designated_on = models.DateField(_("认定日期"))
    designated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("链主培育单位认定")
        verbose_name_plural = _("链主培育单位认定")
        ordering = ["-designated_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.institution}（{self.industry_chain}）"


class IdentityChange(models.Model):
    """A request to change a filed or applying institution's identity (its name, legal form
    and registered address): staff approve it with the evidence, or reject it. The status moves
    only through the engine (``institutions.identity``); the USCC is never changed by it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已同意")
        REJECTED = "rejected", _("未同意")

    institution = models.ForeignKey(
        Institution,
        verbose_name=_("机构"),
        on_delete=models.PROTECT,
        related_name="identity_changes",
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    before = models.JSONField(_("变更前"), default=dict)
    after = models.JSONField(_("变更后"), default=dict)
    explanation = models.TextField(_("变更说明"), max_length=1000)
    evidence = models.ForeignKey(
        "core.StoredFile",
        verbose_name=_("证明材料"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"))
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("机构登记信息变更申请")
        verbose_name_plural = _("机构登记信息变更申请")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution"],
                condition=models.Q(status="pending"),
                name="one_pending_identity_change",
            )
        ]

    def __str__(self) -> str:
        return f"{self.before.get('name', '')}（{self.get_status_display()}）"


class FormerName(models.Model):
    """A name the institution bore until an approved identity change (the registry shows them)."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="former_names"
    )
    name = models.CharField(_("曾用名"), max_length=200)
    used_until = models.DateField(_("使用至"))
    change = models.OneToOneField(
        IdentityChange, on_delete=models.PROTECT, related_name="former_name"
    )

    class Meta:
        verbose_name = _("曾用名")
        verbose_name_plural = _("曾用名")
        ordering = ["used_until", "pk"]

    def __str__(self) -> str:
        return self.name
