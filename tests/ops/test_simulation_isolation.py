"""The simulation isolated (issue 23 item 5): the real-date sweeps never touch a simulated
round's cases, the simulation's own sweeps do; a missing calendar year stops simulate_round
before anything is written."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from evalorg.applications.models import Application
from evalorg.core import clock
from evalorg.core.models import AuditEvent
from evalorg.core.sweeps import run_sweeps
from evalorg.cultivation.deadlines import sweep_elimination
from evalorg.rounds.models import Round
from evalorg.rounds.simulated import simulating
from tests.cultivation.conftest import LAST, cultivating
from tests.factories import InstitutionFactory


def _simulated(case: Application) -> Application:
    reference = Round.objects.get(code="gd-2023")
    sim_round = reference.copy(code="sim-9-9", name="模拟批次", year=2025, shift_days=0)
    Application.objects.filter(pk=case.pk).update(round=sim_round)
    return Application.objects.get(pk=case.pk)


@pytest.mark.django_db
def test_real_sweeps_skip_simulated_cases_and_the_simulation_moves_its_own() -> None:
    simulated = _simulated(cultivating())
    real = cultivating(InstitutionFactory(legal_rep_name="李 四"))
    after_the_last_day = clock.deadline_end(LAST) + timedelta(hours=1)
    with time_machine.travel(after_the_last_day, tick=False):
        results = {result.name: result for result in run_sweeps()}
        assert results["cultivation_elimination"].ok
        assert Application.objects.get(pk=real.pk).state == "eliminated"
        assert Application.objects.get(pk=simulated.pk).state == "cultivating"
        with simulating():
            assert sweep_elimination().startswith("eliminated 1")
    assert Application.objects.get(pk=simulated.pk).state == "eliminated"


@pytest.mark.django_db
def test_a_missing_calendar_year_stops_the_simulation_before_writing() -> None:
    rounds, events = Round.objects.count(), AuditEvent.objects.count()
    with pytest.raises(CommandError, match="工作日历缺少年份：2031"):
        call_command(
            "simulate_round", "--institutions", "2", "--start", "2031-03-01", "--no-progress",
            stdout=io.StringIO(),
        )  # fmt: skip
    assert (Round.objects.count(), AuditEvent.objects.count()) == (rounds, events)
