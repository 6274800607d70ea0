"""Demo accounts for every role (issue #2); printed by ``make run``."""

from __future__ import annotations

from evalorg.core.demo import DemoContext, DemoLogin

from .models import Agency, Role, User

DEMO_PASSWORD = "Demo-Pass-2026"


def ensure_user(
    context: DemoContext,
    username: str,
    role: str,
    full_name: str,
    *,
    agency: Agency | None = None,
    note: str = "",
    **extra,
) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"role": role, "full_name": full_name, "agency": agency, **extra},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    label = dict(Role.choices)[role]
    context.logins.append(DemoLogin(username, DEMO_PASSWORD, str(label), note))
    return user


def build_staff(context: DemoContext) -> None:
    ensure_user(
        context,
        "admin",
        Role.ADMIN,
        "系统管理员",
        is_staff=True,
        is_superuser=True,
        note="/admin/",
    )
    for code, username, name in [
        ("440100", "gz_staff", "广州市审核员"),
        ("440300", "sz_staff", "深圳市审核员"),
    ]:
        agency = Agency.objects.get(kind=Agency.Kind.CITY, division_id=code)
        ensure_user(context, username, Role.CITY_STAFF, name, agency=agency, note=agency.name)
    center = Agency.objects.get(kind=Agency.Kind.PROVINCE)
    ensure_user(
        context,
        "province_staff",
        Role.PROVINCE_STAFF,
        "省中心审核员",
        agency=center,
        note=center.name,
    )
    department = Agency.objects.get(kind=Agency.Kind.DEPARTMENT)
    ensure_user(
        context,
        "department",
        Role.DEPARTMENT,
        "省人社厅职业能力建设处",
        agency=department,
        note=department.name,
    )
    for index, name in enumerate(["张评审", "李评审", "王评审"], start=1):
        ensure_user(context, f"expert{index}", Role.EXPERT, name, note="专家库")
