"""Planner statistics for SQLite (issue 24).

SQLite plans without statistics until ``ANALYZE`` runs, and nothing runs it for it: among
10,000 cases of five cities the city inbox's county filter then probed every case per
institution (4.1 s of CPU; 2 ms once analysed). ``refresh`` analyses after ``migrate``, after
the bulk loads (reference data, demo, simulation) and in the ``db_statistics`` sweep, with
``analysis_limit`` so each index costs a bounded sample, not a full scan. PostgreSQL keeps its
own statistics (autovacuum's analyse), so there it does nothing.
"""

from __future__ import annotations

from django.db import connections

ANALYSIS_LIMIT = 2000  # rows sampled per index (SQLite ≥ 3.32)


def refresh(using: str = "default") -> str:
    connection = connections[using]
    if connection.vendor != "sqlite":
        return "statistics: kept by the database"
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        cursor.execute("ANALYZE")
    return "statistics: SQLite analysed"


def after_migrate(sender: object, using: str = "default", **kwargs: object) -> None:
    refresh(using)
