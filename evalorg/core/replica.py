"""Reads that may come from the streaming replica (issue 24 item 7, docs/deployment.md).

``DATABASE_REPLICA_URL`` adds the read-only alias ``replica``. Reports and the public registry
read through it when it exists: their figures and lists may lag the primary by the replication
delay (seconds), which neither needs to see. Everything else, and every write, uses the primary:
``ReplicaRouter`` sends a read to the replica only inside ``from_replica()`` (or a view wrapped
in ``replica_view``), so the audit chain, sessions, workflow guards and the verify page always
read what was just written.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.http import StreamingHttpResponse

REPLICA = "replica"
_reading: ContextVar[bool] = ContextVar("evalorg_replica_reading", default=False)


def configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def from_replica() -> Iterator[None]:
    """Reads in the block go to the replica when there is one."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def _streamed(chunks: Any) -> Iterator[Any]:
    # A streamed body is read after the view returned: its queries run here, chunk by chunk.
    with from_replica():
        yield from chunks


def replica_view(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``view`` (and the body of a streamed response) reading from the replica."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with from_replica():
            response = view(*args, **kwargs)
        if isinstance(response, StreamingHttpResponse):
            response.streaming_content = _streamed(response.streaming_content)
        return response

    return wrapped


class ReplicaRouter:
    """``DATABASE_ROUTERS``: the replica for reads inside ``from_replica()`` when configured;
    no opinion otherwise (Django's default alias)."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return REPLICA if _reading.get() and configured() else None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if db == REPLICA else None  # the replica follows the primary's schema
