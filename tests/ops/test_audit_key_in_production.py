"""Commands run without the production variables (issue 23 item 3): outside production they
sign audit events with the development key; with EVALORG_PRODUCTION=1 and no (or a short, or
the development) EVALORG_AUDIT_KEY every process stops at settings with a bilingual message,
before anything can be signed."""

import io
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


# A command run without the production variables against production's database: the chain there
# is signed with another key, so the development key must not sign the next event.

DEV_KEYS = {"dev": _DEV_AUDIT_KEY}


@pytest.fixture
def unchecked(monkeypatch) -> None:
    """This process has not looked at the test database's chain yet."""
    from evalorg.core import audit

    monkeypatch.setattr(audit, "_DEV_KEY_CHECKED", set())


def _signed_event(settings, keys: dict[str, str], key_id: str) -> None:
    from evalorg.core import audit

    settings.EVALORG_AUDIT_KEYS, settings.EVALORG_AUDIT_KEY_ID = keys, key_id
    audit.record("signed_in_production")
    audit.seal_pending()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("keys", "key_id"),
    [({"k2026": STRONG}, "k2026"), ({"dev": STRONG}, "dev")],
    ids=["own-key-id", "production-key-under-the-id-dev"],
)
def test_the_development_key_refuses_a_chain_another_key_signed(settings, unchecked, keys, key_id):
    from evalorg.core import audit
    from evalorg.core.models import AuditEvent

    _signed_event(settings, keys, key_id)
    settings.EVALORG_AUDIT_KEYS, settings.EVALORG_AUDIT_KEY_ID = DEV_KEYS, "dev"
    with pytest.raises(ImproperlyConfigured, match="拒绝用开发密钥签署审计事件"):
        audit.record("signed_without_the_production_variables")
    assert not AuditEvent.objects.filter(action="signed_without_the_production_variables")


@pytest.mark.django_db
def test_a_command_without_the_production_variables_stops_before_writing(settings, unchecked):
    from django.core.management import call_command

    from evalorg.accounts.models import User

    _signed_event(settings, {"k2026": STRONG}, "k2026")
    settings.EVALORG_AUDIT_KEYS, settings.EVALORG_AUDIT_KEY_ID = DEV_KEYS, "dev"
    with pytest.raises(ImproperlyConfigured, match="k2026"):
        call_command("create_admin", "ops-admin", email="ops@example.cn", stdout=io.StringIO())
    assert not User.objects.filter(username="ops-admin").exists()


@pytest.mark.django_db
def test_the_development_key_signs_on_a_chain_it_signed_and_checks_once(
    settings, unchecked, django_assert_num_queries
):
    from evalorg.core import audit

    _signed_event(settings, DEV_KEYS, "dev")
    audit.record("second_development_event")  # checks the chain: verifies under the dev key
    audit.seal_pending()
    with django_assert_num_queries(1):  # the insert alone: the chain is not read again
        audit.record("third_development_event")
