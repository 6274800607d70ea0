"""Faults (issue 12): two staff of one city act on one case at the same moment, one verifying
it (初审通过) and the other returning it for correction (退回补正), both from 已提交.

One wins; the other is told in Chinese that someone else has just changed the case, and none
of what the loser entered is kept (checks, audit events, e-mails). The audit chain stays valid
(``manage.py verify_audit``). Runs on PostgreSQL (row locks) and on a file SQLite database
(IMMEDIATE transactions), through the real verification page and through ``perform()``.
"""

from __future__ import annotations

import io
from datetime import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from evalorg.applications import workflow
from evalorg.applications.materials import applicable_items
from evalorg.applications.models import Application, State
from evalorg.core.models import AuditEvent
from evalorg.notify.models import OutboundEmail
from evalorg.review.models import VerificationCheck
from tests.applications.conftest import SH, applicant_of, build_application
from tests.factories import CityStaffFactory
from tests.review.conftest import pass_checklist
from tests.threads import at_once, in_thread

pytestmark = pytest.mark.django_db(transaction=True)
IN_PERIOD = datetime(2023, 5, 10, 10, 0, tzinfo=SH)
ROUNDS = 3  # fresh cases, so that either side gets to win at least sometimes
CONCURRENT = "已被他人处理"


@pytest.fixture(autouse=True)
def _in_period():
    with time_machine.travel(IN_PERIOD, tick=False) as traveller:
        yield traveller


def submitted_case(checker) -> Application:
    """A submitted case whose checklist the first staff member has already saved as all
    passed: verifying it then writes no check (it locks the case first) while returning it
    changes a check and audits that before the transition (the audit head first)."""
    application = build_application()
    application = workflow.perform(application, "submit", applicant_of(application))
    pass_checklist(application, checker)
    return application


def checklist(application: Application, action: str, failing: str = "") -> dict[str, str]:
    data = {"action": action, "general_note": "", "confirm": "yes"}
    for item in applicable_items(application):
        for flag in ("present", "complete", "authentic"):
            if item.code != failing:
                data[f"{item.code}-{flag}"] = "on"
        data[f"{item.code}-note"] = "营业执照已过期" if item.code == failing else ""
    return data


class PostAs:
    """One staff member's POST, logged in from its own thread (on the shared database)."""

    def __init__(self, user, url: str, data: dict[str, str]) -> None:
        self.user, self.url, self.data = user, url, data
        self.client = Client(raise_request_exception=False)

    def prepare(self) -> None:
        self.client.force_login(self.user)

    def __call__(self):
        return self.client.post(self.url, self.data)


def outcome(application: Application) -> dict:
    """Everything the two requests could have left behind, read from the shared database."""

    def read() -> dict:
        case = Application.objects.get(pk=application.pk)
        checks = VerificationCheck.objects.filter(review__application=case)
        out = io.StringIO()
        call_command("verify_audit", stdout=out)
        return {
            "state": case.state,
            "transitions": list(
                AuditEvent.objects.filter(
                    object_id=str(case.pk), action__in=("verify", "return_for_correction")
                ).values_list("action", flat=True)
            ),
            "checks_saved": AuditEvent.objects.filter(
                object_id=str(case.pk), action="verification_saved"
            ).count(),
            "failed_checks": [c.item_code for c in checks if not c.passed],
            "return_mails": OutboundEmail.objects.filter(
                subject__contains="退回补正", subject__endswith=f"（{case.acknowledgement_no}）"
            ).count(),
            "verify_audit": out.getvalue(),
        }

    return in_thread(read)


def test_verify_and_return_at_once_through_the_page(shared_database):
    first, second = CityStaffFactory(), CityStaffFactory()
    cases = [submitted_case(first) for _ in range(ROUNDS)]
    shared_database()
    winners = set()
    for case in cases:
        url = reverse("review_inbox:verify", args=[case.pk])
        failing = applicable_items(case)[0].code
        verify, give_back = at_once(
            PostAs(first, url, checklist(case, "verify")),
            PostAs(second, url, checklist(case, "return_for_correction", failing)),
        )
        assert sorted([verify.status_code, give_back.status_code]) == [302, 400]
        loser = verify if verify.status_code == 400 else give_back
        page = loser.content.decode()
        # Nearly always the loser read the case before the winner committed and is told it
        # changed meanwhile; if the scheduler let the winner finish before the loser even
        # loaded the case, the page says the case is no longer 已提交 (also a refusal, 400).
        assert (CONCURRENT in page and "请刷新" in page) or "只有“已提交”的申请可以核验材料" in page
        assert "SPEC-5" not in page  # internal ids are not shown to users (issue 22)
        after = outcome(case)
        assert after["verify_audit"].startswith("OK:"), after["verify_audit"]
        if verify.status_code == 302:
            winners.add("verify")
            assert after["state"] == State.VERIFIED and after["transitions"] == ["verify"]
            # The loser's failed item, its audit event and its e-mail were all rolled back.
            assert after["failed_checks"] == [] and after["checks_saved"] == 0
            assert after["return_mails"] == 0
        else:
            winners.add("return")
            assert after["state"] == State.RETURNED_FOR_CORRECTION
            assert after["transitions"] == ["return_for_correction"]
            assert after["failed_checks"] == [failing] and after["checks_saved"] == 1
            assert after["return_mails"] == 1
    assert winners  # at least one round decided; which side wins is up to the scheduler


def test_verify_and_return_at_once_through_perform(shared_database):
    first, second = CityStaffFactory(), CityStaffFactory()
    case = submitted_case(first)
    shared_database()
    stale_one, stale_two = Application.objects.get(pk=case.pk), Application.objects.get(pk=case.pk)
    results = at_once(
        lambda: workflow.perform(stale_one, "verify", first),
        lambda: workflow.perform(stale_two, "return_for_correction", second, reason="缺营业执照"),
    )
    refused = [r for r in results if isinstance(r, workflow.TransitionRefused)]
    done = [r for r in results if isinstance(r, Application)]
    assert len(refused) == 1 and len(done) == 1, results
    (refusal,) = refused[0].refusals
    assert refusal.clause == "SPEC-5" and CONCURRENT in refusal.message
    assert done[0].get_state_display() in refusal.message  # says what the case is now
    after = outcome(case)
    assert after["state"] == done[0].state and len(after["transitions"]) == 1
    assert after["verify_audit"].startswith("OK:")


@pytest.mark.django_db
def test_a_stale_page_is_told_the_case_changed_not_just_refused():
    """Without threads: the loser's view of the case is older than the row it locks."""
    staff = CityStaffFactory()
    case = submitted_case(staff)
    stale = Application.objects.get(pk=case.pk)
    case = workflow.perform(case, "verify", staff)
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.perform(stale, "return_for_correction", staff, reason="缺营业执照")
    assert CONCURRENT in str(refused.value) and "“初审通过”" in str(refused.value)
    # A caller whose view is current gets the ordinary "state does not allow it" message.
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.perform(case, "return_for_correction", staff, reason="缺营业执照")
    assert CONCURRENT not in str(refused.value)
