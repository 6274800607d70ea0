from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from evalorg.accounts.models import Agency
from evalorg.catalog.models import Occupation
from evalorg.core.models import StoredFile
from evalorg.institutions.models import Institution
from evalorg.rounds.models import Round


class State(models.TextChoices):
    """SPEC §5. Assigned only by ``applications.workflow.perform``."""

    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    RETURNED_FOR_CORRECTION = "returned_for_correction", _("退回补正")
    VERIFIED = "verified", _("初审通过")
    CITY_ASSESSED = "city_assessed", _("地市评估完成")
    RECOMMENDED = "recommended", _("已推荐")
    NOT_RECOMMENDED = "not_recommended", _("未推荐")
    PROVINCE_REVIEW = "province_review", _("省级评审中")
    SELECTED = "selected", _("评审通过")
    REJECTED = "rejected", _("未通过评审")
    LEADERSHIP_APPROVED = "leadership_approved", _("领导小组已同意")
    IN_PUBLICITY = "in_publicity", _("公示中")
    OBJECTION_UPHELD = "objection_upheld", _("异议成立")
    CULTIVATING = "cultivating", _("培育辅导中")
    ACCEPTED = "accepted", _("验收通过")
    FILED = "filed", _("已备案")
    ELIMINATED = "eliminated", _("自然淘汰")
    WITHDRAWN = "withdrawn", _("已撤回")


CLOSED_STATES = {
    State.NOT_RECOMMENDED,
    State.REJECTED,
    State.OBJECTION_UPHELD,
    State.FILED,
    State.ELIMINATED,
    State.WITHDRAWN,
}
OPEN_STATES = [s for s in State.values if s not in CLOSED_STATES]


class Kind(models.TextChoices):
    NEW = "new", _("新申请")
    EXPANSION = "expansion", _("新增职业")


class Route(models.TextChoices):
    """A provincial institution chooses where to submit (N-4.1.2)."""

    CITY = "city", _("所在地级以上市职业技能评价指导机构")
    PROVINCE = "province", _("省职业技能服务指导中心")


class SkillLevel(models.IntegerChoices):
    LEVEL_5 = 5, _("五级/初级工")
    LEVEL_4 = 4, _("四级/中级工")
    LEVEL_3 = 3, _("三级/高级工")
    LEVEL_2 = 2, _("二级/技师")
    LEVEL_1 = 1, _("一级/高级技师")


class ApplicationQuerySet(models.QuerySet):
    def for_user(self, user) -> ApplicationQuerySet:
        """Only what the user's role may see (SPEC §1)."""
        from .access import scope_applications

        return scope_applications(self, user)


