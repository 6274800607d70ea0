"""Backup and restore (issue 12, docs/operations.md "Backups"): one tar.gz with the database,
the uploads and the audit checkpoint file, and a manifest of what is in it.

The database is dumped with the engine's own tool: PostgreSQL with ``pg_dump -Fc`` (restored
with ``pg_restore --clean``), SQLite with the online backup API (``sqlite3.Connection.backup``).
The manifest records the time, the engine, row counts, the audit chain's head and the sha256
of every member; ``restore`` checks every hash before it touches the database or a file, and
compares the restored counts and head with the manifest afterwards.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db import connection, connections, transaction

from . import clock
from .audit import seal_pending

FORMAT = 1
MANIFEST = "manifest.json"
PG_DUMP = "database.pgdump"
SQLITE_COPY = "database.sqlite3"
UPLOADS = "uploads"
CHECKPOINTS = "audit-checkpoints.jsonl"
# Rows counted into the manifest and compared after a restore.
COUNTED = (
    "core.AuditEvent",
    "core.StoredFile",
    "accounts.User",
    "institutions.Institution",
    "applications.Application",
    "applications.Material",
    "notify.OutboundEmail",
)
CHUNK = 1024 * 1024


class BackupError(Exception):
    """Refused or failed; the message is for the operator (Chinese and English)."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def engine() -> str:
    vendor = connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise BackupError(f"不支持的数据库 / unsupported database engine: {vendor}")
    return vendor


def uploads_dir() -> Path:
    storage = storages["default"]
    if not isinstance(storage, FileSystemStorage):
        raise BackupError(
            "上传文件不在本地目录（对象存储），请用存储服务的版本与复制功能备份 / uploads are "
            "in object storage: back them up with its versioning and replication"
        )
    return Path(storage.location)


def checkpoint_file() -> Path:
    return Path(settings.EVALORG_AUDIT_CHECKPOINT_FILE)


# ---- counts and chain head, read with a DB-API cursor --------------------------------------


def _table(label: str) -> str:
    table: str = apps.get_model(label)._meta.db_table
    return table


def facts(cursor: Any) -> dict[str, Any]:
    """Row counts of ``COUNTED`` and the audit head, through any DB-API cursor."""
    counts = {}
    for label in COUNTED:
        cursor.execute(f'SELECT COUNT(*) FROM "{_table(label)}"')
        counts[label] = cursor.fetchone()[0]
    cursor.execute(f'SELECT last_seq, last_hash FROM "{_table("core.AuditHead")}" WHERE id = 1')
    row = cursor.fetchone()
    head = {"seq": row[0], "hash": row[1]} if row else {"seq": 0, "hash": ""}
    return {"counts": counts, "audit_head": head}


# ---- backup ---------------------------------------------------------------------------------


def _pg_env() -> dict[str, str]:
    db = connection.settings_dict
    env = {**os.environ, "PGDATABASE": db["NAME"]}
    for key, name in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER")):
        if db.get(name):
            env[key] = str(db[name])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"找不到 {name}（PostgreSQL 客户端）/ {name} not found: install postgresql-client"
        )
    return found


def _run(command: list[str]) -> None:
    done = subprocess.run(command, env=_pg_env(), capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} 失败 / failed: {done.stderr.strip()}")


