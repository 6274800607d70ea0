"""The defense and leadership models leave review for selection (issue 18): state only."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("selection", "0001_move_to_selection"),
        ("review", "0014_drop_leadership_decision"),
    ]

    # State only: the tables now belong to selection (selection 0001), nothing is dropped.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="defenseslot",
                    name="session",
                ),
                migrations.RemoveField(
                    model_name="defenseslot",
                    name="application",
                ),
                migrations.RemoveField(
                    model_name="leadershipapproval",
                    name="created_by",
                ),
                migrations.RemoveField(
                    model_name="leadershipapproval",
                    name="minutes",
                ),
                migrations.RemoveField(
                    model_name="leadershipapproval",
                    name="recorded_by",
                ),
                migrations.RemoveField(
                    model_name="leadershipapproval",
                    name="round",
                ),
                migrations.RemoveField(
                    model_name="leadershipapprovalentry",
                    name="approval",
                ),
                migrations.RemoveField(
                    model_name="leadershipapprovalentry",
                    name="application",
                ),
                migrations.DeleteModel(
                    name="DefenseSession",
                ),
                migrations.DeleteModel(
                    name="DefenseSlot",
                ),
                migrations.DeleteModel(
                    name="LeadershipApproval",
                ),
                migrations.DeleteModel(
                    name="LeadershipApprovalEntry",
                ),
            ]
        ),
    ]
