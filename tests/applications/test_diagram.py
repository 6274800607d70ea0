"""docs/workflow.md is generated from the transition table and must match it."""

from pathlib import Path

from django.conf import settings

from evalorg.applications.diagram import document


def test_workflow_doc_matches_the_table():
    doc = Path(settings.BASE_DIR, "docs", "workflow.md").read_text(encoding="utf-8")
    assert doc == document(), "run: manage.py workflow_diagram > docs/workflow.md"
