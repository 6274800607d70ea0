from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkCalendar(models.Model):
    """One row per calendar day: working day or not (official PRC calendar with 调休)."""

    day = models.DateField(_("日期"), primary_key=True)
    is_workday = models.BooleanField(_("工作日"))
    note = models.CharField(_("说明"), max_length=40, blank=True)
    source = models.CharField(_("来源"), max_length=40, default="chinese-calendar")

    class Meta:
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {'工作日' if self.is_workday else '休息日'}"


class AuditImmutable(Exception):
    """Audit events are append-only."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AuditImmutable("审计日志只能追加，不能修改。")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditImmutable("审计日志只能追加，不能删除。")

    def seal(self, pk: int, *, seq: int, prev_hash: str, hash: str) -> int:
        """The sealer's one write (``core.audit.seal_pending``, nothing else calls it): give an
        unsealed event its place in the chain. It matches only a row whose ``hash`` is still
        NULL, so a sealed event is never changed through it; returns the rows updated (0/1)."""
        unsealed = self.filter(pk=pk, hash__isnull=True)
        return models.QuerySet.update(unsealed, seq=seq, prev_hash=prev_hash, hash=hash)

    def sealed(self) -> AuditEventQuerySet:
        return self.filter(hash__isnull=False)

    def unsealed(self) -> AuditEventQuerySet:
        return self.filter(hash__isnull=True)

    def for_object(self, obj: models.Model) -> AuditEventQuerySet:
        label = obj._meta.label_lower
        labels = [label, *FORMER_LABELS.get(label, ())]
        return self.filter(object_type__in=labels, object_id=str(obj.pk))


# Events are hashed with the ``object_type`` they were written with, so a model that moved to
# another app keeps its older events under the old label; reading an object's events asks both.
# The app a model moved to registers its former labels (``register_former_label``).
FORMER_LABELS: dict[str, tuple[str, ...]] = {}


def register_former_label(model: type[models.Model], *former: str) -> None:
    label = model._meta.label_lower
    FORMER_LABELS[label] = tuple(dict.fromkeys((*FORMER_LABELS.get(label, ()), *former)))


class AuditEvent(models.Model):
    """A link of the tamper-evident audit chain (DESIGN.md, Audit).

    ``hash`` = HMAC-SHA256(key ``key_id``, previous hash + canonical JSON of the event's
    fields); ``seq`` is contiguous from 1 so that a deleted row is a gap. See ``core.audit``.
    An event is written unsealed (``seq``, ``prev_hash`` and ``hash`` NULL, ``pending_mac``
    set) in its caller's transaction and sealed into the chain just after that commits.
    """

    seq = models.PositiveBigIntegerField(_("序号"), unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(_("操作人名称"), max_length=150, blank=True)
    role = models.CharField(_("角色"), max_length=30, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    user_agent = models.CharField(_("浏览器"), max_length=300, blank=True)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True, db_index=True)
    action = models.CharField(_("操作"), max_length=60, db_index=True)
    from_state = models.CharField(_("原状态"), max_length=40, blank=True)
    to_state = models.CharField(_("新状态"), max_length=40, blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    # applicant / staff / internal (core.audit.Audience); "" for events older than audiences.
    audience = models.CharField(
        _("可见范围"), max_length=10, blank=True, db_index=True, db_default=""
    )
    prev_hash = models.CharField(_("前一哈希"), max_length=64, null=True, blank=True)
    hash = models.CharField(_("哈希"), max_length=64, unique=True, null=True, blank=True)
    # Id of the HMAC key (settings.EVALORG_AUDIT_KEYS) the hash was computed with; the key
    # itself never enters the database.
    key_id = models.CharField(_("密钥编号"), max_length=20, blank=True, db_default="")
    # "<nonce>:<HMAC of the nonce and the event's content>" (all but its place in the chain),
    # set when it is written: the sealer chains only an unsealed event that still matches it.
    # Unique, so a copy of an event cannot be chained twice; NULL on events older than it.
    pending_mac = models.CharField(
        _("待封存校验码"), max_length=96, null=True, blank=True, unique=True, default=None
    )

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        # Display order is the order written; the chain's order (seq) is the order committed.
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id", "seq"])]

    def __str__(self) -> str:
        place = f"#{self.seq}" if self.seq is not None else f"(未封存 id {self.pk})"
        return f"{place} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditImmutable("审计日志只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditImmutable("审计日志只能追加，不能删除。")


class AuditHead(models.Model):
    """Singleton row: the chain's last link. Locked only by the sealer (``core.audit``), in
    its own short transaction, so that two sealers never fork the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("审计链头")

    def __str__(self) -> str:
        return f"head #{self.last_seq}"


def _private_name() -> str:
    import uuid

    return uuid.uuid4().hex


class StoredFile(models.Model):
    """An uploaded file kept in private storage under a random name (see ``core.files``).

    Never served by URL: only views that check access stream it (``core.files.file_response``).
    """

    key = models.CharField(_("存储名"), max_length=64, unique=True, default=_private_name)
    original_name = models.CharField(_("原文件名"), max_length=255)
    kind = models.CharField(_("文件类型"), max_length=10)  # sniffed: pdf, jpeg, png, docx, xlsx
    content_type = models.CharField(_("MIME 类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("文件")
        verbose_name_plural = _("文件")

    def __str__(self) -> str:
        return self.original_name

    @property
    def storage_path(self) -> str:
        return f"files/{self.key[:2]}/{self.key}"
