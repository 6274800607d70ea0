"""SQLite gets planner statistics after migrate, after bulk loads and from the sweep (issue 24:
without them the city inbox among many cities' cases probed every case per institution)."""

import pytest
from django.db import connection

from evalorg.core import statistics
from evalorg.core.sweeps import sweep_names

pytestmark = pytest.mark.django_db

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's ANALYZE")


def _stat_tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        return {row[0] for row in cursor.fetchall()}


@sqlite_only
def test_refresh_writes_statistics_for_indexed_tables():
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS sqlite_stat1")
    statistics.refresh()
    assert "catalog_division" in _stat_tables()


@sqlite_only
def test_the_migrated_test_database_already_has_statistics():
    """post_migrate ran ANALYZE when the test database was built."""
    assert "catalog_division" in _stat_tables()


def test_the_statistics_sweep_is_registered_and_says_what_it_did():
    assert "db_statistics" in sweep_names()
    assert statistics.refresh().startswith("statistics:")
