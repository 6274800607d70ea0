"""The migration linter (issue 23 item 1): a release's migrations must keep the previous
release's code working while it still runs (docs/deployment.md, "A release").

A rolling release runs ``migrate`` once and then restarts the app servers one at a time, so the
previous code writes to the new schema for a while. It breaks when a migration

- adds a NOT NULL column without a database default (``db_default``): the previous code's
  INSERT leaves the column out and the database refuses it (``NotNullViolation``);
- makes an existing column NOT NULL (``AlterField`` from ``null=True`` to ``null=False``
  without ``db_default``): the same;
- removes or renames a column or a table the previous code still reads and writes
  (``RemoveField``, ``RenameField``, ``DeleteModel``, ``RenameModel``, ``AlterModelTable``).

Expand first (a nullable column, or one with ``db_default``), contract a release later: a
contracting migration is listed in ``migrations-allowlist.toml`` with the reason it is safe
(e.g. the previous release no longer reads the column). docs/decisions.md, "Migration linter".
"""

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models
from django.db.migrations import operations as ops
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.migration import Migration
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ProjectState

Column = models.Field[Any, Any]
ALLOWLIST_NAME = "migrations-allowlist.toml"
PROJECT_APPS_PREFIX = "evalorg."
DESTRUCTIVE = (
    ops.RemoveField,
    ops.RenameField,
    ops.DeleteModel,
    ops.RenameModel,
    ops.AlterModelTable,
)


@dataclass(frozen=True)
class Finding:
    migration: str  # "app_label.0003_name"
    operation: str
    problem: str

    def __str__(self) -> str:
        return f"{self.migration}: {self.operation}: {self.problem}"


def allowlist_path() -> Path:
    return Path(settings.BASE_DIR) / ALLOWLIST_NAME


def load_allowlist(path: Path | None = None) -> dict[str, str]:
    """``{"app.migration": reason}``; an entry without a reason is refused."""
    path = path or allowlist_path()
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    allowed = data.get("allowed", {})
    missing = [name for name, reason in allowed.items() if not str(reason).strip()]
    if missing:
        raise ValueError(f"{path.name}: entries without a reason: {', '.join(missing)}")
    return {str(name): str(reason) for name, reason in allowed.items()}


def _has_db_default(field: Column) -> bool:
    return field.db_default is not models.NOT_PROVIDED


def _needs_value(field: Column) -> bool:
    """A column the previous code's INSERT would leave out and the database would refuse."""
    if field.many_to_many or field.null or _has_db_default(field):
        return False
    return not isinstance(field, models.GeneratedField)


def _field_before(state: ProjectState, app_label: str, model: str, name: str) -> Column | None:
    model_state = state.models.get((app_label, model.lower()))
    if model_state is None:
        return None
    field: Column | None = model_state.fields.get(name)
    return field


def check_operation(op: Operation, app_label: str, before: ProjectState) -> str | None:
    """The problem an operation causes for the previous release's code, or None."""
    if isinstance(op, ops.SeparateDatabaseAndState):
        problems = (check_operation(inner, app_label, before) for inner in op.database_operations)
        return next((problem for problem in problems if problem), None)
    if isinstance(op, DESTRUCTIVE):
        return "removes or renames what the previous release still uses (contract a release later)"
    if isinstance(op, ops.AddField) and _needs_value(op.field):
        return "adds a NOT NULL column without db_default (give it db_default, or null=True)"
    if isinstance(op, ops.AlterField) and _needs_value(op.field):
        old = _field_before(before, app_label, op.model_name, op.name)
        if old is not None and old.null:
            return "makes a column NOT NULL without db_default (fill it, then a release later)"
    return None


def _on_new_model(op: Operation, before: ProjectState, app_label: str) -> bool:
    model_name = getattr(op, "model_name", None)
    if not isinstance(op, ops.AddField | ops.AlterField) or model_name is None:
        return False
    return (app_label, model_name.lower()) not in before.models


def lint_migration(migration: Migration, before: ProjectState) -> list[Finding]:
    name = f"{migration.app_label}.{migration.name}"
    findings = []
    state = before.clone()
    for op in migration.operations:
        if _on_new_model(op, before, migration.app_label):
            op.state_forwards(migration.app_label, state)
            continue  # a table this migration creates: the previous release never writes it
        problem = check_operation(op, migration.app_label, state)
        if problem:
            findings.append(Finding(name, op.describe(), problem))
        op.state_forwards(migration.app_label, state)
    return findings


def lint_project(loader: MigrationLoader | None = None) -> list[Finding]:
    """Every finding in the project's own migrations (third-party apps are not ours to lint)."""
    loader = loader or MigrationLoader(None, ignore_no_migrations=True)
    findings: list[Finding] = []
    for key in sorted(loader.disk_migrations):
        migration = loader.disk_migrations[key]
        if not type(migration).__module__.startswith(PROJECT_APPS_PREFIX):
            continue
        before = loader.project_state(key, at_end=False)
        findings.extend(lint_migration(migration, before))
    return findings


def unexcused(findings: list[Finding], allowed: dict[str, str]) -> list[Finding]:
    return [finding for finding in findings if finding.migration not in allowed]
