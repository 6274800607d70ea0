"""The migration linter (issue 23 item 1): a release's migrations keep the previous release's
code working while it still runs; and the columns that broke the rolling release have database
defaults now."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, migrations, models
from django.db.migrations.state import ModelState, ProjectState

from evalorg.core import migration_lint
from evalorg.core.migration_lint import lint_migration, lint_project, load_allowlist, unexcused


def _before() -> ProjectState:
    state = ProjectState()
    state.add_model(
        ModelState(
            "shop",
            "Item",
            [
                ("id", models.BigAutoField(primary_key=True)),
                ("note", models.CharField(max_length=10, null=True)),
            ],
        )
    )
    return state


def _lint(*operations: migrations.operations.base.Operation) -> list[str]:
    migration = migrations.Migration("0002_change", "shop")
    migration.operations = list(operations)
    return [finding.problem for finding in lint_migration(migration, _before())]


def test_not_null_column_without_db_default_is_refused() -> None:
    problems = _lint(migrations.AddField("item", "size", models.IntegerField(default=1)))
    assert problems and "db_default" in problems[0]


@pytest.mark.parametrize(
    "field",
    [
        models.IntegerField(default=1, db_default=1),
        models.IntegerField(null=True),
        models.ManyToManyField("shop.Item"),
    ],
)
def test_expanding_columns_pass(field: models.Field) -> None:
    assert _lint(migrations.AddField("item", "size", field)) == []


def test_removing_and_renaming_are_refused() -> None:
    assert _lint(migrations.RemoveField("item", "note"))
    assert _lint(migrations.RenameField("item", "note", "remark"))
    assert _lint(migrations.DeleteModel("item"))


def test_making_a_nullable_column_required_is_refused() -> None:
    required = models.CharField(max_length=10, default="")
    assert _lint(migrations.AlterField("item", "note", required))
    with_default = models.CharField(max_length=10, default="", db_default="")
    assert _lint(migrations.AlterField("item", "note", with_default)) == []


def test_a_table_created_in_the_same_migration_is_new() -> None:
    create = migrations.CreateModel("Box", [("id", models.BigAutoField(primary_key=True))])
    add = migrations.AddField("box", "size", models.IntegerField(default=1))
    assert _lint(create, add) == []


def test_every_finding_in_the_project_is_listed_with_a_reason() -> None:
    findings = lint_project()
    assert findings, "the historical findings are listed, so the linter does see them"
    assert unexcused(findings, load_allowlist()) == []


def test_the_command_refuses_what_the_allowlist_lacks(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(migration_lint, "allowlist_path", lambda: tmp_path / "none.toml")
    with pytest.raises(CommandError, match="backward-incompatible"):
        call_command("lint_migrations", stdout=io.StringIO(), stderr=io.StringIO())


def test_an_allowlist_entry_needs_a_reason(tmp_path) -> None:
    path = tmp_path / "allow.toml"
    path.write_text('[allowed]\n"core.0003_auditevent_audience" = " "\n', encoding="utf-8")
    with pytest.raises(ValueError, match="without a reason"):
        load_allowlist(path)


# (table, column) the previous release's INSERTs leave out: each has a database default now.
ROLLING_COLUMNS = [
    ("core_auditevent", "audience"),
    ("core_auditevent", "key_id"),
    ("review_panel", "stage"),
    ("rounds_round", "absence_scoring"),
    ("rounds_round", "defense_slot_minutes"),
    ("rounds_round", "publicity_template"),
    ("rounds_round", "commitment_template"),
    ("cultivation_trainingsession", "status"),
    ("publicity_publicitynotice", "status"),
    ("selection_defenseslot", "state"),
    ("filing_filingletter", "kind"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("table", "column"), ROLLING_COLUMNS)
def test_columns_added_for_the_rolling_release_have_a_database_default(
    table: str, column: str
) -> None:
    """The migrated schema itself (not the models) carries the default the old code relies on."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT column_default FROM information_schema.columns "
                "WHERE table_name = %s AND column_name = %s",
                [table, column],
            )
            (default,) = cursor.fetchone()
        else:
            rows = cursor.execute(f'PRAGMA table_info("{table}")').fetchall()
            default = next(row[4] for row in rows if row[1] == column)
    assert default is not None, f"{table}.{column} has no database default"


@pytest.mark.django_db
def test_the_previous_release_can_write_an_audit_event() -> None:
    """The 500 of the failed rolling release: an INSERT without audience and key_id."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_auditevent (created_at, actor_label, role, ip, user_agent, "
            "object_type, object_id, action, from_state, to_state, data, pending_mac) "
            "VALUES (%s, '', '', NULL, '', 'x', '1', 'probe', '', '', '{}', NULL)",
            ["2026-12-07T00:00:00+00:00"],
        )
        cursor.execute("SELECT audience, key_id FROM core_auditevent WHERE action = 'probe'")
        assert cursor.fetchone() == ("", "")
