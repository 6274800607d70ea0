"""Commands run without the production variables (issue 23 item 3): outside production they
sign audit events with the development key; with EVALORG_PRODUCTION=1 and no (or a short, or
the development) EVALORG_AUDIT_KEY every process stops at settings with a bilingual message,
before anything can be signed."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from evalorg.settings import _DEV_AUDIT_KEY, refuse_development_audit_key
from tests.signing import production_signing_env

ROOT = Path(__file__).resolve().parents[2]
STRONG = "k" * 16 + "audit-key-for-the-test-only-0123456789"


def _manage_check(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "EVALORG_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        EVALORG_VAR_DIR=str(tmp_path),
        EVALORG_PRODUCTION="1",
        DJANGO_SECRET_KEY="x" * 20 + "production-secret-for-the-test-only-0123456789",
        DJANGO_ALLOWED_HOSTS="evalorg.example",
        **production_signing_env(tmp_path),
        **extra,
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_outside_production_events_are_signed_with_the_development_key() -> None:
    assert not settings.PRODUCTION
    assert settings.EVALORG_AUDIT_KEYS[settings.EVALORG_AUDIT_KEY_ID] == _DEV_AUDIT_KEY


@pytest.mark.parametrize(
    "keys",
    [{"dev": _DEV_AUDIT_KEY}, {"dev": "short"}, {"2026": STRONG, "old": _DEV_AUDIT_KEY}],
)
def test_production_refuses_the_development_or_a_short_key(keys: dict[str, str]) -> None:
    with pytest.raises(ImproperlyConfigured, match="必须设置审计密钥 EVALORG_AUDIT_KEY"):
        refuse_development_audit_key(keys, next(iter(keys)))


def test_production_accepts_a_real_key() -> None:
    refuse_development_audit_key({"2026": STRONG}, "2026")


def test_a_command_without_the_audit_key_stops_in_production(tmp_path: Path) -> None:
    done = _manage_check(tmp_path)
    assert done.returncode != 0
    assert "必须设置审计密钥 EVALORG_AUDIT_KEY" in done.stderr
    assert "set EVALORG_AUDIT_KEY (at least 32 characters)" in done.stderr


def test_a_command_with_the_audit_key_runs_in_production(tmp_path: Path) -> None:
    done = _manage_check(tmp_path, EVALORG_AUDIT_KEY=STRONG)
    assert "EVALORG_AUDIT_KEY" not in done.stderr, done.stderr
