"""Migrations 0002/0003 split each JSON ``levels`` row into one occupation line per level."""

import importlib
import io
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from evalorg.applications.models import ApplicationOccupation

from .conftest import build_application

BEFORE = [("applications", "0001_initial")]
AFTER = [("applications", "0003_occupation_line_constraint")]
WELDER, ELECTRICIAN, FITTER = "6-18-02-04", "6-31-01-03", "6-20-01-01"
split_migration = importlib.import_module(
    "evalorg.applications.migrations.0002_occupation_line_level"
)


def migrate(target):
    """Migrate the test database and return the historical apps at ``target``."""
    executor = MigrationExecutor(connection)
    executor.migrate(target)
    return MigrationExecutor(connection).loader.project_state(target).apps


@pytest.mark.django_db(transaction=True)
def test_levels_are_split_into_lines_and_merged_back():
    call_command("load_reference_data", stdout=io.StringIO())
    application = build_application(occupations=(), with_materials=False)
    try:
        old = migrate(BEFORE).get_model("applications", "ApplicationOccupation")
        welder = old.objects.create(
            application_id=application.pk, occupation_id=WELDER, levels=[4, 5, "3", 5]
        )
        old.objects.create(
            application_id=application.pk,
            occupation_id=ELECTRICIAN,
            levels=[2],
            status="excluded",
        )
        old.objects.create(application_id=application.pk, occupation_id=FITTER, levels=[])
        migrate(AFTER)
        lines = ApplicationOccupation.objects.filter(application=application)
        assert list(lines.values_list("occupation_id", "level", "status")) == [
            (WELDER, 5, "requested"),
            (WELDER, 4, "requested"),
            (WELDER, 3, "requested"),
            (ELECTRICIAN, 2, "excluded"),
        ]
        assert lines.get(occupation_id=WELDER, level=5).pk == welder.pk  # first level kept

        old = migrate(BEFORE).get_model("applications", "ApplicationOccupation")
        rows = old.objects.filter(application_id=application.pk).order_by("occupation_id")
        assert [(r.pk, r.occupation_id, r.levels) for r in rows] == [
            (welder.pk, WELDER, [5, 4, 3]),
            (rows[1].pk, ELECTRICIAN, [2]),
        ]
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.parametrize("value", [6, 0, "x", None])
def test_a_value_that_is_not_a_level_stops_the_migration(value):
    row = SimpleNamespace(pk=7, levels=[5, value])
    with pytest.raises(ValueError, match="ApplicationOccupation 7"):
        split_migration.clean_levels(row)


def test_levels_are_deduplicated_five_first():
    row = SimpleNamespace(pk=1, levels=[3, "5", 5, 4])
    assert split_migration.clean_levels(row) == [5, 4, 3]
