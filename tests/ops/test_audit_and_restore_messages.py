"""Smaller items of issue 23 item 8: verify_audit fails without checkpoints in production (or
with --require-checkpoints) and warns otherwise; restore names what a refused entry is and
accepts directory entries."""

import io
import tarfile
from pathlib import Path

import pytest
from django.core.management import call_command

from evalorg.core import audit
from evalorg.core.backups import BackupError, _unpack_files
from evalorg.core.checkpoints import write_checkpoint


def _verify(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
    except SystemExit as exited:
        return int(exited.code or 0), out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


@pytest.fixture
def one_event(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        audit.record("probe", data={"x": 1}, audience=audit.Audience.STAFF)


@pytest.mark.django_db
def test_missing_checkpoints_warn_outside_production(one_event) -> None:
    code, output = _verify()
    assert code == 0
    assert "WARNING: NO CHECKPOINTS" in output


@pytest.mark.django_db
def test_missing_checkpoints_fail_when_required(one_event) -> None:
    code, output = _verify("--require-checkpoints")
    assert code == 1
    assert "BROKEN: NO CHECKPOINTS" in output


@pytest.mark.django_db
def test_missing_checkpoints_fail_in_production(one_event, settings) -> None:
    settings.PRODUCTION = True
    assert _verify()[0] == 1
    write_checkpoint()
    code, output = _verify()
    assert code == 0 and "1 checkpoints agree" in output


def _archive(tmp_path: Path, *members: tarfile.TarInfo) -> tarfile.TarFile:
    path = tmp_path / "a.tar"
    with tarfile.open(path, "w") as archive:
        for member in members:
            archive.addfile(member, io.BytesIO(b"x" * member.size) if member.isfile() else None)
    return tarfile.open(path)


def test_restore_accepts_a_directory_entry(tmp_path: Path) -> None:
    directory = tarfile.TarInfo("uploads")
    directory.type = tarfile.DIRTYPE
    file = tarfile.TarInfo("uploads/a.pdf")
    file.size = 3
    found = _unpack_files(_archive(tmp_path, directory, file), tmp_path / "out")
    assert list(found) == ["uploads/a.pdf"]


def test_restore_names_a_symbolic_link(tmp_path: Path) -> None:
    link = tarfile.TarInfo("uploads/evil")
    link.type = tarfile.SYMTYPE
    link.linkname = "/etc/passwd"
    with pytest.raises(BackupError, match="symbolic link to /etc/passwd"):
        _unpack_files(_archive(tmp_path, link), tmp_path / "out")
