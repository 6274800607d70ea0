"""Demo data can never be production (issue 23 item 3): the demo password, the demo TOTP key or
a simulated round present with EVALORG_PRODUCTION=1 stops the process; simulate_round refuses;
simulated rounds never reach production's public pages."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from evalorg.accounts.demo import DEMO_PASSWORD, DEMO_TOTP_KEY
from evalorg.core.production_guard import demo_data_in_production, demo_traces, refuse_demo_data
from evalorg.rounds.models import Round
from tests.factories import UserFactory
from tests.signing import production_signing_env

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def production(settings):
    settings.PRODUCTION = True
    return settings


def _simulated_round() -> Round:
    reference = Round.objects.get(code="gd-2023")
    return reference.copy(code="sim-7-3", name="模拟批次", year=2023, shift_days=0)


@pytest.mark.django_db
def test_a_clean_database_starts(production) -> None:
    UserFactory(username="admin", is_superuser=True)  # the name alone is no trace
    assert demo_traces() == []
    refuse_demo_data()
    assert demo_data_in_production() == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "username, superuser", [("admin", False), ("expert2", False), ("ops-root", True)]
)
def test_the_demo_password_stops_production(production, username, superuser) -> None:
    user = UserFactory(username=username, is_superuser=superuser)
    user.set_password(DEMO_PASSWORD)
    user.save()
    with pytest.raises(ImproperlyConfigured, match="演示密码"):
        refuse_demo_data()
    assert [error.id for error in demo_data_in_production()] == ["evalorg.E010"]


@pytest.mark.django_db
def test_the_demo_totp_key_stops_production(production) -> None:
    TOTPDevice.objects.create(user=UserFactory(), name="x", key=DEMO_TOTP_KEY, confirmed=True)
    with pytest.raises(ImproperlyConfigured, match="演示密钥"):
        refuse_demo_data()


@pytest.mark.django_db
def test_a_simulated_round_stops_production(production) -> None:
    _simulated_round()
    with pytest.raises(ImproperlyConfigured, match="模拟批次"):
        refuse_demo_data()


@pytest.mark.django_db
def test_outside_production_demo_data_is_fine(settings) -> None:
    settings.PRODUCTION = False
    _simulated_round()
    refuse_demo_data()
    assert demo_data_in_production() == []


@pytest.mark.django_db
def test_simulate_round_refuses_in_production(production) -> None:
    before = Round.objects.count()
    with pytest.raises(CommandError, match="生产环境"):
        call_command("simulate_round", "--institutions", "1", "--no-progress", stdout=io.StringIO())
    assert Round.objects.count() == before


@pytest.mark.django_db
def test_simulated_rounds_stay_off_production_public_pages(client, settings) -> None:
    _simulated_round()
    settings.PRODUCTION = False
    codes = [row["code"] for row in client.get("/api/public/rounds").json()["items"]]
    assert "sim-7-3" in codes  # the demo shows its simulated round
    settings.PRODUCTION = True
    codes = [row["code"] for row in client.get("/api/public/rounds").json()["items"]]
    assert "sim-7-3" not in codes


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("os.environ.get('DATABASE_URL')", reason="copies the SQLite test database")
def test_the_wsgi_process_refuses_to_start(tmp_path: Path, shared_database) -> None:
    """A fresh process with the production environment over a database holding a demo account,
    as gunicorn would import it (its password hashed as production hashes, not with the
    tests' MD5)."""
    hashed = PBKDF2PasswordHasher().encode(DEMO_PASSWORD, "demosalt1234", iterations=1000)
    user = UserFactory(username="admin", is_superuser=True)
    type(user).objects.filter(pk=user.pk).update(password=hashed)
    shared_database()  # the in-memory test database copied to tmp_path / "shared.sqlite3"
    path = tmp_path / "shared.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "EVALORG_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="evalorg.settings",
        DATABASE_URL=f"sqlite:///{path}",
        EVALORG_VAR_DIR=str(tmp_path),
        EVALORG_PRODUCTION="1",
        DJANGO_SECRET_KEY="x" * 20 + "production-secret-for-the-test-only-0123456789",
        EVALORG_AUDIT_KEY="k" * 16 + "audit-key-for-the-test-only-0123456789",
        DJANGO_ALLOWED_HOSTS="evalorg.example",
        **production_signing_env(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "-c", "import evalorg.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "演示数据" in result.stderr
