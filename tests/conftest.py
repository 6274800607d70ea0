"""Shared fixtures. Reference data is loaded once per test database (session scope)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run
# in a thread with an event loop unless told that this is safe (it is: tests are sequential).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), open(os.devnull, "w") as devnull:
        call_command("load_reference_data", verbosity=0, stdout=devnull)


@pytest.fixture(scope="session")
def signing_ca_dir(tmp_path_factory):
    """One test CA and signer for the run (filing/signing.py), generated as on first use."""
    from evalorg.filing.signing import make_test_ca

    directory = tmp_path_factory.mktemp("signing") / "ca"
    make_test_ca(directory)
    return directory


@pytest.fixture(autouse=True)
def _private_storage(tmp_path, settings, signing_ca_dir):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    settings.MEDIA_ROOT = tmp_path / "private"
    settings.EVALORG_AUDIT_CHECKPOINT_FILE = tmp_path / "audit-checkpoints.jsonl"
    settings.EVALORG_SIGNING_DEV_DIR = signing_ca_dir
    settings.EVALORG_SIGNING_KEY_FILE = settings.EVALORG_SIGNING_CERT_FILE = ""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # load_demo without the 40-institution simulated round (tests/simulation covers it).
    settings.EVALORG_DEMO_SIMULATION = False
    settings.EVALORG_DEMO_LIVE = False  # tests/simulation/test_live.py turns them on
    # Tasks run in the test's own thread, when enqueued. Enqueuing happens on commit
    # (notify.services.enqueue_delivery), so in an ordinary (rolled-back) test nothing is
    # delivered unless the test runs the on-commit callbacks
    # (django_capture_on_commit_callbacks(execute=True)); transactional tests deliver at once.
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "banks"],
        }
    }
    # Bank checks run in the test's process (a child could not see an uncommitted or in-memory
    # test database); tests/cultivation/test_bank_isolation.py runs them in a child.
    settings.BANK_CHECK_ISOLATED = False
    # Rate-limit counters live in the cache: each test starts with none.
    from django.core.cache import cache

    cache.clear()


class _EveryDatabaseChecked(set):
    def __contains__(self, database: object) -> bool:
        return True


@pytest.fixture(autouse=True)
def _development_key_chain_checked(monkeypatch):
    """core.audit reads the chain once per process before its first event under the development
    key (a production database refuses it). In tests that read would land in whichever test
    writes first and shift its query count; tests/ops/test_audit_key_in_production.py undoes
    this to test the check itself."""
    from evalorg.core import audit

    monkeypatch.setattr(audit, "_DEV_KEY_CHECKED", _EveryDatabaseChecked())


def otp_verified_session(client, user) -> None:
    """Mark ``client``'s session as having passed the second factor, as the TOTP form would
    (django_otp.login with a confirmed device of the user's)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture(autouse=True)
def _force_login_passes_second_factor(monkeypatch):
    """``client.force_login(user)`` logs in as after password *and* code, so the hundreds of
    tests that log staff in that way keep testing their page, not the second-factor redirect.
    The second factor itself is tested through the real forms (tests/security/test_otp.py,
    the browser login helper); ``client.force_login(user, otp=False)`` skips this."""
    from django.test import Client

    original = Client.force_login

    def force_login(self, user, backend=None, otp=True):
        original(self, user, backend)
        from evalorg.accounts import second_factor

        if otp and second_factor.required_for(user):
            otp_verified_session(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def make_user(db):
    from tests.factories import UserFactory

    return UserFactory


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test (browser tests, concurrency tests) ends with a flush that empties
    every table, reference data included: load it again before the next test on this worker,
    outside any test transaction, so no later test depends on the order xdist chose."""
    yield
    marker = item.get_closest_marker("django_db")
    if nextitem is None or marker is None or not marker.kwargs.get("transaction"):
        return
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock(), open(os.devnull, "w") as devnull:
        call_command("load_reference_data", verbosity=0, stdout=devnull)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "browser" in item.nodeid.split("/"):
            item.add_marker(pytest.mark.browser)


__all__ = ["settings"]


@pytest.fixture
def shared_database(tmp_path: Path) -> Iterator[Callable[[], None]]:
    """A function that makes what the test has written so far visible to other threads.

    PostgreSQL: nothing to do (transactional tests commit). SQLite: copies the in-memory test
    database to a file (online backup API) and points every connection opened afterwards at
    it; undone after the test."""
    db = connections.settings["default"]
    saved = db["NAME"]

    def switch() -> None:
        if connection.vendor != "sqlite":
            return
        path = tmp_path / "shared.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
        db["NAME"] = str(path)

    yield switch
    db["NAME"] = saved
