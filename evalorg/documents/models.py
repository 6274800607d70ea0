"""Documents built once and kept until what they show changes (issue 24)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from evalorg.core.models import StoredFile


class BuiltDocument(models.Model):
    """A rendered PDF of one registered document (``documents.built``) of one object, keyed by
    the SHA-256 of the HTML it was laid out from: the same HTML is never laid out twice."""

    name = models.CharField(_("文书"), max_length=64)
    object_id = models.PositiveBigIntegerField(_("对象编号"))
    source_sha256 = models.CharField(_("来源 HTML 的 SHA-256"), max_length=64)
    file = models.ForeignKey(
        StoredFile, verbose_name=_("文件"), on_delete=models.PROTECT, related_name="+"
    )
    built_at = models.DateTimeField(_("生成时间"))
    seconds = models.FloatField(_("生成用时（秒）"))

    class Meta:
        verbose_name = _("已生成文书")
        verbose_name_plural = _("已生成文书")
        constraints = [
            models.UniqueConstraint(
                fields=["name", "object_id", "source_sha256"], name="one_build_per_source"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.object_id}"
