"""The selection's ``LeadershipDecision`` is now a ``LeadershipApproval`` of kind selection
(copied by filing 0005)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("review", "0013_leadership_approval"),
        ("filing", "0005_leadership_approval"),
    ]

    operations = [
        migrations.DeleteModel(name="LeadershipDecisionEntry"),
        migrations.DeleteModel(name="LeadershipDecision"),
    ]
