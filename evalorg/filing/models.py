"""Filing letters (备案函, N-4.3) and their numbering; the public registry reads these."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from evalorg.applications.models import Application
from evalorg.core.models import StoredFile
from evalorg.rounds.models import Round


class LetterSequence(models.Model):
    """The last letter number used per round and year; locked with ``select_for_update`` so two
    letters issued at once never share a number, and numbers are never reused."""

    round = models.ForeignKey(
        Round, on_delete=models.PROTECT, related_name="+", verbose_name=_("批次")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    last = models.PositiveIntegerField(_("已用最大序号"), default=0)

    class Meta:
        verbose_name = _("备案函编号序列")
        verbose_name_plural = _("备案函编号序列")
        constraints = [
            models.UniqueConstraint(fields=["round", "year"], name="uniq_letter_sequence")
        ]

    def __str__(self) -> str:
        return f"{self.round} {self.year}: {self.last}"


class LetterTemplate(models.Model):
    """A Word (docxtpl) template for filing letters uploaded by staff; the active one is used,
    else the built-in default (``letters.default_template``)."""

    name = models.CharField(_("名称"), max_length=100)
    file = models.ForeignKey(
        StoredFile, verbose_name=_("模板文件（DOCX）"), on_delete=models.PROTECT, related_name="+"
    )
    active = models.BooleanField(_("启用"), default=False)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("备案函模板")
        verbose_name_plural = _("备案函模板")
        ordering = ["-active", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=models.Q(active=True), name="one_active_template"
            )
        ]

    def __str__(self) -> str:
        return self.name


class FilingLetterQuerySet(models.QuerySet):
    def for_registry(self) -> FilingLetterQuerySet:
        """Letters with what a registry row shows, in a constant number of queries."""
        from evalorg.applications.models import ApplicationOccupation
        from evalorg.rounds.simulated import not_simulated

        filed = ApplicationOccupation.objects.filter(
            status=ApplicationOccupation.Status.FILED
        ).select_related("occupation")
        from .registry import lines_with_status, with_status

        public = with_status(self.filter(not_simulated("application__round__")))
        return public.select_related("application__institution__city").prefetch_related(
            models.Prefetch(
                "application__occupations",
                queryset=lines_with_status(filed),
                to_attr="filed_lines",
            ),
            "application__institution__former_names",
        )


class FilingLetter(models.Model):
    """A filing letter: its number, dates, the occupations it files, the DOCX and PDF.

    A case has one letter of kind ``filing`` (备案函); an occupation line that passes after its
    case was filed early (成熟一批，公布一批, N-4.2, N-4.3) is filed by a ``supplementary``
    letter (补充备案函) of the same case, issued for a later acceptance batch, whose
    ``original`` is the case's first letter and whose validity is that letter's. ``entry`` is
    the approved batch entry the letter was issued for (one letter per entry)."""

    class Kind(models.TextChoices):
        FILING = "filing", _("备案函")
        SUPPLEMENTARY = "supplementary", _("补充备案函")

    class Validity(models.TextChoices):
        VALID = "valid", _("有效")
        EXPIRED = "expired", _("已过期")

    application = models.ForeignKey(
        Application,
        verbose_name=_("备案申请"),
        on_delete=models.PROTECT,
        related_name="filing_letters",
    )
    kind = models.CharField(
        _("类型"), max_length=16, choices=Kind.choices, default=Kind.FILING, db_default=Kind.FILING
    )
    entry = models.OneToOneField(
        "selection.LeadershipApprovalEntry",
        verbose_name=_("验收批次审定事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="filing_letter",
    )
    number = models.CharField(_("备案函编号"), max_length=60, unique=True)
    issued_on = models.DateField(_("备案日期"), db_index=True)
    valid_until = models.DateField(_("有效期至（含当天）"))
    original = models.ForeignKey(
        "self",
        verbose_name=_("原备案函（新增职业、补充备案沿用其有效期）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # [{"code", "name", "level", "level_label"}] as written in the letter.
    occupations = models.JSONField(_("备案职业（工种）及等级"), default=list)
    # The documents are rendered after the letter is numbered and its case filed, outside any
    # transaction (issue 21 item 3): empty until then (``documents_ready``), the values they
    # print kept in ``document_data`` so a retry renders the same letter.
    document_data = models.JSONField(_("备案函内容"), null=True, blank=True)
    docx = models.ForeignKey(
        StoredFile,
        verbose_name=_("备案函（Word）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    pdf = models.ForeignKey(
        StoredFile,
        verbose_name=_("备案函（PDF）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    docx_sha256 = models.CharField(_("Word 文件 SHA-256"), max_length=64, blank=True, default="")
    pdf_sha256 = models.CharField(_("PDF 文件 SHA-256"), max_length=64, blank=True, default="")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    batch = models.CharField(_("验收批次"), max_length=32, blank=True)
    # Printed on the letter as a QR code and a short URL (/v/<code>): anyone shown the letter
    # checks it on the public verify page. Random, so letters cannot be enumerated by it.
    verify_code = models.CharField(
        _("核验码"), max_length=16, unique=True, null=True, blank=True, default=None
    )
    # The validity of an organization's filing is its first letter's (kind filing, no
    # ``original``): the ``filing_validity`` workflow (evalorg/renewal) marks it expired once
    # ``valid_until`` has passed, and an accepted renewal extends every letter's ``valid_until``.
    validity_status = models.CharField(
        _("有效期状态"),
        max_length=10,
        choices=Validity.choices,
        default=Validity.VALID,
        db_default=Validity.VALID,
        db_index=True,
    )
    # The last expiry reminder sent (90 or 30 days before; reset by a renewal): never twice.
    expiry_reminded = models.PositiveSmallIntegerField(
        _("已发送的到期提醒（提前天数）"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, db_index=True)

    objects = FilingLetterQuerySet.as_manager()

    class Meta:
        verbose_name = _("备案函")
        verbose_name_plural = _("备案函")
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=models.Q(kind="filing"),
                name="one_filing_letter_per_case",
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def documents_ready(self) -> bool:
        return self.pdf_id is not None and self.docx_id is not None


class SupervisionNote(models.Model):
    """A dated note of local supervision on a filed organization (N-5.2, first step): written
    by the city agency of the organization's city or the provincial center; staff only, never
    shown to the organization nor in the public registry."""

    class Kind(models.TextChoices):
        INSPECTION = "inspection", _("检查")
        INTERVIEW = "interview", _("约谈")
        RECTIFICATION = "rectification", _("整改")
        OTHER = "other", _("其他")

    MAX_TEXT = 2000

    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("评价组织"),
        on_delete=models.PROTECT,
        related_name="supervision_notes",
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    happened_on = models.DateField(_("日期"))
    text = models.TextField(_("情况记录"), max_length=MAX_TEXT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    agency = models.ForeignKey(
        "accounts.Agency", verbose_name=_("记录单位"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("属地监管记录")
        verbose_name_plural = _("属地监管记录")
        ordering = ["-happened_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.happened_on} {self.get_kind_display()}"