def dump_postgresql(target: Path) -> dict[str, Any]:
    """``pg_dump -Fc`` of the snapshot the counts are read in: they describe the same data."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        _run([_tool("pg_dump"), "-Fc", "--no-owner", "--no-acl", f"--snapshot={snapshot}",
              "-f", str(target)])  # fmt: skip
        return facts(cursor)


def dump_sqlite(target: Path) -> dict[str, Any]:
    """The online backup API: a consistent copy while the application keeps writing."""
    source = sqlite3.connect(connection.settings_dict["NAME"])
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        return facts(copy.cursor())
    finally:
        copy.close()
        source.close()


def _files_under(root: Path) -> Iterator[Path]:
    if root.is_dir():
        yield from sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


@dataclass
class Member:
    name: str
    path: Path


def _members(staging: Path, database: str) -> list[Member]:
    """The database copy, then every upload, then the checkpoint file (taken after the
    database, so every file the dump refers to is already there)."""
    members = [Member(database, staging / database)]
    root = uploads_dir()
    members += [
        Member(f"{UPLOADS}/{path.relative_to(root).as_posix()}", path)
        for path in _files_under(root)
    ]
    if checkpoint_file().is_file():
        members.append(Member(CHECKPOINTS, checkpoint_file()))
    return members


def backup(dest: Path) -> tuple[Path, dict[str, Any]]:
    """Write the archive; ``dest`` is a directory (a dated name is chosen) or a file name."""
    kind = engine()
    seal_pending()  # the copy's chain then ends where its head says
    if dest.is_dir():
        dest = dest / f"evalorg-backup-{clock.now():%Y%m%dT%H%M%S}.tar.gz"
    with tempfile.TemporaryDirectory(prefix="evalorg-backup-") as tmp:
        staging = Path(tmp)
        database = PG_DUMP if kind == "postgresql" else SQLITE_COPY
        dumped = (dump_postgresql if kind == "postgresql" else dump_sqlite)(staging / database)
        members = _members(staging, database)
        manifest = {
            "format": FORMAT,
            "created_at": clock.now().isoformat(),
            "engine": kind,
            "database": database,
            **dumped,
            "members": {m.name: sha256_of(m.path) for m in members},
        }
        _write_archive(dest, manifest, members)
    return dest, manifest


def _write_archive(dest: Path, manifest: dict[str, Any], members: list[Member]) -> None:
    partial = dest.with_name(dest.name + ".part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
        data = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime, info.mode = len(data), int(clock.now().timestamp()), 0o600
        archive.addfile(info, io.BytesIO(data))
        for member in members:
            archive.add(member.path, arcname=member.name, recursive=False)
    os.replace(partial, dest)


# ---- restore --------------------------------------------------------------------------------


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts


def unpack_verified(archive_path: Path, into: Path) -> dict[str, Any]:
    """Unpack into ``into`` (a scratch directory) and check every member against the
    manifest: nothing missing, nothing extra, every sha256 equal. Raises ``BackupError``."""
    try:
        with tarfile.open(archive_path, mode="r:gz") as archive:
            manifest = _read_manifest(archive)
            found = _unpack_files(archive, into)
    except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
        raise BackupError(f"备份文件无法读取 / cannot read the archive: {exc}") from exc
    expected = manifest.get("members", {})
    extra = sorted(set(found) - set(expected))
    problems = [f"{n}: 清单中没有 / not in the manifest" for n in extra]
    problems += [f"{n}: 缺失 / missing" for n in sorted(set(expected) - set(found))]
    problems += [
        f"{n}: sha256 不符 / sha256 mismatch"
        for n in sorted(set(found) & set(expected))
        if found[n] != expected[n]
    ]
    if problems:
        raise BackupError(
            "备份文件校验失败，未恢复任何内容 / archive failed verification, nothing was "
            "restored: " + "; ".join(problems)
        )
    return manifest


def _read_manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        handle = archive.extractfile(MANIFEST)
    except KeyError:
        handle = None
    if handle is None:
        raise BackupError("备份文件中没有 manifest.json / the archive has no manifest.json")
    manifest: dict[str, Any] = json.loads(handle.read().decode("utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不支持的备份格式 / unsupported backup format: {manifest.get('format')}")
    return manifest


def _entry_kind(info: tarfile.TarInfo) -> str:
    """What a refused entry is, in the operator's words."""
    if not _safe_name(info.name):
        return "路径在目标目录之外 / path outside the target directory"
    if info.issym():
        return f"符号链接 / symbolic link to {info.linkname}"
    if info.islnk():
        return f"硬链接 / hard link to {info.linkname}"
    return "设备或特殊文件 / device or special file"


