"""Fault tests (issue 12) run in several threads or processes: they need a database every
connection can see, i.e. committed data (transactional tests) in a file, not SQLite's memory."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections


@pytest.fixture
def shared_database(tmp_path: Path) -> Iterator[Callable[[], None]]:
    """A function that makes what the test has written so far visible to other threads.

    PostgreSQL: nothing to do (transactional tests commit). SQLite: copies the in-memory test
    database to a file (online backup API) and points every connection opened afterwards at
    it, as tests/core/test_sqlite_concurrency.py does; undone after the test."""
    db = connections.settings["default"]
    saved = db["NAME"]

    def switch() -> None:
        if connection.vendor != "sqlite":
            return
        path = tmp_path / "faults.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
        db["NAME"] = str(path)

    yield switch
    db["NAME"] = saved


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
