"""Review per stage, second half: drop what the data migration made redundant.

Separate from 0002 so that PostgreSQL never alters a table with pending trigger events from
the data migration in the same transaction.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("review", "0002_review_stages")]

    operations = [
        migrations.RemoveConstraint(model_name="verificationcheck", name="uniq_check"),
        migrations.RemoveField(model_name="verificationcheck", name="application"),
        migrations.AlterField(
            model_name="verificationcheck",
            name="review",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="verification_checks",
                to="review.reviewstage",
            ),
        ),
        migrations.AddConstraint(
            model_name="verificationcheck",
            constraint=models.UniqueConstraint(
                fields=("review", "item_code"), name="uniq_stage_check"
            ),
        ),
        migrations.RemoveConstraint(model_name="panel", name="uniq_panel"),
        migrations.RemoveField(model_name="panel", name="level"),
        migrations.AddConstraint(
            model_name="panel",
            constraint=models.UniqueConstraint(
                fields=("agency", "round", "stage"), name="uniq_panel_stage"
            ),
        ),
        migrations.DeleteModel(name="Recommendation"),
    ]
