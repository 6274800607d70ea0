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


# ---- issue 21 item 5: guessability, site words, the account's own names, staff length ---------

# Words of this system and its demo that attackers try first (``Evalorg2026!``, ``Demo-Pass-2027``):
# refused anywhere in a password; the guess estimate also treats the place names as known words.
SITE_WORDS = ("evalorg", "demo")
GUESS_WORDS = (*SITE_WORDS, "guangdong", "guangzhou", "shenzhen", "rsj", "hrss", "pingjia")
# Shifted symbols back to their keys, so ``1qaz@WSX3edc`` is seen as the walk ``1qaz2wsx3edc``.
UNSHIFT = str.maketrans(dict(zip('!@#$%^&*()_+{}|:"<>?~', "1234567890-=[]\\;',./`", strict=True)))
MIN_SCORE = 4  # zxcvbn: about 10^10 guesses, out of reach of an offline attack on a stolen hash
NAME_MIN = 4  # shorter parts of a name (li, wang) would refuse half the language


def _letters(password: str) -> str:
    """Lowered, l33t undone, letters only: ``D3mo-P@ss`` → ``demopass``."""
    return re.sub(r"[^a-z]", "", password.lower().translate(LEET))


def _names_of(user) -> list[str]:
    """The account's own words: username, name, e-mail local part, organization's name (the
    ``organization_name`` a sign-up form sets on its probe user, else the membership's)."""
    if user is None:
        return []
    organization = getattr(user, "organization_name", "") or ""
    membership = getattr(user, "membership", None) if getattr(user, "pk", None) else None
    if not organization and membership is not None:
        organization = membership.institution.name
    email = (getattr(user, "email", "") or "").split("@")[0]
    values = [getattr(user, "username", "") or "", getattr(user, "full_name", "") or "", email]
    return [v for v in (*values, organization) if v]


def _score(password: str, inputs: list[str]) -> int:
    from zxcvbn import zxcvbn

    cut = password[:64]  # zxcvbn is quadratic in the length; the first 64 characters decide
    return min(zxcvbn(text, user_inputs=inputs)["score"] for text in {cut, cut.translate(UNSHIFT)})


class GuessabilityValidator:
    """zxcvbn's estimate (its 30,000 common passwords, English words, names, keyboard walks,
    repeats, sequences, dates and years, l33t) must reach ``MIN_SCORE``, on the password as
    typed and with shifted symbols read as their keys; the account's own names and the site's
    words count as the first words an attacker tries."""

    def validate(self, password: str, user=None) -> None:
        if _score(password, [*GUESS_WORDS, *_names_of(user)]) < MIN_SCORE:
            raise ValidationError(
                _(
                    "该密码容易被猜到（常见密码、键盘连续按键、重复字符、年份或日期等组合）；"
                    "建议使用由几个不相关的词和数字组成的较长密码。"
                ),
                code="password_guessable",
            )

    def get_help_text(self) -> str:
        return _("密码不能是常见密码、键盘连续按键、重复字符或“单词+年份”之类容易猜到的组合。")


class OwnWordsValidator:
    """Refuses the site's words (evalorg, demo…) and the account's own names anywhere in the
    password, case and l33t aside (``Zhangsan@123`` for user zhangsan, ``Gz-Evalorg-2026``)."""

    def validate(self, password: str, user=None) -> None:
        letters = _letters(password)
        # Each name whole and word by word (``Mianhua Training Ltd``: mianhua, training).
        own = [
            _letters(part)
            for name in _names_of(user)
            for part in (name, *re.split(r"[^A-Za-z]+", name))
        ]
        words = [w for w in (*SITE_WORDS, *own) if len(w) >= NAME_MIN]
        if any(word in letters for word in words):
            raise ValidationError(
                _("密码不能包含用户名、姓名、机构名称或本系统名称（如 evalorg、demo）。"),
                code="password_own_words",
            )

    def get_help_text(self) -> str:
        return _("密码不能包含用户名、姓名、机构名称或本系统名称。")


class StaffMinimumLengthValidator(MinimumLengthValidator):
    """At least ``min_length`` (12) characters for accounts that decide (staff, department,
    experts, administrators: the roles with a second factor)."""

    def __init__(self, min_length: int = 12) -> None:
        super().__init__(min_length)

    def validate(self, password: str, user=None) -> None:
        from .models import Role, has_role

        if user is not None and has_role(user, Role.SECOND_FACTOR):
            super().validate(password, user)

    def get_help_text(self) -> str:
        return _("工作人员、专家和管理员的密码至少需要 %(n)d 个字符。") % {"n": self.min_length}
