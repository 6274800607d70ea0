from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确。连续 5 次错误将锁定账户。"),
        "inactive": _("该账户已停用，请联系系统管理员。"),
    }
