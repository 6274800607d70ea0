from __future__ import annotations

from collections.abc import Iterable
from enum import nonmember
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from evalorg.catalog.models import Division


class Role(models.TextChoices):
    """SPEC §1. The public is not a role: it is the anonymous user."""

    APPLICANT = "applicant", _("申请机构")
    CITY_STAFF = "city_staff", _("地市评价指导机构")
    PROVINCE_STAFF = "province_staff", _("省职业技能服务指导中心")
    DEPARTMENT = "department", _("省人社厅")
    EXPERT = "expert", _("评审专家")
    ADMIN = "admin", _("系统管理员")
    # Timed transitions (end of publicity, day-180 elimination, reminders); never logs in.
    SYSTEM = "system", _("系统")

    # Named role sets (issue 18): the one definition of each group that pages, the API,
    # navigation and the to-do list ask about with ``user.has_role(Role.X)`` or
    # ``accounts.permissions.role_required(Role.X)``. Plain values, not members: they are not
    # choices of the field.
    # Staff of an agency: the 21 city agencies, the provincial center and the department.
    AGENCY_STAFF = nonmember(frozenset({"city_staff", "province_staff", "department"}))
    # The agencies that receive cases, review them and supervise locally: the city agencies and
    # the center (inbox, panels, expert pool, training sessions, supervision notes).
    REVIEWING_STAFF = nonmember(frozenset({"city_staff", "province_staff"}))
    # The provincial level: the center and the department (acceptance batches, every letter).
    PROVINCIAL = nonmember(frozenset({"province_staff", "department"}))
    # Who reads the province's figures (reports): the center, the department, administrators.
    REPORT_READERS = nonmember(frozenset({"province_staff", "department", "admin"}))
    # Who must pass a second factor (TOTP) before using the system (SPEC §8, MLPS level 3).
    SECOND_FACTOR = nonmember(
        frozenset({"city_staff", "province_staff", "department", "expert", "admin"})
    )
    # Who may hold a personal API token: agency staff. Applicants use the pages (the wizard
    # checks uploads); experts' scoring is confidential to the panel (SPEC §1) and has no API.
    TOKEN_HOLDERS = nonmember(frozenset({"city_staff", "province_staff", "department"}))


def role_names(*roles: str | Iterable[str]) -> frozenset[str]:
    """The roles named by ``roles``: single roles and role sets, flattened."""
    names: set[str] = set()
    for role in roles:
        if isinstance(role, str):
            names.add(str(role))
        else:
            names.update(str(r) for r in role)
    return frozenset(names)


def has_role(user: Any, *roles: str | Iterable[str]) -> bool:
    """Whether ``user`` (possibly anonymous or None) holds one of ``roles``: single roles and
    named sets on ``Role``. ``accounts.permissions`` exports it; ``User.has_role`` calls it."""
    return bool(
        user is not None
        and user.is_authenticated
        and getattr(user, "role", None) in role_names(*roles)
    )


class Agency(models.Model):
    """A city agency (one per prefecture city), the provincial center or the department."""

    class Kind(models.TextChoices):
        CITY = "city", _("地市职业技能评价指导机构")
        PROVINCE = "province", _("省职业技能服务指导中心")
        DEPARTMENT = "department", _("省人力资源和社会保障厅")

    code = models.CharField(_("编码"), max_length=20, unique=True)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=100)
    division = models.ForeignKey(
        Division, verbose_name=_("所在行政区划"), on_delete=models.PROTECT, related_name="agencies"
    )
    phone = models.CharField(_("咨询电话"), max_length=40, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)

    class Meta:
        verbose_name = _("机构（评价指导）")
        verbose_name_plural = _("评价指导机构")
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["division"],
                condition=models.Q(kind="city"),
                name="one_city_agency_per_city",
            )
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person with exactly one role; staff belong to an agency."""

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    full_name = models.CharField(_("姓名"), max_length=60, blank=True)
    phone = models.CharField(_("手机号码"), max_length=20, blank=True)
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("所属机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role__in=["city_staff", "province_staff", "department"])
                | models.Q(agency__isnull=False),
                name="staff_has_agency",
            )
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def has_role(self, *roles: str | Iterable[str]) -> bool:
        """Whether this user holds one of ``roles`` (single roles or named sets on ``Role``);
        the one way pages, the API, navigation and the to-do list ask."""
        return has_role(self, *roles)


class ApiToken(models.Model):
    """A staff member's personal API token (issue 13). Only the SHA-256 of the secret is
    stored; the secret is shown once, when it is created."""

    class Scope(models.TextChoices):
        READ = "read", _("只读")
        WRITE = "write", _("读写")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("用途"), max_length=60)
    prefix = models.CharField(_("令牌前缀"), max_length=12)
    key_hash = models.CharField(_("令牌摘要"), max_length=64, unique=True)
    scope = models.CharField(_("权限"), max_length=5, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(_("创建时间"))
    expires_at = models.DateTimeField(_("到期时间"))
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE
