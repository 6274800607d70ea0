"""Faults (issue 12): a submission whose transaction fails midway leaves the application, its
files and everything around it exactly as before; a second try then succeeds."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.forms.models import model_to_dict

from evalorg.applications import workflow
from evalorg.applications.models import State
from evalorg.core import audit
from evalorg.core.models import AuditEvent, StoredFile
from evalorg.notify import services as notify_services
from evalorg.notify.models import Message, OutboundEmail

from .conftest import SH, applicant_of, build_application

pytestmark = pytest.mark.django_db
IN_PERIOD = datetime(2023, 5, 12, 10, 0, tzinfo=SH)


class AgencyNoticeFailed(RuntimeError):
    pass


def snapshot(application) -> dict:
    """The case row, its lines, its materials with their files (rows and bytes on disk)."""
    application.refresh_from_db()
    materials = application.materials.select_related("file").order_by("pk")
    return {
        "case": model_to_dict(application),
        "lines": list(application.occupations.order_by("pk").values()),
        "materials": [model_to_dict(m) for m in materials],
        "files": {m.file.key: default_storage.open(m.file.storage_path).read() for m in materials},
        "stored_files": StoredFile.objects.count(),
    }


def test_a_submission_failing_midway_changes_nothing(monkeypatch):
    application = build_application()
    before = snapshot(application)
    events, mails, messages = AuditEvent.objects.count(), OutboundEmail.objects.count(), 0

    def fail(*args, **kwargs):  # the last step of submit: the applicant's receipt, told
        raise AgencyNoticeFailed

    monkeypatch.setattr(notify_services, "queue_email", fail)
    with time_machine.travel(IN_PERIOD, tick=False), pytest.raises(AgencyNoticeFailed):
        workflow.perform(application, "submit", applicant_of(application))

    assert snapshot(application) == before
    assert before["case"]["state"] == State.DRAFT and not before["case"]["acknowledgement_no"]
    assert AuditEvent.objects.count() == events and audit.verify_chain().ok
    assert OutboundEmail.objects.count() == mails and Message.objects.count() == messages

    monkeypatch.undo()
    with time_machine.travel(IN_PERIOD, tick=False):
        done = workflow.perform(application, "submit", applicant_of(application))
    assert done.state == State.SUBMITTED and done.acknowledgement_no == "2023-4401-0001"
