from __future__ import annotations

from datetime import date

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from evalorg.core import clock
from evalorg.institutions.models import Category

FILE_KINDS = ["pdf", "jpeg", "png", "docx", "xlsx"]
MB = 1024 * 1024


def all_categories() -> list[str]:
    return list(Category.values)


def default_file_kinds() -> list[str]:
    return list(FILE_KINDS)


# The notice that governs a round (issue 22): the 2023 one by default, the reference text in
# /work/shared/reference/notice-2023-04-28.md (its document number is not in the published text).
GOVERNING_NOTICE_TITLE = "关于做好广东省2023年社会培训评价组织培育辅导遴选工作的通知"
GOVERNING_NOTICE_DATE = date(2023, 4, 28)
GOVERNING_NOTICE_ISSUER = "广东省人力资源和社会保障厅"

DEFAULT_PUBLICITY_TEMPLATE = (
    "根据{notice}要求，经专家集中统一评审，"
    "并报广东省职业技能等级认定工作领导小组同意，现将{round}拟列为培育辅导对象的{count}家机构名单"
    "予以公示。\n\n"
    "公示时间：{start}至{end}（{days}个工作日）。\n\n"
    "公示期间，任何单位和个人如有异议，可通过本页面在线提交，或以书面形式向{objections_to}反映。"
    "反映问题须署真实姓名并提供联系方式及必要的证明材料；匿名或逾期反映的，不予受理（N-4.1.3）。"
)


def default_publicity_template() -> str:
    return DEFAULT_PUBLICITY_TEMPLATE


# Our default of the unpublished 附件5 (广东省社会培训评价组织培育机构工作承诺书), N-4.2.
DEFAULT_COMMITMENT_TEMPLATE = (
    "本机构（{institution}）经{round}，已列入社会培训评价组织培育辅导对象名单。"
    "在培育辅导期内，本机构郑重承诺：\n"
    "一、严格遵守职业技能等级认定和评价工作的有关法律法规、政策规定和工作规程，"
    "规范开展评价活动；\n"
    "二、自觉接受各级人力资源社会保障部门的指导、监督和质量督导，"
    "如实提供有关情况和材料；\n"
    "三、按照试题开发要求（附件6），在培育辅导期内认真完成所申报职业（工种）的"
    "题库开发任务，参加考务培训；\n"
    "四、依法保护考生个人信息和评价数据安全，不泄露、不出售、不违规使用；\n"
    "五、除经核准的收费项目和标准外，不以任何名义向考生收取其他费用；\n"
    "六、机构名称、法定代表人、地址、联系方式等发生变更的，及时向所在地评价指导机构报告。\n"
    "如违反上述承诺，本机构愿承担相应责任，接受自然淘汰或取消备案等处理。"
)


def default_commitment_template() -> str:
    return DEFAULT_COMMITMENT_TEMPLATE


