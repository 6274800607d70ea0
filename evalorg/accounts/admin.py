from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import operators, second_factor
from .models import Agency, User

# The devices' own admin pages would show every user's TOTP secret: devices are managed only by
# their owner (enrolment) and by the audited reset below.
for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "division", "phone", "email"]
    # The portal's contact table shows what is filled in here (issue 22).
    list_editable = ["phone", "email"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    list_select_related = ["division"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "role", "agency", "is_active"]
    list_filter = ["role", "is_active", "agency__kind"]
    search_fields = ["username", "full_name", "email"]
    list_select_related = ["agency"]
    actions = ["reset_second_factor", "unlock_accounts", "deactivate_accounts"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("EvalOrg"), {"fields": ("role", "full_name", "phone", "agency")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("EvalOrg"), {"fields": ("role", "full_name", "agency")}),
    )

    @admin.action(description=_("重置双因素认证（设备丢失，下次登录重新绑定）"))
    def reset_second_factor(self, request, queryset) -> None:
        for user in queryset:
            second_factor.reset(user, by=request.user, reason="admin action: lost device")
        self.message_user(
            request,
            _("已重置 %(n)d 个账户的双因素认证；其下次登录时须重新绑定验证器。")
            % {"n": len(queryset)},
            messages.SUCCESS,
        )

    @admin.action(description=_("解除登录锁定（连续输错密码被锁定的账户）"))
    def unlock_accounts(self, request, queryset) -> None:
        for user in queryset:
            operators.unlock(user, by=request.user)
        self.message_user(
            request, _("已解除 %(n)d 个账户的登录锁定。") % {"n": len(queryset)}, messages.SUCCESS
        )

    @admin.action(description=_("停用账户（不能再登录，记录保留）"))
    def deactivate_accounts(self, request, queryset) -> None:
        done = sum(operators.deactivate(user, by=request.user) for user in queryset)
        self.message_user(request, _("已停用 %(n)d 个账户。") % {"n": done}, messages.SUCCESS)
