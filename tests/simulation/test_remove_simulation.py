"""A failed or unwanted simulation is removed by one command (issue 23 item 5): every row it
created goes, per model, and its files' bytes; a real round and production are refused; the
audit chain stays intact. Its e-mails go to var/mail whatever EMAIL_BACKEND says."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from evalorg.core.audit import verify_chain
from evalorg.core.models import AuditEvent, AuditHead
from evalorg.filing.models import FilingLetter
from evalorg.notify.models import Message, OutboundEmail
from evalorg.notify.outbox import claim, deliver, simulated
from evalorg.notify.services import queue_email
from evalorg.rounds.models import Round
from evalorg.simulation.run import simulate

pytestmark = pytest.mark.django_db
START = date(2025, 3, 3)


def _rows() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model not in (AuditEvent, AuditHead) and not model._meta.proxy
    }


def _files(root: Path) -> int:
    return sum(1 for path in root.rglob("*") if path.is_file()) if root.exists() else 0


def test_remove_simulation_deletes_every_row_and_file_it_created(
    settings, django_capture_on_commit_callbacks
) -> None:
    before, files_before, events = _rows(), _files(settings.MEDIA_ROOT), AuditEvent.objects.count()
    result = simulate(12, seed=1, start=START, progress=False)
    code = result.round.code
    during = _rows()
    assert FilingLetter.objects.filter(application__round=result.round).exists()
    assert OutboundEmail.objects.filter(simulation=code).exists()
    assert Message.objects.filter(simulation=code).exists()
    assert during["core.StoredFile"] > before["core.StoredFile"]
    assert _files(settings.MEDIA_ROOT) > files_before

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("remove_simulation", code, stdout=out)

    after = _rows()
    assert {k: (before[k], v) for k, v in after.items() if before[k] != v} == {}
    assert _files(settings.MEDIA_ROOT) == files_before
    assert "applications.Application: 12" in out.getvalue()
    removed = AuditEvent.objects.get(action="simulation_removed")
    assert removed.data["round"] == code
    assert AuditEvent.objects.count() > events  # the simulation's events stay in the chain
    assert verify_chain().ok


def test_a_real_round_is_refused_and_nothing_changes() -> None:
    before = _rows()
    with pytest.raises(CommandError, match=r"不是模拟批次.*未删除任何数据"):
        call_command("remove_simulation", "gd-2023", stdout=io.StringIO())
    with pytest.raises(CommandError, match="没有批次代码为 sim-0-0"):
        call_command("remove_simulation", "sim-0-0", stdout=io.StringIO())
    assert _rows() == before
    assert not AuditEvent.objects.filter(action="simulation_removed").exists()


def test_production_refuses_the_removal(settings) -> None:
    reference = Round.objects.get(code="gd-2023")
    reference.copy(code="sim-7-3", name="模拟批次", year=2023, shift_days=0)
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="生产环境"):
        call_command("remove_simulation", "sim-7-3", stdout=io.StringIO())
    assert Round.objects.filter(code="sim-7-3").exists()


def test_simulated_mail_goes_to_var_mail_whatever_the_backend(settings, tmp_path) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "relay.invalid", 25
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    with simulated("sim-1-2"):
        queue_email(["a@example.cn"], "模拟通知", "正文")
    (email,) = claim(10)
    assert email.simulation == "sim-1-2"
    assert deliver(email), OutboundEmail.objects.get(pk=email.pk).last_error
    (written,) = (tmp_path / "mail").iterdir()
    assert "a@example.cn" in written.read_text()


def test_real_mail_still_goes_through_the_configured_backend(settings, mailoutbox) -> None:
    queue_email(["a@example.cn"], "通知", "正文")
    (email,) = claim(10)
    assert email.simulation == "" and deliver(email)
    assert [m.to for m in mailoutbox] == [["a@example.cn"]]


def test_the_demos_simulated_round_is_simulated_and_removable(settings, monkeypatch) -> None:
    """load_demo's round (``sim-demo``) is marked like any simulation: the real-date sweeps skip
    it, production refuses it, and ``remove_simulation sim-demo`` removes all it created."""
    from evalorg.core.demo import DemoContext
    from evalorg.rounds.simulated import simulated_rounds
    from evalorg.simulation import demo

    before = _rows()
    settings.EVALORG_DEMO_SIMULATION = True
    monkeypatch.setattr(demo, "DEMO_INSTITUTIONS", 6)
    monkeypatch.setattr(demo, "simulate", _quiet(demo.simulate))
    context = DemoContext()
    demo.build_simulated_round(context)
    assert list(simulated_rounds().values_list("code", flat=True)) == ["sim-demo"]
    assert any(login.username.startswith("sim-demo-") for login in context.logins)

    out = io.StringIO()
    call_command("remove_simulation", "sim-demo", stdout=out)
    assert "applications.Application: 6" in out.getvalue()
    after = _rows()
    assert {k: (before[k], v) for k, v in after.items() if before[k] != v} == {}


def _quiet(simulate_fn):
    def quiet(*args, **kwargs):
        return simulate_fn(*args, **{**kwargs, "progress": False, "start": START})

    return quiet


def test_the_demo_round_of_earlier_releases_is_simulated_too() -> None:
    """Databases loaded before 2026.12.2 hold the demo's round as ``demo-sim``."""
    from evalorg.rounds.simulated import simulated_rounds, swept

    Round.objects.get(code="gd-2023").copy(
        code="demo-sim", name="模拟批次", year=2023, shift_days=0
    )
    assert list(simulated_rounds().values_list("code", flat=True)) == ["demo-sim"]
    assert not Round.objects.filter(swept("")).filter(code="demo-sim").exists()
    call_command("remove_simulation", "demo-sim", stdout=io.StringIO())
    assert not Round.objects.filter(code="demo-sim").exists()
