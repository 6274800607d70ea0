"""Demo accounts for every role (issue #2); printed by ``make run``."""

from __future__ import annotations

from base64 import b32encode

from django_otp.plugins.otp_totp.models import TOTPDevice

from evalorg.core.demo import DemoContext, DemoLogin

from .models import Agency, Role, User

DEMO_PASSWORD = "Demo-Pass-2026"
# One published second-factor secret for every demo account that needs one (issue 11): a
# reviewer adds it once to an authenticator app, or runs `manage.py demo_totp`. load_demo
# refuses to run in production, so this key never exists there.
DEMO_TOTP_KEY = b"EvalOrg-demo-TOTP-20".hex()


def ensure_demo_device(user: User) -> None:
    if user.has_role(Role.SECOND_FACTOR) or user.is_staff:
        TOTPDevice.objects.get_or_create(
            user=user, confirmed=True, defaults={"name": "demo", "key": DEMO_TOTP_KEY}
        )


def demo_totp_note() -> str:
    secret = b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode()
    return (
        "\n演示动态验证码 / demo second factor: 工作人员、专家和管理员账户共用一个演示 TOTP 密钥\n"
        f"  {secret}\n"
        f"  otpauth://totp/EvalOrg%20demo?secret={secret}&issuer=EvalOrg%20demo\n"
        "  在验证器应用中添加一次即可；或运行 .venv/bin/python manage.py demo_totp 查看当前验证码。"
    )


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
    ensure_demo_device(user)
    label = dict(Role.choices)[role]
    context.logins.append(DemoLogin(username, DEMO_PASSWORD, str(label), note))
    return user


def build_staff(context: DemoContext) -> None:
    context.notes.append(demo_totp_note())
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
