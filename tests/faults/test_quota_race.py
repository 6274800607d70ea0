"""Faults (issue 18): two staff of one city recommend two cases at the same moment when one
recommendation place is left (N-4.1.2): exactly one wins; the other is refused, citing the
clause, and its case keeps no decision. Through the ranking page's POST and through the API,
each of which reaches the quota only through ``perform()`` (``within_quota`` counts the
decided cases under a lock on the agency row). PostgreSQL only: SQLite serialises writers."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from evalorg.applications.models import Application, State
from evalorg.review.models import ReviewStage
from tests.api.conftest import bearer, token_for
from tests.factories import CityStaffFactory
from tests.review.conftest import assessed, panel_with_experts
from tests.threads import at_once, in_thread

pytestmark = pytest.mark.django_db(transaction=True)
ROUNDS = 3  # fresh pairs of cases, so that a race that slips past the lock shows up


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises every writer anyway")


def last_place_pairs(staff):
    """``ROUNDS`` pairs of assessed cases; each pair races for the quota's last place (the
    round's quota is reset per pair: the cases recommended before hold the earlier places)."""
    panel, experts = panel_with_experts(staff)
    return [[assessed(staff, panel, experts, [8, 8, 8]) for _ in range(2)] for _ in range(ROUNDS)]


def set_quota(case, quota: int) -> None:
    case.round.recommendation_quota = quota
    case.round.save(update_fields=["recommendation_quota"])


def outcome(pair) -> tuple[list[str], list[bool | None]]:
    def read():
        states = [Application.objects.get(pk=c.pk).state for c in pair]
        decided = [ReviewStage.objects.get(application=c).recommended for c in pair]
        return states, decided

    return in_thread(read)


def assert_one_won(pair) -> None:
    states, decided = outcome(pair)
    assert sorted(states) == sorted([State.RECOMMENDED, State.CITY_ASSESSED]), states
    for state, recommended in zip(states, decided, strict=True):
        assert recommended is (True if state == State.RECOMMENDED else None)


class PostAs:
    """One staff member's POST, logged in from its own thread (on the shared database)."""

    def __init__(self, user, url: str, data: dict, **extra) -> None:
        self.user, self.url, self.data, self.extra = user, url, data, extra
        self.client = Client(raise_request_exception=False)

    def prepare(self) -> None:
        if not self.extra:
            self.client.force_login(self.user)

    def __call__(self):
        if self.extra:
            return self.client.post(
                self.url, self.data, content_type="application/json", **self.extra
            )
        return self.client.post(self.url, self.data, follow=True)


def test_two_recommend_the_last_place_through_the_page(shared_database):
    staff = CityStaffFactory()
    colleague = CityStaffFactory(agency=staff.agency)
    pairs = last_place_pairs(staff)
    shared_database()
    for taken, pair in enumerate(pairs):
        set_quota(pair[0], taken + 1)
        data = {"decision": "recommend", "reason": "优", "confirm": "yes"}
        responses = at_once(
            *(
                PostAs(user, reverse("review:decide", args=[case.pk]), data)
                for case, user in zip(pair, (staff, colleague), strict=True)
            )
        )
        pages = [r.content.decode() for r in responses]
        assert [r.status_code for r in responses] == [200, 200]
        assert sum("已记录推荐意见" in p for p in pages) == 1
        refused = next(p for p in pages if "已记录推荐意见" not in p)
        assert "名额" in refused and "N-4.1.2" in refused
        assert_one_won(pair)


def test_two_recommend_the_last_place_through_the_api(shared_database):
    staff = CityStaffFactory()
    colleague = CityStaffFactory(agency=staff.agency)
    secrets = [token_for(staff), token_for(colleague)]
    pairs = last_place_pairs(staff)
    shared_database()
    for taken, pair in enumerate(pairs):
        set_quota(pair[0], taken + 1)
        responses = at_once(
            *(
                PostAs(
                    None, f"/api/cases/{case.pk}/actions/recommend", {"reason": "优"}, **bearer(s)
                )
                for case, s in zip(pair, secrets, strict=True)
            )
        )
        assert sorted(r.status_code for r in responses) == [200, 409]
        refused = next(r for r in responses if r.status_code == 409).json()
        assert "名额" in str(refused) and "N-4.1.2" in str(refused)
        assert_one_won(pair)
