"""Counter rows that hand out numbers (acknowledgement numbers, filing letter numbers).

A model with key fields and a ``last`` integer; ``locked_counter`` returns the key's row locked
with ``select_for_update`` for the caller's transaction, creating it first when missing (a
concurrent creator wins the unique constraint, the other waits on its row). Numbers taken in a
transaction that rolls back are given out again; numbers kept are never shared.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, models, transaction


def locked_counter(
    model: type[models.Model], start: Callable[[], int] = lambda: 0, **key: Any
) -> Any:
    """The counter of ``key``, locked; a new one starts at ``start()`` (numbers already taken
    before the counter existed)."""
    rows = model._default_manager.select_for_update()
    counter = rows.filter(**key).first()
    if counter is not None:
        return counter
    try:
        with transaction.atomic():  # savepoint: a concurrent creator wins
            model._default_manager.create(**key, last=start())
    except IntegrityError:
        pass
    return rows.get(**key)
