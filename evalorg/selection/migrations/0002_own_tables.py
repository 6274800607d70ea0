"""The moved models get selection's own table names, and their content types follow them (so
permissions granted on them are kept)."""

from django.db import migrations

MOVED = ["defensesession", "defenseslot", "leadershipapproval", "leadershipapprovalentry"]


def move_content_types(apps, schema_editor, old: str = "review", new: str = "selection") -> None:
    content_types = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    existing = set(
        content_types.objects.using(db)
        .filter(app_label=new, model__in=MOVED)
        .values_list("model", flat=True)
    )
    content_types.objects.using(db).filter(app_label=old, model__in=MOVED).exclude(
        model__in=existing
    ).update(app_label=new)


def restore_content_types(apps, schema_editor) -> None:
    move_content_types(apps, schema_editor, old="selection", new="review")


class Migration(migrations.Migration):

    dependencies = [
        ('selection', '0001_move_to_selection'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.AlterModelTable(
            name='defensesession',
            table=None,
        ),
        migrations.AlterModelTable(
            name='defenseslot',
            table=None,
        ),
        migrations.AlterModelTable(
            name='leadershipapproval',
            table=None,
        ),
        migrations.AlterModelTable(
            name='leadershipapprovalentry',
            table=None,
        ),
            migrations.RunPython(move_content_types, restore_content_types),
    ]
