"""Every irreversible action asks first (issue 18 item 4, issue #10): the transitions whose
target is terminal, and those the issue names, carry a Chinese confirmation question.

The lists are written out: a new terminal transition fails here until it gets a question or a
stated reason not to ask."""

from __future__ import annotations

import re

from evalorg.core.workflow import workflows

# (workflow name, action): must ask.
MUST_ASK = {
    ("case", "return_for_correction"),
    ("case", "withdraw"),
    ("case", "verify"),
    ("case", "recommend"),
    ("case", "not_recommend"),
    ("case", "send_to_province"),
    ("case", "select"),
    ("case", "reject"),
    ("case", "uphold_objection"),
    ("case", "fast_track"),
    ("case", "eliminate"),
    ("case", "accept"),
    ("case", "file_case"),
    ("occupation_line", "exclude"),
    ("occupation_line", "submit_bank"),
    ("occupation_line", "pass_bank"),
    ("occupation_line", "fail_bank"),
    ("occupation_line", "file"),
    ("occupation_line", "eliminate"),
    ("scoresheet", "submit_scoresheet"),
    ("bank_review", "submit_bank_review"),
    ("bank_review", "withdraw_bank_review"),
    ("publicity_notice", "publish"),
    ("publicity_notice", "end"),
    ("publicity_notice", "discard"),
    ("membership", "deactivate_member"),
    ("objection", "investigate"),
    ("objection", "uphold"),
    ("objection", "dismiss"),
    ("leadership_approval", "publish"),
    ("identity_change", "approve_identity_change"),
    ("identity_change", "reject_identity_change"),
    ("assessment_plan", "accept_plan"),
    ("assessment_plan", "file_supervision_report"),
    ("sanction", "issue_warning"),
    ("sanction", "approve_sanction"),
    ("sanction", "restore_sanction"),
    ("sanction", "withdraw_sanction"),
    ("complaint", "investigate_complaint"),
    ("complaint", "uphold_complaint"),
    ("complaint", "dismiss_complaint"),
    ("inspection_draw", "publish_draw"),
    ("inspection", "record_no_findings"),
    ("inspection", "close_inspection"),
    ("inspection", "escalate_inspection"),
    ("annual_report", "accept_annual_report"),
    ("renewal", "accept_renewal"),
}

# Terminal transitions that do not ask, each with the reason.
EXEMPT = {
    # Marked held by its first attendance record, a side effect, not a decision of its own.
    ("training_session", "hold"): "side effect of recording attendance",
    # Performed by the system actor's sweep at the end of the period: nobody to ask.
    ("sanction", "end_suspension"): "the clock's, by the sanction_end sweep",
}


def _transitions():
    for workflow in workflows():
        for transition in workflow.table.values():
            yield workflow, transition


def _terminal(workflow, transition) -> bool:
    sources = {s for t in workflow.table.values() for s in t.sources}
    return transition.target not in sources


def test_named_and_terminal_transitions_ask_in_chinese():
    registered = {(w.name, t.action): t for w, t in _transitions()}
    assert registered.keys() >= MUST_ASK, MUST_ASK - registered.keys()
    silent = [key for key in MUST_ASK if not str(registered[key].confirm).strip()]
    assert not silent, f"irreversible actions without a question: {sorted(silent)}"
    for key in MUST_ASK:
        question = str(registered[key].confirm)
        assert re.search(r"[\u4e00-\u9fff]", question) and question.startswith("确定"), key


def test_every_terminal_transition_is_listed():
    unlisted = [
        (w.name, t.action)
        for w, t in _transitions()
        if _terminal(w, t) and (w.name, t.action) not in MUST_ASK | EXEMPT.keys()
    ]
    assert not unlisted, f"terminal transitions neither asking nor exempt: {unlisted}"
