"""The whole-round simulation (issue 12): a small round end to end, through the workflow."""

from __future__ import annotations

import re
from datetime import date

import pytest

from evalorg.applications.history import applicant_history, staff_history
from evalorg.applications.models import Application, ApplicationOccupation, State
from evalorg.complaints.models import Complaint
from evalorg.core import audit
from evalorg.core.audit import Audience, verify_chain
from evalorg.core.models import AuditEvent
from evalorg.cultivation.models import (
    BankDecision,
    BankReviewAssignment,
    Deliverable,
    TrainingSession,
)
from evalorg.filing.models import FilingLetter
from evalorg.publicity.models import Objection, PublicityNotice
from evalorg.rounds.models import Round
from evalorg.sanctions.models import Sanction
from evalorg.selection.models import LeadershipApprovalEntry
from evalorg.simulation.run import report, simulate
from evalorg.supervision.models import AssessmentPlan, InspectionDraw
from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db
START = date(2025, 3, 3)


def _reached(round_, action: str) -> int:
    """How many cases of the round a workflow action moved (each counted once)."""
    ids = [str(pk) for pk in Application.objects.filter(round=round_).values_list("pk", flat=True)]
    events = AuditEvent.objects.filter(
        action=action, object_type="applications.application", object_id__in=ids
    )
    return events.values("object_id").distinct().count()


def test_a_small_round_runs_end_to_end_as_the_seed_dictates():
    result = simulate(12, seed=1, start=START, progress=False)
    round_ = result.round
    final = result.final()
    fates = result.sim.fates

    assert result.audit_ok and verify_chain().ok
    assert final.get(State.FILED, 0) > 0 and final.get(State.ELIMINATED, 0) > 0
    assert sum(final.values()) == 12
    assert not {State.SUBMITTED, State.CULTIVATING, State.IN_PUBLICITY} & set(final)

    submitted = _reached(round_, "submit")
    recommended = _reached(round_, "recommend")
    selected = _reached(round_, "select")
    cultivating = _reached(round_, "end_publicity")
    filed = _reached(round_, "file_case")
    assert submitted == 12
    assert filed <= cultivating <= selected <= recommended <= submitted
    assert (
        filed
        == final[State.FILED]
        == FilingLetter.objects.filter(application__round=round_).count()
    )

    # Every filed case was approved in a published acceptance batch, and nothing else was
    # accepted: neither the day-180 sweep nor a case page accepts (issue 18, N-4.3).
    in_batches = LeadershipApprovalEntry.objects.filter(
        application__round=round_,
        approved=True,
        approval__kind="acceptance",
        approval__status="published",
    ).values_list("application_id", flat=True)
    assert set(in_batches) == set(
        Application.objects.filter(round=round_, state=State.FILED).values_list("pk", flat=True)
    )
    assert _reached(round_, "accept") == filed

    # The seed's draws, and only they, decide the detours.
    assert _reached(round_, "return_for_correction") == sum(f.returned for f in fates.values())
    on_notice = Application.objects.filter(round=round_, notice_entries__isnull=False)
    objected = [fates[a.pk].objection for a in on_notice if fates[a.pk].objection]
    statuses = sorted(
        Objection.objects.filter(notice__round=round_).values_list("status", flat=True)
    )
    assert statuses == sorted(objected)
    assert final.get(State.OBJECTION_UPHELD, 0) == objected.count("upheld")
    notices = PublicityNotice.objects.filter(round=round_)
    assert set(notices.values_list("status", flat=True)) == {"ended"}  # by the sweep
    assert set(TrainingSession.objects.values_list("status", flat=True)) == {"held"}

    lines = ApplicationOccupation.objects.filter(application__round=round_)
    assert lines.filter(status="filed").count() > 0
    assert lines.filter(status="eliminated").count() > 0
    theory = Deliverable.objects.filter(line__application__round=round_, kind="theory")
    failed = set(theory.filter(passed=False).values_list("line_id", flat=True))
    assert failed, "seed 1 breaks some theory banks"
    fixed = set(theory.filter(passed=True, is_current=True).values_list("line_id", flat=True))
    assert failed <= fixed
    # Issue 20 item 4: every bank decision was taken from two submitted expert sheets.
    decisions = BankDecision.objects.filter(line__application__round=round_)
    assert decisions.filter(outcome="fail").exists() and decisions.filter(outcome="pass").exists()
    for decision in decisions:
        sheets = BankReviewAssignment.objects.filter(
            line=decision.line_id, review_round=decision.review_round, status="submitted"
        )
        assert sheets.count() == 2, decision

    text = report(result)
    assert "verify_audit：通过" in text and "备案函" in text

    # Issue 25: past filing, for the simulated organizations only (N-5.2).
    organizations = Application.objects.filter(round=round_, state=State.FILED).values(
        "institution"
    )
    plans = AssessmentPlan.objects.filter(institution__in=organizations)
    assert plans.filter(status="closed").count() == 2
    assert all(p.roster.count() == p.candidates for p in plans)
    draw = InspectionDraw.objects.get()
    assert draw.status == "published"
    assert set(draw.inspections.values_list("institution", flat=True)) == {
        o["institution"] for o in organizations if o["institution"] in set(draw.candidates)
    }
    assert sorted(draw.inspections.values_list("status", flat=True))[0] == "closed"
    assert draw.inspections.exclude(rectify_by=None).count() == 1
    sanctions = Sanction.objects.filter(institution__in=organizations, status="effective")
    assert sorted(sanctions.values_list("kind", flat=True)) == ["revocation", "suspension"]
    assert Complaint.objects.get().status == "dismissed"

    # Issue 19: every history of every case of the round (filed, eliminated, objected, returned)
    # names its actions and states in Chinese, for staff and for the applicant.
    assert english_in_histories(round_) == {}


IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")


def english_in_histories(round_) -> dict[str, str]:
    """Each English identifier found in an action or state of a history row → where."""
    found: dict[str, str] = {}
    for case in Application.objects.filter(round=round_):
        rows = [(r.label, r.change) for r in staff_history(case) + applicant_history(case)]
        for text in (text for row in rows for text in row):
            for word in IDENTIFIER.findall(text):
                found.setdefault(word, text)
    return found


def test_the_history_check_finds_an_english_action(monkeypatch):
    """The check above can fail: an action without a Chinese label shows as its identifier."""
    case = Application.objects.create(
        round=Round.objects.order_by("pk").first(), institution=InstitutionFactory()
    )
    audit.record("secret_english_action", case, actor=None, audience=Audience.APPLICANT)
    assert "secret_english_action" in english_in_histories(case.round)


def test_two_seeds_make_two_separate_rounds_and_one_seed_the_same_draws():
    first = simulate(4, seed=5, start=START, progress=False, until="submissions")
    second = simulate(4, seed=6, start=START, progress=False, until="submissions")
    again = simulate(4, seed=5, start=START, progress=False, until="submissions")
    rounds = {first.round.pk, second.round.pk, again.round.pk}
    assert len(rounds) == 3 and len({first.round.code, second.round.code, again.round.code}) == 3
    for result in (first, second, again):
        assert result.final() == {State.SUBMITTED: 4}
        assert result.audit_ok
    assert list(first.sim.fates.values()) == list(again.sim.fates.values())
    assert list(first.sim.fates.values()) != list(second.sim.fates.values())

    def cities(result):
        rows = Application.objects.filter(round=result.round).order_by("pk")
        return [(a.institution.city_id, a.institution.category) for a in rows]

    assert cities(first) == cities(again)
