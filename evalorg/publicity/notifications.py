"""Who the objector of a publicity objection is (e-mail only: the public has no account) and
what the objection's messages say of it (its ``tell`` declarations are in ``transitions``)."""

from __future__ import annotations

from typing import Any

from evalorg.core.workflow import Party, Recipients, register_description, register_party

from .models import Objection


def objector(objection: Objection) -> Recipients:
    return Recipients(emails=[objection.objector_email] if objection.objector_email else [])


def describe_objection(objection: Objection) -> dict[str, Any]:
    return {
        "name": objection.objector_name,
        "at": f"{objection.created_at:%Y年%m月%d日}",
        "org": objection.entry.name,
        "no": objection.number,
    }


def register_objector() -> None:
    register_party(Objection, Party.OBJECTOR, objector)
    register_description(Objection, describe_objection)
