from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

SKILL_MAJOR_GROUPS = (3, 4, 5, 6)  # 大类 3–6 are skill-type occupations (N-3.1)


class Division(models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", _("省")
        PREFECTURE = "prefecture", _("地级市")
        COUNTY = "county", _("县级")

    code = models.CharField(_("区划代码"), max_length=6, primary_key=True)
    name = models.CharField(_("名称"), max_length=40)
    level = models.CharField(_("层级"), max_length=12, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    county_kind = models.CharField(_("县级类型"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def city_code(self) -> str:
        """The prefecture-level code this division belongs to (itself for a city)."""
        return self.code[:4] + "00"


class OccupationQuerySet(models.QuerySet):
    def leaves(self) -> OccupationQuerySet:
        return self.filter(level=Occupation.Level.OCCUPATION)


class Occupation(models.Model):
    """An entry of the 2022 occupational classification (职业分类大典)."""

    class Level(models.IntegerChoices):
        MAJOR = 1, _("大类")
        MEDIUM = 2, _("中类")
        MINOR = 3, _("小类")
        OCCUPATION = 4, _("职业")

    code = models.CharField(_("代码"), max_length=10, primary_key=True)
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices)
    name = models.CharField(_("名称"), max_length=100, db_index=True)
    major_group = models.PositiveSmallIntegerField(_("大类"), db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_green = models.BooleanField(_("绿色职业"), default=False)
    is_digital = models.BooleanField(_("数字职业"), default=False)
    definition = models.TextField(_("定义"), blank=True)
    tasks = models.TextField(_("主要工作任务"), blank=True)

    objects = OccupationQuerySet.as_manager()

    class Meta:
        verbose_name = _("职业")
        verbose_name_plural = _("职业分类")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_skill_type(self) -> bool:
        return self.major_group in SKILL_MAJOR_GROUPS


class AccessTypeOccupation(models.Model):
    """准入类职业资格 (skill part of the 2021 national qualification catalogue).

    Entries without a single classification code (groups such as 特种作业人员) keep
    ``occupation`` empty and are matched by name.
    """

    name = models.CharField(_("名称"), max_length=100, unique=True)
    occupation = models.OneToOneField(
        Occupation,
        verbose_name=_("对应职业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="access_type",
    )
    exempt = models.BooleanField(
        _("不受准入类排除"), default=False, help_text=_("N-3.1：焊工除外，可以申报。")
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    source = models.CharField(_("来源"), max_length=200)

    class Meta:
        verbose_name = _("准入类职业")
        verbose_name_plural = _("准入类职业")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SkillStandardCatalog(models.Model):
    """Singleton: whether the skill-standard table is complete.

    When incomplete, an occupation missing from the table has an *unknown* standard
    (needs_review, N-3.1), never "no standard".
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    is_complete = models.BooleanField(_("国家职业技能标准目录已完整导入"), default=False)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("职业技能标准目录状态")
        verbose_name_plural = _("职业技能标准目录状态")

    def __str__(self) -> str:
        return "完整" if self.is_complete else "不完整（样例）"

    @classmethod
    def current(cls) -> SkillStandardCatalog:
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj


class SkillStandard(models.Model):
    """A national occupational skill standard (国家职业技能标准)."""

    occupation = models.ForeignKey(
        Occupation, verbose_name=_("职业"), on_delete=models.PROTECT, related_name="standards"
    )
    title = models.CharField(_("标准名称"), max_length=200)
    edition = models.CharField(_("版本"), max_length=20)
    issuing_document = models.CharField(_("颁布文件"), max_length=200, blank=True)
    is_sample = models.BooleanField(_("样例数据"), default=False)

    class Meta:
        verbose_name = _("国家职业技能标准")
        verbose_name_plural = _("国家职业技能标准")
        ordering = ["occupation_id", "-edition"]
        constraints = [
            models.UniqueConstraint(fields=["occupation", "edition"], name="uniq_standard_ed")
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.edition}）"


class UsccCode(models.Model):
    """GB 32100-2015 char 1 (登记管理部门码) and char 2 (机构类别码)."""

    authority_code = models.CharField(_("登记管理部门码"), max_length=1)
    authority_name = models.CharField(_("登记管理部门"), max_length=40)
    category_code = models.CharField(_("机构类别码"), max_length=1)
    category_name = models.CharField(_("机构类别"), max_length=60)

    class Meta:
        verbose_name = _("统一社会信用代码类别")
        verbose_name_plural = _("统一社会信用代码类别")
        ordering = ["authority_code", "category_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["authority_code", "category_code"], name="uniq_uscc_code"
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.authority_code}{self.category_code} {self.authority_name}·{self.category_name}"
        )
