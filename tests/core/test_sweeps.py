"""The sweep registry and ``manage.py run_sweeps``."""

import io

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from evalorg.core import sweeps
from evalorg.notify.models import Message
from evalorg.notify.services import sweep_outbox
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scratch():
    names: list[str] = []

    def register(name, fn):
        sweeps.register_sweep(name, fn)
        names.append(name)

    yield register
    for name in names:
        sweeps.unregister_sweep(name)


def test_a_name_cannot_be_registered_twice(scratch):
    scratch("test-twice", lambda: "x")
    with pytest.raises(ImproperlyConfigured):
        sweeps.register_sweep("test-twice", lambda: "y")


def test_outbox_sweep_is_registered():
    assert "outbox" in sweeps.sweep_names()
    assert sweeps._sweeps["outbox"] is sweep_outbox


def test_a_failing_sweep_is_rolled_back_and_the_others_still_run(scratch):
    user = UserFactory()

    def broken() -> str:
        Message.objects.create(recipient=user, subject="half done")
        raise RuntimeError("boom")

    scratch("test-broken", broken)
    scratch("test-fine", lambda: "did 0 things")
    results = {r.name: r for r in sweeps.run_sweeps()}
    assert not results["test-broken"].ok and "boom" in results["test-broken"].summary
    assert results["test-fine"] == sweeps.SweepResult("test-fine", "did 0 things")
    assert not Message.objects.filter(subject="half done").exists()


def test_command_prints_each_sweep_and_is_idempotent():
    for _ in range(2):
        out = io.StringIO()
        call_command("run_sweeps", stdout=out)
        assert "outbox: stale claims requeued 0, given up 0; queued 0" in out.getvalue()


def test_command_fails_when_a_sweep_fails(scratch):
    scratch("test-broken", lambda: 1 / 0)
    with pytest.raises(CommandError, match="test-broken"):
        call_command("run_sweeps", stdout=io.StringIO())
