import re

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CLASSES = [
    (re.compile(r"[a-z]"), "小写字母"),
    (re.compile(r"[A-Z]"), "大写字母"),
    (re.compile(r"[0-9]"), "数字"),
    (re.compile(r"[^a-zA-Z0-9]"), "符号"),
]


class CharacterClassValidator:
    """At least three of: lower case, upper case, digits, symbols."""

    required = 3

    def validate(self, password: str, user=None) -> None:
        present = sum(1 for pattern, _label in CLASSES if pattern.search(password))
        if present < self.required:
            raise ValidationError(
                _("密码须至少包含小写字母、大写字母、数字、符号中的三类。"),
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _("密码须至少包含小写字母、大写字母、数字、符号中的三类。")


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with the Chinese message its zh_Hans catalogue lacks for this wording."""

    def get_error_message(self) -> str:
        return _("密码太短，至少需要 %(n)d 个字符。") % {"n": self.min_length}

    def get_help_text(self) -> str:
        return _("密码至少需要 %(n)d 个字符。") % {"n": self.min_length}


class UserAttributeSimilarityValidator(password_validation.UserAttributeSimilarityValidator):
    """Django's, with a Chinese message (its zh_Hans catalogue lacks this wording)."""

    def get_error_message(self) -> str:
        return _("密码与%(verbose_name)s过于相似。")

    def get_help_text(self) -> str:
        return _("密码不能与您的用户名、姓名或电子邮箱过于相似。")
