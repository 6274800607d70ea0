"""The lifecycle diagram (Mermaid) generated from the transition table, for docs/workflow.md."""

from __future__ import annotations

from .models import State
from .workflow import TABLE

HEADER = """# The case workflow

Generated from `evalorg/applications/workflow.py` by
`.venv/bin/python manage.py workflow_diagram > docs/workflow.md`; a test fails when the table
and this file disagree. Each arrow is one action: label, then the roles that may perform it.
"""


def mermaid() -> str:
    labels = dict(State.choices)
    lines = ["```mermaid", "stateDiagram-v2"]
    for transition in TABLE.values():
        roles = ", ".join(sorted(transition.roles))
        for source in sorted(transition.sources):
            lines.append(f"    {source} --> {transition.target}: {transition.action} ({roles})")
    lines.append("```")
    lines.append("")
    lines.append("| state | 中文 |")
    lines.append("|---|---|")
    used = {t.target for t in TABLE.values()} | {s for t in TABLE.values() for s in t.sources}
    lines += [f"| `{value}` | {labels[value]} |" for value in State.values if value in used]
    return "\n".join(lines)


def document() -> str:
    return HEADER + "\n" + mermaid() + "\n"