class Application(models.Model):
    round = models.ForeignKey(
        Round, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="applications"
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("申请机构"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    kind = models.CharField(_("申请类型"), max_length=12, choices=Kind.choices, default=Kind.NEW)
    state = models.CharField(
        _("状态"), max_length=30, choices=State.choices, default=State.DRAFT, db_index=True
    )
    route = models.CharField(_("报送渠道"), max_length=10, choices=Route.choices, blank=True)
    receiving_agency = models.ForeignKey(
        Agency,
        verbose_name=_("受理机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    acknowledgement_no = models.CharField(
        _("受理编号"), max_length=30, null=True, blank=True, unique=True
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    eligibility = models.JSONField(_("资格校验结果"), default=list, blank=True)
    needs_review = models.BooleanField(_("需人工核查"), default=False, db_index=True)
    institution_snapshot = models.JSONField(_("提交时的机构信息"), default=dict, blank=True)
    email_attachment = models.ForeignKey(
        StoredFile,
        verbose_name=_("申请邮件（新增职业）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    registered_by_staff = models.BooleanField(_("由工作人员代为登记"), default=False)
    declarations_confirmed = models.BooleanField(_("已确认承诺与声明"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("备案申请")
        verbose_name_plural = _("备案申请")
        ordering = ["-created_at"]
        constraints = [
            # At most one open application per institution, round and kind (issue #11: four
            # concurrent "new application" requests created up to four). The views check first
            # and say so; this holds even when two requests pass the check together.
            models.UniqueConstraint(
                fields=["institution", "round", "kind"],
                condition=~models.Q(state__in=sorted(CLOSED_STATES)),
                name="uniq_open_application_per_round_kind",
                violation_error_message=_("本机构在该批次已有一份同类型的申请在办理中。"),
            )
        ]
        indexes = [
            # An agency's inbox in its default order (newest first): the first page is read
            # from the index instead of sorting every case of the agency (issue 12).
            models.Index(
                fields=["receiving_agency", "submitted_at", "id"], name="app_agency_submitted_idx"
            ),
            # The inbox's count and state filter from the index alone.
            models.Index(fields=["receiving_agency", "state"], name="app_agency_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.institution}（{self.round.year}，{self.get_kind_display()}）"

    def occupation_groups(self) -> list[OccupationGroup]:
        """The lines grouped by occupation; no query when ``occupations`` is prefetched."""
        if "occupations" in getattr(self, "_prefetched_objects_cache", {}):
            return group_lines(self.occupations.all())
        return group_lines(self.occupations.select_related("occupation"))


class ApplicationOccupation(models.Model):
    """An occupation line: one requested occupation at one skill level (SPEC §5, §6).

    Question banks, acceptance and filing work per occupation and level, so each line has its
    own status. Lines are ordered by occupation code, then from 五级 to 一级 (level descending),
    the order the national occupational classification lists levels in.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", _("申请中")
        EXCLUDED = "excluded", _("已排除")
        CULTIVATING = "cultivating", _("培育中")
        BANK_SUBMITTED = "bank_submitted", _("题库已提交")
        BANK_PASSED = "bank_passed", _("题库通过")
        BANK_FAILED = "bank_failed", _("题库未通过")
        FILED = "filed", _("已备案")
        ELIMINATED = "eliminated", _("自然淘汰")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="occupations"
    )
    occupation = models.ForeignKey(
        Occupation, verbose_name=_("职业（工种）"), on_delete=models.PROTECT, related_name="+"
    )
    level = models.PositiveSmallIntegerField(_("申报等级"), choices=SkillLevel.choices)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.REQUESTED
    )

    class Meta:
        verbose_name = _("申报职业")
        verbose_name_plural = _("申报职业")
        ordering = ["occupation_id", "-level"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "occupation", "level"], name="uniq_app_occ_level"
            )
        ]

    def __str__(self) -> str:
        return f"{self.occupation}（{self.get_level_display()}）"


class OccupationGroup(NamedTuple):
    """One occupation with its lines, for pages that show an occupation once."""

    occupation: Occupation
    lines: list[ApplicationOccupation]

    @property
    def levels(self) -> tuple[int, ...]:
        return tuple(line.level for line in self.lines)

    @property
    def level_labels(self) -> list[str]:
        return [str(line.get_level_display()) for line in self.lines]

    def __str__(self) -> str:
        """``电工（五级/初级工、四级/中级工）``."""
        return f"{self.occupation.name}（{'、'.join(self.level_labels)}）"


def group_lines(lines: Iterable[ApplicationOccupation]) -> list[OccupationGroup]:
    """Lines grouped by occupation, in first-seen order, levels from 五级 to 一级.

    Works on rows already fetched (``select_related("occupation")`` or a prefetch): no queries.
    """
    groups: dict[str, OccupationGroup] = {}
    for line in lines:
        group = groups.setdefault(line.occupation_id, OccupationGroup(line.occupation, []))
        group.lines.append(line)
    for group in groups.values():
        group.lines.sort(key=lambda line: -line.level)
    return list(groups.values())


class Material(models.Model):
    """A file uploaded for a checklist item; replaced files are kept as earlier versions."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="materials")
    item_code = models.CharField(_("材料项"), max_length=30)
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    is_current = models.BooleanField(_("当前版本"), default=True, db_index=True)
    replaced_at = models.DateTimeField(_("被替换时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["item_code", "pk"]

    def __str__(self) -> str:
        return f"{self.item_code}: {self.file}"


class AcknowledgementCounter(models.Model):
    """The last acknowledgement sequence issued per round and receiving area: one row
    locked per submission, so numbering costs the same at the 10th and the 10,000th case and
    cities do not wait on each other (``submission.acknowledgement_number``)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    area = models.CharField(_("受理地区代码"), max_length=4)
    last = models.PositiveIntegerField(_("已用序号"), default=0)

    class Meta:
        verbose_name = _("受理编号计数")
        verbose_name_plural = _("受理编号计数")
        constraints = [
            models.UniqueConstraint(fields=["round", "area"], name="one_counter_per_round_area")
        ]

    def __str__(self) -> str:
        return f"{self.round_id}-{self.area}: {self.last}"