class Round(models.Model):
    """One year's selection (遴选批次): dates and rules are data (SPEC §2)."""

    class Aggregation(models.TextChoices):
        MEAN = "mean", _("算术平均")
        TRIMMED_MEAN = "trimmed_mean", _("去掉一个最高分和一个最低分后平均（5 名及以上专家）")

    class AbsenceScoring(models.TextChoices):
        ZERO_DEFENSE_ITEMS = "zero_defense_items", _("缺席现场答辩的，答辩评分项计 0 分")

    code = models.SlugField(_("批次编码"), max_length=40, unique=True)
    name = models.CharField(_("批次名称"), max_length=200)
    year = models.PositiveSmallIntegerField(_("年度"))
    published_on = models.DateField(_("通知发布日期"))
    governing_notice_title = models.CharField(
        _("依据通知标题"),
        max_length=200,
        default=GOVERNING_NOTICE_TITLE,
        db_default=GOVERNING_NOTICE_TITLE,
        help_text=_("本批次所依据的通知全称（不含书名号），用于公示公告、首页和备案函。"),
    )
    governing_notice_number = models.CharField(
        _("依据通知文号"),
        max_length=60,
        blank=True,
        default="",
        db_default="",
        help_text=_("如 粤人社函〔2023〕XX号；未知时留空，引用时不写文号。"),
    )
    governing_notice_date = models.DateField(
        _("依据通知印发日期"), default=GOVERNING_NOTICE_DATE, db_default=GOVERNING_NOTICE_DATE
    )
    application_deadline = models.DateField(
        _("申请截止日期（含当天）"), help_text=_("N-4.1.1，2023 年为 5 月 19 日。")
    )
    city_assessment_deadline = models.DateField(
        _("地市评估截止日期（含当天）"), help_text=_("N-4.1.2，2023 年为 5 月 25 日。")
    )
    publicity_working_days = models.PositiveSmallIntegerField(_("公示期（工作日）"), default=5)
    publicity_template = models.TextField(
        _("公示公告正文模板"),
        default=default_publicity_template,
        db_default=DEFAULT_PUBLICITY_TEMPLATE,
        help_text=_(
            "可用占位符：{notice} 依据通知（书名号及文号），{round} 批次名称，{year} 年度，"
            "{count} 机构数，{start} 公示开始日期，"
            "{end} 公示结束日期，{days} 公示工作日数，{objections_to} 异议受理方式。"
        ),
    )
    commitment_template = models.TextField(
        _("培育机构工作承诺书正文（附件5）"),
        default=default_commitment_template,
        db_default=DEFAULT_COMMITMENT_TEMPLATE,
        help_text=_("可用占位符：{institution} 机构名称，{round} 批次名称。"),
    )
    cultivation_days = models.PositiveSmallIntegerField(
        _("培育辅导期上限（天）"), default=180, help_text=_("N-4.2：不超过 180 天。")
    )
    eligible_categories = models.JSONField(_("可申报机构类别"), default=all_categories)
    scoresheet_template = models.JSONField(_("评估表模板"), default=dict, blank=True)
    question_bank_requirements = models.JSONField(_("试题开发要求"), default=dict, blank=True)
    aggregation = models.CharField(
        _("专家评分汇总方法"),
        max_length=20,
        choices=Aggregation.choices,
        default=Aggregation.TRIMMED_MEAN,
    )
    dispersion_threshold = models.DecimalField(
        _("评分离散提示阈值（分）"), max_digits=5, decimal_places=1, default=20
    )
    recommendation_quota = models.PositiveSmallIntegerField(
        _("每个地市推荐名额"), null=True, blank=True, help_text=_("留空表示不限。")
    )
    defense_slot_minutes = models.PositiveSmallIntegerField(
        _("现场答辩每家时长（分钟）"),
        default=20,
        db_default=20,
        help_text=_("N-4.1.3 现场答辩排期。"),
    )
    absence_scoring = models.CharField(
        _("答辩缺席计分规则"),
        max_length=30,
        choices=AbsenceScoring.choices,
        default=AbsenceScoring.ZERO_DEFENSE_ITEMS,
        db_default=AbsenceScoring.ZERO_DEFENSE_ITEMS,
    )
    numbering_prefix = models.CharField(_("文书编号前缀"), max_length=40, default="粤职评")
    max_application_bytes = models.PositiveBigIntegerField(
        _("每份申请材料总大小上限（字节）"), default=200 * MB
    )
    is_reference = models.BooleanField(_("参考数据（2023 年通知）"), default=False)
    copied_from = models.ForeignKey(
        "self",
        verbose_name=_("复制自"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("遴选批次")
        verbose_name_plural = _("遴选批次")
        ordering = ["-published_on"]

    def __str__(self) -> str:
        return self.name

    def governing_notice(self) -> str:
        """The governing notice as cited: 《title》, with its number when known."""
        title = f"《{self.governing_notice_title}》"
        number = self.governing_notice_number.strip()
        return f"{title}（{number}）" if number else title

    def is_accepting_applications(self) -> bool:
        return self.published_on <= clock.today() and not clock.is_past(self.application_deadline)

    def dates(self) -> list[date]:
        return [self.published_on, self.application_deadline, self.city_assessment_deadline]

    @transaction.atomic
    def copy(self, *, code: str, name: str, year: int, shift_days: int) -> Round:
        """A new round with the same rules and checklist, dates moved by ``shift_days``."""
        from datetime import timedelta

        shift = timedelta(days=shift_days)
        new = Round.objects.get(pk=self.pk)
        new.pk = None
        new.code, new.name, new.year = code, name, year
        new.published_on += shift
        new.application_deadline += shift
        new.city_assessment_deadline += shift
        new.is_reference = False
        new.copied_from = self
        new.save()
        ChecklistItem.objects.bulk_create([item.clone_for(new) for item in self.checklist.all()])
        return new


class ChecklistItem(models.Model):
    """One item of the material checklist (our version of 附件1)."""

    class RequiredWhen(models.TextChoices):
        ALWAYS = "always", _("必须提交")
        RECOMMENDED = "recommended", _("由省级行业主管部门推荐的机构（N-5.3）")
        CHAIN_LEADER = "chain_leader", _("链主培育单位（N-4.1.4）")
        EXPANSION = "expansion", _("新增职业申请（N-2.2）")
        OPTIONAL = "optional", _("选择提交")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="checklist")
    code = models.CharField(_("编码"), max_length=30)
    title = models.CharField(_("材料名称"), max_length=200)
    guidance = models.CharField(_("要求说明"), max_length=300, blank=True)
    required_when = models.CharField(
        _("适用条件"), max_length=20, choices=RequiredWhen.choices, default=RequiredWhen.ALWAYS
    )
    allowed_kinds = models.JSONField(_("允许的文件类型"), default=default_file_kinds)
    max_bytes = models.PositiveBigIntegerField(_("单个文件大小上限（字节）"), default=20 * MB)
    max_files = models.PositiveSmallIntegerField(_("最多文件数"), default=5)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("申请材料清单项")
        verbose_name_plural = _("申请材料清单")
        ordering = ["round", "order"]
        constraints = [
            models.UniqueConstraint(fields=["round", "code"], name="uniq_checklist_code")
        ]

    def __str__(self) -> str:
        return self.title

    def clone_for(self, new_round: Round) -> ChecklistItem:
        clone = ChecklistItem.objects.get(pk=self.pk)
        clone.pk = None
        clone.round = new_round
        return clone
