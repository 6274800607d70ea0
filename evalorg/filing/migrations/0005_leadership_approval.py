"""Acceptance batches and the selection's leadership decisions become ``LeadershipApproval``
(review 0013): one record of the leadership group's decisions (issue 18 item 2).

Acceptance batches keep their ids, so ``/filing/batches/<id>/`` and the letters' references
(``FilingLetter.batch`` = ``acceptance-<id>``) still point at them; the selection's decisions
follow with new ids (the audit log keeps the old ``leadershipdecision`` ids it was written
with). Both kinds' entries are copied with their approval and note.
"""

from django.core.management.color import no_style
from django.db import migrations


def copy_approvals(apps, schema_editor):
    Approval = apps.get_model("review", "LeadershipApproval")
    Entry = apps.get_model("review", "LeadershipApprovalEntry")
    AcceptanceBatch = apps.get_model("filing", "AcceptanceBatch")
    AcceptanceEntry = apps.get_model("filing", "AcceptanceEntry")
    Decision = apps.get_model("review", "LeadershipDecision")
    DecisionEntry = apps.get_model("review", "LeadershipDecisionEntry")
    for b in AcceptanceBatch.objects.order_by("pk"):
        Approval.objects.create(
            pk=b.pk,
            kind="acceptance",
            round_id=b.round_id,
            title=b.title,
            status=b.status,
            created_by_id=b.created_by_id,
            created_at=b.created_at,
            decided_on=b.decided_on,
            meeting_ref=b.meeting_ref,
            minutes_id=b.minutes_id,
            recorded_by_id=b.approved_by_id,
            published_at=b.published_at,
        )
    Entry.objects.bulk_create(
        Entry(
            approval_id=e.batch_id,
            application_id=e.application_id,
            approved=e.approved,
            note=e.note,
        )
        for e in AcceptanceEntry.objects.order_by("pk")
    )
    # Explicit ids do not move PostgreSQL's sequence: move it before the next inserts.
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Approval]):
            cursor.execute(sql)
    for d in Decision.objects.order_by("pk"):
        approval = Approval.objects.create(
            kind="selection",
            round_id=d.round_id,
            status="approved",
            created_by_id=d.recorded_by_id,
            created_at=d.recorded_at,
            decided_on=d.decided_on,
            meeting_ref=d.meeting_ref,
            minutes_id=d.minutes_id,
            note=d.note,
            recorded_by_id=d.recorded_by_id,
            recorded_at=d.recorded_at,
            batch=d.batch,
        )
        Entry.objects.bulk_create(
            Entry(
                approval_id=approval.pk,
                application_id=e.application_id,
                approved=e.approved,
                note=e.note,
            )
            for e in DecisionEntry.objects.filter(decision_id=d.pk).order_by("pk")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("filing", "0004_verbose_names"),
        ("review", "0013_leadership_approval"),
    ]

    operations = [
        migrations.RunPython(copy_approvals, migrations.RunPython.noop),
        migrations.DeleteModel(name="AcceptanceEntry"),
        migrations.DeleteModel(name="AcceptanceBatch"),
    ]
