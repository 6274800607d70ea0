"""Running test code in other threads, each with its own database connection (the fault and
concurrency tests; the database must be shared first: the ``shared_database`` fixture)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections


def in_thread(fn: Callable[[], Any]) -> Any:
    """Run ``fn`` in a new thread (its own connection) and return its result."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = fn()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return result.get("value")


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released together by a barrier; their results (or the
    exception each raised), in the order given. A call with a ``prepare`` method has it run in
    its thread before the barrier (e.g. logging a test client in, on the shared database)."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            if hasattr(call, "prepare"):
                call.prepare()
            barrier.wait()
            results[index] = call()
        except BaseException as exc:  # reported to the test, which asserts on it
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
