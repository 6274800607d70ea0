"""The quality supervisor's draw (issue 25 item 2, N-5.2): from the local agency's pool,
reproducible from the recorded seed, never an expert with a conflict of interest."""

from __future__ import annotations

import pytest
import time_machine

from evalorg.core.workflow import TransitionRefused, perform
from evalorg.institutions.models import Membership
from evalorg.supervision.draw import eligible_supervisors, pick
from tests.factories import city_agency

from .conftest import TODAY, expert

pytestmark = pytest.mark.django_db


def test_the_draw_is_reproducible_from_the_recorded_seed(plan, city, pool):
    with time_machine.travel(TODAY, tick=False):
        accepted = perform(plan, "accept_plan", city)
    assert accepted.draw_seed is not None
    assert pick(eligible_supervisors(accepted), accepted.draw_seed) == accepted.supervisor
    drawn = {pick(pool, seed).pk for seed in range(40)}
    assert len(drawn) > 1  # the seed decides: not always the same expert


def test_conflicted_experts_and_other_pools_are_never_drawn(plan, city, organization):
    employee = expert(uscc=organization.uscc, full_name="本机构员工")
    contact = expert(email=organization.contact_email, full_name="本机构联系人")
    account = expert(full_name="本机构账户")
    Membership.objects.create(user=account, institution=organization)
    elsewhere = expert(city_agency("440300"), full_name="深圳专家")
    free = expert(full_name="无利害关系专家")
    assert eligible_supervisors(plan) == [free]
    for seed in range(30):
        assert pick(eligible_supervisors(plan), seed) == free
    with time_machine.travel(TODAY, tick=False):
        accepted = perform(plan, "accept_plan", city, seed=7)
    assert accepted.supervisor == free
    assert {employee, contact, account, elsewhere}.isdisjoint({accepted.supervisor})


def test_an_empty_pool_refuses_acceptance_with_a_clear_message(plan, city, organization):
    expert(uscc=organization.uscc)  # the only expert is conflicted
    with time_machine.travel(TODAY, tick=False), pytest.raises(TransitionRefused) as refused:
        perform(plan, "accept_plan", city)
    assert "没有可抽取的质量督导员" in str(refused.value) and "（N-5.2）" in str(refused.value)
    plan.refresh_from_db()
    assert plan.status == "submitted" and plan.supervisor is None
