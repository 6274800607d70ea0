"""The system actor: who performs timed transitions (SPEC §5), audited as 系统.

An inactive user with an unusable password, so no login path accepts it.
"""

from __future__ import annotations

from .models import Role, User

SYSTEM_USERNAME = "system"


def system_actor() -> User:
    # Looked up by role: a migration creates it, so sign-up can never take its username first.
    user, created = User.objects.get_or_create(
        role=Role.SYSTEM,
        defaults={"username": SYSTEM_USERNAME, "full_name": "系统", "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user
