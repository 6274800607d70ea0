"""One model for the leadership group's decisions (issue 18 item 2): created here, filled from
the selection's ``LeadershipDecision`` and filing's ``AcceptanceBatch`` by filing 0005, the old
tables dropped by filing 0005 and review 0014."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0005_list_indexes"),
        ("core", "0002_storedfile"),
        ("review", "0012_defense_slot_state"),
        ("rounds", "0004_round_commitment_template"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="LeadershipApproval",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("selection", "遴选名单"), ("acceptance", "验收批次")],
                        max_length=12,
                        verbose_name="审定事项",
                    ),
                ),
                ("title", models.CharField(blank=True, max_length=100, verbose_name="名称")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("proposed", "待审定"),
                            ("approved", "已审定"),
                            ("published", "已公布"),
                        ],
                        default="proposed",
                        max_length=12,
                        verbose_name="状态",
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="提请时间"),
                ),
                ("decided_on", models.DateField(blank=True, null=True, verbose_name="会议日期")),
                (
                    "meeting_ref",
                    models.CharField(blank=True, max_length=100, verbose_name="会议名称/文号"),
                ),
                ("note", models.TextField(blank=True, max_length=1000, verbose_name="备注")),
                (
                    "recorded_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="记录时间"),
                ),
                ("batch", models.CharField(blank=True, max_length=32, verbose_name="批量操作号")),
                (
                    "published_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="公布时间"),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="提请人",
                    ),
                ),
                (
                    "minutes",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.storedfile",
                        verbose_name="会议纪要",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="审定记录人",
                    ),
                ),
                (
                    "round",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="rounds.round",
                        verbose_name="批次",
                    ),
                ),
            ],
            options={
                "verbose_name": "领导小组审定",
                "verbose_name_plural": "领导小组审定",
                "ordering": ["-created_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="LeadershipApprovalEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("approved", models.BooleanField(default=False, verbose_name="同意")),
                ("note", models.CharField(blank=True, max_length=500, verbose_name="说明")),
                (
                    "application",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="leadership_entries",
                        to="applications.application",
                        verbose_name="申请",
                    ),
                ),
                (
                    "approval",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="entries",
                        to="review.leadershipapproval",
                        verbose_name="领导小组审定",
                    ),
                ),
            ],
            options={
                "verbose_name": "审定事项",
                "verbose_name_plural": "审定事项",
                "ordering": ["pk"],
            },
        ),
        migrations.AddIndex(
            model_name="leadershipapproval",
            index=models.Index(fields=["kind", "round"], name="leadership_kind_round"),
        ),
        migrations.AddConstraint(
            model_name="leadershipapprovalentry",
            constraint=models.UniqueConstraint(
                fields=("approval", "application"), name="uniq_leadership_approval_entry"
            ),
        ),
    ]