def _unpack_files(archive: tarfile.TarFile, into: Path) -> dict[str, str]:
    """Regular files only, under ``into``; returns {name: sha256}."""
    found: dict[str, str] = {}
    for info in archive:
        if info.name == MANIFEST:
            continue
        if info.isdir() and _safe_name(info.name):
            continue  # a directory entry (an archive repacked with tar) carries no data
        if not info.isfile() or not _safe_name(info.name):
            raise BackupError(
                f"备份文件含不允许的条目 / unsafe archive entry: {info.name} ({_entry_kind(info)})"
            )
        target = into / info.name
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        # a regular file (checked above) always has a stream
        with archive.extractfile(info) as source, target.open("wb") as out:  # type: ignore[union-attr]
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
        found[info.name] = digest.hexdigest()
    return found


def occupied() -> list[str]:
    """What a restore would overwrite: a database with tables, uploads, a checkpoint file."""
    found = []
    tables = connection.introspection.table_names()
    if tables:
        found.append(f"数据库已有 {len(tables)} 张表 / the database has {len(tables)} tables")
    if any(True for _ in _files_under(uploads_dir())):
        found.append(f"上传目录非空 / uploads directory not empty: {uploads_dir()}")
    if checkpoint_file().exists():
        found.append(f"检查点文件已存在 / checkpoint file exists: {checkpoint_file()}")
    return found


def restore(
    archive_path: Path, *, force: bool = False, say: Callable[[str], None] = print
) -> dict[str, Any]:
    """Verify the archive, then restore the database, the uploads and the checkpoint file.
    Returns the manifest. Refuses a non-empty target unless ``force``."""
    kind = engine()
    with tempfile.TemporaryDirectory(prefix="evalorg-restore-") as tmp:
        scratch = Path(tmp)
        manifest = unpack_verified(archive_path, scratch)
        say(f"校验通过 / verified: {len(manifest['members'])} members")
        if manifest["engine"] != kind:
            raise BackupError(
                f"备份来自 {manifest['engine']}，当前数据库为 {kind} / the archive is a "
                f"{manifest['engine']} backup, the configured database is {kind}"
            )
        if (in_the_way := occupied()) and not force:
            raise BackupError(
                "目标非空，未恢复任何内容（确认覆盖请加 --force）/ the target is not empty, "
                "nothing was restored (use --force to overwrite): " + "; ".join(in_the_way)
            )
        _restore_database(kind, scratch / manifest["database"])
        stamp = f"{clock.now():%Y%m%dT%H%M%S}"
        _put_back(scratch / UPLOADS, uploads_dir(), stamp, say)
        _put_back(scratch / CHECKPOINTS, checkpoint_file(), stamp, say)
    _compare(manifest)
    return manifest


def _restore_database(kind: str, source: Path) -> None:
    connections.close_all()
    if kind == "postgresql":
        _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-acl",
              "--single-transaction", "--exit-on-error", "-d", connection.settings_dict["NAME"],
              str(source)])  # fmt: skip
        return
    with _sqlite(source) as backup_copy, _sqlite(connection.settings_dict["NAME"]) as target:
        backup_copy.backup(target)


@contextmanager
def _sqlite(path: str | Path) -> Iterator[sqlite3.Connection]:
    handle = sqlite3.connect(path)
    try:
        yield handle
    finally:
        handle.close()


def _put_back(source: Path, target: Path, stamp: str, say: Callable[[str], None]) -> None:
    """Move what is in the way aside (kept, never deleted), then copy the backup's in."""
    if target.is_dir() and not any(target.iterdir()):
        target.rmdir()
    if target.exists():
        aside = target.with_name(f"{target.name}.before-restore-{stamp}")
        target.rename(aside)
        say(f"原有内容已移至 / moved aside: {aside}")
    if source.is_dir():
        shutil.copytree(source, target)
    elif source.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def _compare(manifest: dict[str, Any]) -> None:
    with connection.cursor() as cursor:
        restored = facts(cursor)
    expected = {"counts": manifest["counts"], "audit_head": manifest["audit_head"]}
    if restored != expected:
        raise BackupError(
            f"恢复后的数据与清单不符 / restored data differs from the manifest: "
            f"{restored} != {expected}"
        )
