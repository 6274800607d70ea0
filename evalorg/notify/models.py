from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    """An in-app message to one user."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("收件人"),
    )
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    # The simulated round (its code) this message was written for, "" for real use: removing
    # the simulation (manage.py remove_simulation) removes its messages too.
    simulation = models.CharField(
        _("模拟批次"), max_length=40, blank=True, default="", db_default=""
    )

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject


class OutboundEmail(models.Model):
    """Outbox: e-mails are queued in the sender's transaction and sent by the ``deliver_outbox``
    task. A worker claims a row (``sending`` with ``claimed_at``) before sending it, so two
    workers never send one e-mail twice."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    to = models.JSONField(_("收件人"))
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.CharField(_("错误"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    # Set while a simulation runs (outbox.simulated): such an e-mail is written to var/mail by
    # the file backend whatever EMAIL_BACKEND says, never handed to the relay.
    simulation = models.CharField(
        _("模拟批次"), max_length=40, blank=True, default="", db_default=""
    )

    class Meta:
        verbose_name = _("待发邮件")
        verbose_name_plural = _("邮件发件箱")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.subject
