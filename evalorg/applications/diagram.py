"""The lifecycle diagrams (Mermaid) generated from the transition tables, for docs/workflow.md."""

from __future__ import annotations

from evalorg.core.workflow import Nobody, Transition, Workflow, workflows

HEADER = """# The workflows

Generated from the transition tables (`evalorg/applications/workflow.py`, the stages that
register into it, e.g. `evalorg/review/transitions.py`, and the stages' own workflows, e.g.
`evalorg/publicity/transitions.py`) by
`.venv/bin/python manage.py workflow_diagram > docs/workflow.md`; a test fails when the tables
and this file disagree. Each arrow is one action: label, then the roles that may perform it;
"batch only" marks an action no page offers case by case (acceptance and filing happen only
through an acceptance batch the leadership group approved, N-4.3).
`perform()` in `evalorg/core/workflow.py` is the only code that changes these states.
Under each diagram, who each action tells and by which channel (its `tell` declaration), or
why it tells nobody.
"""

TITLES = {
    "case": "## The case (`Application.state`)",
    "occupation_line": (
        "## Occupation lines (`ApplicationOccupation.status`): one per application, "
        "occupation and level"
    ),
    "publicity_notice": "## Publicity notices (`publicity.PublicityNotice.status`, N-4.1.3)",
    "objection": "## Objections during publicity (`publicity.Objection.status`, N-4.1.3)",
    "training_session": (
        "## Exam-administration training sessions (`cultivation.TrainingSession.status`, N-4.2)"
    ),
    "scoresheet": "## Expert scoresheets (`review.Scoresheet.status`, 附件3, N-4.1.2)",
    "defense_slot": "## On-site defense slots (`selection.DefenseSlot.state`, 现场答辩, N-4.1.3)",
    "leadership_approval": (
        "## Leadership group approvals (`selection.LeadershipApproval.status`, 领导小组审定): "
        "the selection list (N-4.1.3) and acceptance batches (N-4.3)"
    ),
}


def mermaid(workflow: Workflow) -> str:
    field = workflow.model._meta.get_field(workflow.state_field)
    labels = dict(field.choices)
    lines = ["```mermaid", "stateDiagram-v2"]
    for transition in workflow.table.values():
        roles = ", ".join(sorted(transition.roles)) + ("" if transition.offered else "; batch only")
        for source in sorted(transition.sources):
            lines.append(f"    {source} --> {transition.target}: {transition.action} ({roles})")
    lines.append("```")
    lines.append("")
    lines.append("| state | 中文 |")
    lines.append("|---|---|")
    table = workflow.table.values()
    used = {t.target for t in table} | {s for t in table for s in t.sources}
    lines += [f"| `{value}` | {labels[value]} |" for value in labels if value in used]
    return "\n".join(lines)


def told(transition: Transition) -> str:
    if isinstance(transition.tell, Nobody):
        return f"nobody: {transition.tell.why}"
    if not transition.tell:
        return "not declared"
    return ", ".join(f"{t.party} ({t.channel})" for t in transition.tell)


def audiences(workflow: Workflow) -> str:
    lines = ["| action | 中文 | told |", "|---|---|---|"]
    lines += [f"| `{t.action}` | {t.label} | {told(t)} |" for t in workflow.table.values()]
    return "\n".join(lines)


def title(workflow: Workflow) -> str:
    model = workflow.model
    return TITLES.get(workflow.name, f"## `{model.__name__}.{workflow.state_field}`")


def document() -> str:
    parts = [HEADER]
    for workflow in workflows():
        parts += [title(workflow), "", mermaid(workflow), "", audiences(workflow), ""]
    return "\n".join(parts) + "\n"
