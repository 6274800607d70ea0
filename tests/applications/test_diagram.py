"""docs/workflow.md is generated from the transition table and must match it."""

from pathlib import Path

from django.conf import settings

from evalorg.applications.diagram import document


def test_workflow_doc_matches_the_table():
    doc = Path(settings.BASE_DIR, "docs", "workflow.md").read_text(encoding="utf-8")
    assert doc == document(), "run: manage.py workflow_diagram > docs/workflow.md"


def test_every_audited_action_has_a_chinese_label():
    """No English action names in any history (issue 10): every ``audit.record("…")`` in the
    code and every transition has a label."""
    import re

    from evalorg.applications.templatetags.case_tags import event_label

    actions = set()
    for path in Path(settings.BASE_DIR, "evalorg").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        actions |= set(re.findall(r'audit\.record\(\s*"([a-z_]+)"', text))
        actions |= {
            a for pair in re.findall(r'"([a-z_]+)" if \w+ else "([a-z_]+)"', text) for a in pair
        }
    unlabelled = sorted(a for a in actions if event_label(a) == a)
    assert unlabelled == []
