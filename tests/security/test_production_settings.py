"""Issue 11, item 4: with EVALORG_PRODUCTION=1 the server refuses DEBUG and the development
key, and `check --deploy --fail-level WARNING` passes (HSTS, SSL redirect behind the proxy's
X-Forwarded-Proto, secure cookies). Each run is a fresh process with the production
environment, as the server would start."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from evalorg.settings import DEV_SECRET_KEY, refuse_unsafe_production
from tests.signing import production_signing_env

ROOT = Path(__file__).resolve().parents[2]
HOST = "evalorg.hrss.gd.gov.cn"


def _run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "EVALORG_", "DATABASE_URL", "REDIS_URL"))
    }
    if env.get("EVALORG_PRODUCTION") == "1":  # the department's signing files, required
        environment.update(production_signing_env(tmp_path))
    environment.update(
        DJANGO_SETTINGS_MODULE="evalorg.settings",
        EVALORG_VAR_DIR=str(tmp_path),  # an empty database: no data-dependent warnings
        DJANGO_ALLOWED_HOSTS=HOST,
        **env,
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _production(**extra: str) -> dict[str, str]:
    return {
        "EVALORG_PRODUCTION": "1",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "EVALORG_AUDIT_KEY": secrets.token_urlsafe(40),
        **extra,
    }


# shell -c prints its auto-imports first; the probe's lines are found by their keys.


def test_check_deploy_passes_with_the_production_environment(tmp_path):
    result = _run(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **_production())
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_fails_without_it(tmp_path):
    """The same check without EVALORG_PRODUCTION reports what issue 11 found (so the test above
    can fail)."""
    env = {"DJANGO_SECRET_KEY": secrets.token_urlsafe(50)}
    result = _run(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **env)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in output


@pytest.mark.parametrize(
    "env, message",
    [
        ({"DJANGO_DEBUG": "1"}, "DJANGO_DEBUG must be off"),
        ({"DJANGO_SECRET_KEY": DEV_SECRET_KEY}, "not the development key"),
        ({"DJANGO_SECRET_KEY": ""}, "not the development key"),
    ],
)
def test_production_refuses_to_start_unsafe(tmp_path, env, message):
    result = _run(tmp_path, "check", **_production(**env))
    assert result.returncode != 0 and message in result.stderr


def test_refusal_rules():
    with pytest.raises(ImproperlyConfigured):
        refuse_unsafe_production(True, secrets.token_urlsafe(50))
    with pytest.raises(ImproperlyConfigured):
        refuse_unsafe_production(False, "django-insecure-" + "x" * 60)
    with pytest.raises(ImproperlyConfigured):
        refuse_unsafe_production(False, "short-secret")
    refuse_unsafe_production(False, secrets.token_urlsafe(50))


PROBE = f"""
from django.test import Client
client = Client()
plain = client.get("/accounts/login/", HTTP_HOST="{HOST}")
print("plain", plain.status_code, plain.get("Location"))
proxied = client.get("/accounts/login/", HTTP_HOST="{HOST}", HTTP_X_FORWARDED_PROTO="https")
print("hsts", proxied.get("Strict-Transport-Security"))
cookie = proxied.cookies.get("csrftoken")
print("csrf-secure", bool(cookie and cookie["secure"]))
print("csp", proxied.get("Content-Security-Policy"))
"""


def test_http_is_redirected_and_https_gets_hsts_and_secure_cookies(tmp_path):
    migrate = _run(tmp_path, "migrate", "-v0", **(env := _production()))
    assert migrate.returncode == 0, migrate.stderr
    result = _run(tmp_path, "shell", "-c", PROBE, **env)
    keys = ("plain", "hsts", "csrf-secure", "csp")
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if line.startswith(keys))
    assert lines["plain"] == f"301 https://{HOST}/accounts/login/", result.stderr
    assert lines["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert lines["csrf-secure"] == "True"
    assert "frame-ancestors 'none'" in lines["csp"]
