import functools
import re
from pathlib import Path

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


COMMON_ZH_PATH = Path(__file__).resolve().parent / "data" / "common-passwords-zh.txt"
LEET = str.maketrans(
    {"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@functools.cache
def _common_zh() -> frozenset[str]:
    lines = COMMON_ZH_PATH.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _variants(password: str) -> set[str]:
    """The password lowered, its core without leading/trailing digits and symbols, and both
    with l33t substitutions undone (``P@ssw0rd!!`` → ``password``)."""
    lowered = password.lower().strip()
    core = EDGES.sub("", lowered)
    return {lowered, core, lowered.translate(LEET), core.translate(LEET)}


class CommonChinesePasswordValidator:
    """Refuses common Chinese passwords and common words decorated with digits and symbols
    (data file and its source: accounts/data/common-passwords-zh.txt)."""

    def validate(self, password: str, user=None) -> None:
        if _variants(password) & _common_zh():
            raise ValidationError(
                _("该密码过于常见（或仅在常见密码前后加了数字、符号），请换一个不易猜到的密码。"),
                code="password_too_common",
            )

    def get_help_text(self) -> str:
        return _("密码不能是常见密码，也不能只在常见词前后加数字或符号。")


class UserAttributeSimilarityValidator(password_validation.UserAttributeSimilarityValidator):
    """Django's, with a Chinese message (its zh_Hans catalogue lacks this wording)."""

    def get_error_message(self) -> str:
        return _("密码与%(verbose_name)s过于相似。")

    def get_help_text(self) -> str:
        return _("密码不能与您的用户名、姓名或电子邮箱过于相似。")
