"""DefenseSlot: one ``state`` (the slot's workflow) instead of ``confirmation`` and
``attendance``; the data is carried over (attendance, once recorded, wins)."""

from django.db import migrations, models

FORWARD = {"pending": "offered", "confirmed": "confirmed", "change_requested": "reschedule_requested"}
BACKWARD = {
    "offered": ("pending", "unknown"),
    "moved": ("pending", "unknown"),
    "confirmed": ("confirmed", "unknown"),
    "reschedule_requested": ("change_requested", "unknown"),
    "attended": ("confirmed", "present"),
    "absent": ("confirmed", "absent"),
}


def to_state(apps, schema_editor):
    DefenseSlot = apps.get_model("review", "DefenseSlot")
    slots = list(DefenseSlot.objects.all())
    for slot in slots:
        if slot.attendance == "present":
            slot.state = "attended"
        elif slot.attendance == "absent":
            slot.state = "absent"
        else:
            slot.state = FORWARD.get(slot.confirmation, "offered")
    DefenseSlot.objects.bulk_update(slots, ["state"], batch_size=500)


def from_state(apps, schema_editor):
    DefenseSlot = apps.get_model("review", "DefenseSlot")
    slots = list(DefenseSlot.objects.all())
    for slot in slots:
        slot.confirmation, slot.attendance = BACKWARD.get(slot.state, ("pending", "unknown"))
    DefenseSlot.objects.bulk_update(slots, ["confirmation", "attendance"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("review", "0011_scoresheet_reopened")]

    operations = [
        migrations.AddField(
            model_name="defenseslot",
            name="state",
            field=models.CharField(
                choices=[
                    ("offered", "待确认"),
                    ("confirmed", "已确认"),
                    ("reschedule_requested", "申请调整时间"),
                    ("moved", "已调整，待确认"),
                    ("attended", "出席"),
                    ("absent", "缺席"),
                ],
                default="offered",
                max_length=20,
                verbose_name="状态",
            ),
        ),
        migrations.RunPython(to_state, from_state),
        migrations.RemoveField(model_name="defenseslot", name="attendance"),
        migrations.RemoveField(model_name="defenseslot", name="confirmation"),
    ]
