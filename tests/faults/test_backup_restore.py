"""Faults (issue 12): back up, restore into a fresh database, and refuse a tampered archive.

A database with cases, uploaded files, audit events and a signed checkpoint is backed up with
``manage.py backup``; ``manage.py restore`` puts it into a new database (PostgreSQL: a new
database ``helper_faults_restore_<random>``, dropped afterwards; SQLite: a new file), a new
upload directory and a new checkpoint file. The restored copy passes ``verify_audit`` and its
files are byte-identical. A non-empty target is refused without --force, and an archive whose
member no longer matches the manifest is refused before anything is touched, even with --force.
"""

from __future__ import annotations

import io
import os
import secrets
import shutil
import tarfile
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection, connections

from evalorg.applications import workflow
from evalorg.core.checkpoints import write_checkpoint
from evalorg.core.models import AuditEvent
from tests.applications.conftest import SH, applicant_of, build_application
from tests.threads import in_thread

pytestmark = pytest.mark.django_db(transaction=True)
IN_PERIOD = datetime(2023, 5, 10, 10, 0, tzinfo=SH)


@pytest.fixture(autouse=True)
def _pg_tools():
    """pg_dump and pg_restore are needed on PostgreSQL: a failure in CI (EVALORG_REQUIRE_PG),
    a skip on a developer's machine without the client."""
    if connection.vendor != "postgresql" or (
        shutil.which("pg_dump") and shutil.which("pg_restore")
    ):
        return
    if os.environ.get("EVALORG_REQUIRE_PG", "0") != "0":
        pytest.fail("pg_dump/pg_restore not found and EVALORG_REQUIRE_PG is set")
    pytest.skip("pg_dump/pg_restore (postgresql-client) not installed")


@pytest.fixture
def fresh_database(tmp_path: Path) -> Iterator[Callable[[], str]]:
    """A function that points every connection opened afterwards at a new, empty database
    (PostgreSQL: created here and dropped after the test; SQLite: a new file)."""
    db = connections.settings["default"]
    saved = db["NAME"]
    created: list[str] = []

    def switch() -> str:
        if connection.vendor == "sqlite":
            db["NAME"] = str(tmp_path / f"restored-{secrets.token_hex(4)}.sqlite3")
            return db["NAME"]
        name = f"helper_faults_restore_{secrets.token_hex(4)}"
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        connection.close()
        db["NAME"] = name
        return name

    yield switch
    if connection.vendor != "sqlite":
        connection.close()
    db["NAME"] = saved
    for name in created:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def files_under(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def run(*args: str) -> str:
    """A management command in a thread of its own (its own connection to the current NAME)."""

    def command() -> str:
        out = io.StringIO()
        call_command(*args, stdout=out)
        return out.getvalue()

    result = in_thread(lambda: _capture(command))
    if isinstance(result, Exception):
        raise result
    return result


def _capture(fn: Callable[[], str]) -> str | Exception:
    try:
        return fn()
    except (CommandError, SystemExit) as exc:
        return CommandError(str(exc)) if isinstance(exc, SystemExit) else exc


def tampered_copy(archive: Path, target: Path) -> str:
    """The same archive and manifest with one uploaded file's last byte changed."""
    with tarfile.open(archive, "r:gz") as source, tarfile.open(target, "w:gz") as out:
        changed = ""
        for info in source:
            data = source.extractfile(info).read()
            if not changed and info.name.startswith("uploads/"):
                data, changed = data[:-1] + bytes([data[-1] ^ 1]), info.name
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))
    return changed


def build_cases() -> int:
    with time_machine.travel(IN_PERIOD, tick=False):
        for _ in range(2):
            application = build_application()
            workflow.perform(application, "submit", applicant_of(application))
    write_checkpoint()
    return AuditEvent.objects.count()


def test_backup_restores_into_a_fresh_database_and_refuses_tampering(
    tmp_path, settings, shared_database, fresh_database
):
    events = build_cases()
    uploads = files_under(settings.MEDIA_ROOT)
    checkpoints = settings.EVALORG_AUDIT_CHECKPOINT_FILE.read_bytes()
    assert events >= 2 and len(uploads) > 4
    shared_database()
    backups = tmp_path / "backups"
    backups.mkdir()

    said = run("backup", str(backups))
    (archive,) = backups.glob("evalorg-backup-*.tar.gz")
    assert f"{events} audit events" in said

    # Over the live, non-empty database: refused, and nothing touched.
    with pytest.raises(CommandError, match=r"目标非空.*--force"):
        run("restore", str(archive))
    # A tampered archive is refused before anything is touched, even with --force.
    bad = tmp_path / "tampered.tar.gz"
    changed = tampered_copy(archive, bad)
    with pytest.raises(CommandError, match=f"校验失败.*{changed}: sha256 不符 / sha256 mismatch"):
        run("restore", str(bad), "--force")
    assert in_thread(AuditEvent.objects.count) == events

    # Into a fresh database, a fresh upload directory and no checkpoint file.
    restored_uploads = tmp_path / "restored-private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(restored_uploads)}},
    }
    settings.EVALORG_AUDIT_CHECKPOINT_FILE = tmp_path / "restored-checkpoints.jsonl"
    fresh_database()
    assert "恢复完成" in run("restore", str(archive))
    assert run("verify_audit").startswith(f"OK: {events} audit events, chain intact, 1 checkpoints")
    assert files_under(restored_uploads) == uploads
    assert settings.EVALORG_AUDIT_CHECKPOINT_FILE.read_bytes() == checkpoints
