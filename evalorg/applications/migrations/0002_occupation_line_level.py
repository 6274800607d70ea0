"""Occupation lines, step 1 of 2: one row per (application, occupation, level).

Adds ``level``, drops the (application, occupation) constraint and splits every row's JSON
``levels`` into one row per level: the highest level number (五级 first) stays on the existing
row, each further level gets a new row with the same status. 0003 then drops ``levels`` and adds
the new constraint. The two steps are separate migrations, so on PostgreSQL the rows inserted
here (deferred foreign-key checks pending) are committed before 0003 alters the table.
"""

from django.db import migrations, models

SKILL_LEVELS = range(1, 6)


def clean_levels(row) -> list[int]:
    """The row's distinct levels, 五级 first; a value that is not a level 1-5 stops the migration."""
    levels = set()
    for value in row.levels or []:
        try:
            level = int(value)
        except (TypeError, ValueError):
            level = None
        if level not in SKILL_LEVELS:
            raise ValueError(
                f"ApplicationOccupation {row.pk}: level {value!r} is not a skill level 1-5; "
                "fix the row before migrating."
            )
        levels.add(level)
    return sorted(levels, reverse=True)


def split_levels(apps, schema_editor):
    line_model = apps.get_model("applications", "ApplicationOccupation")
    empty, extra = [], []
    for row in line_model.objects.order_by("pk").iterator():
        levels = clean_levels(row)
        if not levels:
            empty.append(row.pk)  # names no level: there is no line to keep
            continue
        row.level = levels[0]
        row.save(update_fields=["level"])
        extra.extend(
            line_model(
                application_id=row.application_id,
                occupation_id=row.occupation_id,
                level=level,
                levels=[],
                status=row.status,
            )
            for level in levels[1:]
        )
    line_model.objects.filter(pk__in=empty).delete()
    line_model.objects.bulk_create(extra)


def merge_levels(apps, schema_editor):
    """Reverse: one row per (application, occupation) again; the lowest pk keeps its status."""
    line_model = apps.get_model("applications", "ApplicationOccupation")
    kept: dict[tuple[int, str], object] = {}
    duplicates = []
    for row in line_model.objects.order_by("pk").iterator():
        key = (row.application_id, row.occupation_id)
        if key in kept:
            kept[key].levels.append(row.level)
            duplicates.append(row.pk)
        else:
            row.levels = [row.level]
            kept[key] = row
    for row in kept.values():
        row.levels = sorted(set(row.levels), reverse=True)
        row.save(update_fields=["levels"])
    line_model.objects.filter(pk__in=duplicates).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="applicationoccupation",
            name="level",
            field=models.PositiveSmallIntegerField(null=True, verbose_name="申报等级"),
        ),
        migrations.RemoveConstraint(
            model_name="applicationoccupation",
            name="uniq_app_occ",
        ),
        migrations.RunPython(split_levels, merge_levels),
    ]
