"""Validity of a filing (issue 25 item 6, N-5.2): reminders 90 and 30 days before the end,
each sent once whatever the number of sweeps; expiry through the engine, audited, shown in the
registry and on the verify page; an expired filing takes no assessment plan nor expansion;
the local agency's to-do list shows filings ending within 90 days."""

from __future__ import annotations

from datetime import date

import pytest

from evalorg.accounts.system import system_actor
from evalorg.core.models import AuditEvent
from evalorg.core.sweeps import run_sweeps
from evalorg.core.todo import todo_items
from evalorg.core.workflow import TransitionRefused, perform
from evalorg.filing import registry
from evalorg.filing.models import FilingLetter
from evalorg.filing.verification import record
from evalorg.notify.models import Message
from evalorg.renewal import validity
from evalorg.supervision.plans import create_plan
from tests.supervision.conftest import plan_data

from .conftest import DAYS_29, DAYS_89, EXPIRED, IN_WINDOW, LAST_DAY, apply, at

pytestmark = pytest.mark.django_db


def reminders(owner) -> list[str]:
    return list(
        Message.objects.filter(recipient=owner, subject__contains="届满")
        .order_by("pk")
        .values_list("subject", flat=True)
    )


def events(letter, action: str) -> list[dict]:
    return [
        e.data
        for e in AuditEvent.objects.filter(object_id=str(letter.pk), action=action).order_by("pk")
        if e.object_type.endswith("filingletter")
    ]


def test_the_90_and_30_day_reminders_are_sent_once_each(letter, owner):
    with at(IN_WINDOW):
        validity.send_reminders()
    assert reminders(owner) == []
    with at(DAYS_89):
        run_sweeps()
        run_sweeps()
    assert len(reminders(owner)) == 1
    assert [d["days"] for d in events(letter, "filing_expiry_reminded")] == [90]
    with at(DAYS_29):
        validity.send_reminders()
        validity.send_reminders()
    assert len(reminders(owner)) == 2
    assert [d["days"] for d in events(letter, "filing_expiry_reminded")] == [90, 30]
    with at(LAST_DAY):
        validity.send_reminders()
    assert len(reminders(owner)) == 2


def test_a_sweep_that_missed_the_90_day_reminder_sends_only_the_30_day_one(letter, owner):
    with at(DAYS_29):
        validity.send_reminders()
        validity.send_reminders()
    assert [d["days"] for d in events(letter, "filing_expiry_reminded")] == [30]
    assert len(reminders(owner)) == 1


def test_no_reminder_while_a_renewal_waits(letter, owner, organization):
    apply(owner, organization)
    with at(DAYS_89):
        validity.send_reminders()
    assert events(letter, "filing_expiry_reminded") == []


def test_a_lapsed_filing_is_marked_expired_through_the_engine(letter, owner, city):
    with at(LAST_DAY):
        assert validity.expire_filings() == "0 filing(s) expired"
        with pytest.raises(TransitionRefused, match="尚未届满"):
            perform(letter, "expire_filing", system_actor())
    with at(EXPIRED):
        assert validity.expire_filings() == "1 filing(s) expired"
        assert validity.expire_filings() == "0 filing(s) expired"
        row = registry.search({}).get(pk=letter.pk)
        assert registry.status_of(row, date(2028, 12, 1)) == "已过期"
        shown = record(row)
        assert shown.status == "已过期" and not shown.is_current
        history = registry.history_of(letter.application.institution)
    assert FilingLetter.objects.get(pk=letter.pk).validity_status == "expired"
    assert AuditEvent.objects.filter(action="expire_filing", object_id=str(letter.pk)).count() == 1
    assert Message.objects.filter(recipient=owner, subject__contains="已过期").count() == 1
    assert Message.objects.filter(recipient=city, subject__contains="已过期").count() == 1
    assert [(c.day, c.status) for c in history][-1] == (date(2028, 12, 1), "已过期")


def test_an_expired_filing_takes_no_assessment_plan_nor_expansion(letter, owner, line):
    data = plan_data(line, starts_on=date(2028, 12, 10), ends_on=date(2028, 12, 11))
    with at(EXPIRED):
        validity.expire_filings()
        with pytest.raises(TransitionRefused) as refused:
            create_plan(owner, line.application.institution, data)
        assert validity.expansion_refusal(letter.application.institution_id)
    messages = [r.message for r in refused.value.refusals]
    assert any("已过期" in m and "N-5.2" in m for m in messages), messages
    assert all(r.clause == "N-5.2" for r in refused.value.refusals)


def test_the_local_agency_sees_expiring_filings_on_its_to_do_list_and_urges(
    letter, owner, city, organization
):
    def urgent(user) -> list[int]:
        return [i.pk for i in todo_items(user) if i.workflow == "filing_validity"]

    with at(IN_WINDOW):
        assert urgent(city) == []
    with at(DAYS_89):
        assert urgent(city) == [letter.pk]
        assert urgent(owner) == []
        perform(letter, "urge_renewal", city)
    assert Message.objects.filter(recipient=owner, subject__contains="延续").exists()
    apply(owner, organization, DAYS_89)
    with at(DAYS_89):
        assert urgent(city) == []
