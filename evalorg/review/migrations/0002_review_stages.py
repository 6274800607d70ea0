"""Review per stage (issue 7): a ReviewStage per application and stage owns the verification
checks and the decision; panels belong to a stage instead of a level taken from the agency.

Existing data migrates: every case that reached an agency gets its first-instance record (city
assessment, or the provincial center's first instance), with its checks and the old
``Recommendation`` copied in; cases already sent get a provincial selection record.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

SENT_STATES = {
    "province_review",
    "selected",
    "rejected",
    "leadership_approved",
    "in_publicity",
    "objection_upheld",
    "cultivating",
    "accepted",
    "filed",
    "eliminated",
}


def first_instance(agency) -> str:
    return "province_first_instance" if agency.kind == "province" else "city_assessment"


def forwards(apps, schema_editor):
    Application = apps.get_model("applications", "Application")
    Agency = apps.get_model("accounts", "Agency")
    Panel = apps.get_model("review", "Panel")
    ReviewStage = apps.get_model("review", "ReviewStage")
    VerificationCheck = apps.get_model("review", "VerificationCheck")
    Recommendation = apps.get_model("review", "Recommendation")

    Panel.objects.filter(level="province").update(stage="province_first_instance")
    Panel.objects.exclude(level="province").update(stage="city_assessment")
    center = Agency.objects.filter(kind="province").first()
    decisions = {r.application_id: r for r in Recommendation.objects.all()}
    cases = Application.objects.exclude(state="draft").exclude(receiving_agency=None)
    for case in cases.select_related("receiving_agency").iterator():
        decision = decisions.get(case.pk)
        opened = case.submitted_at or case.created_at
        record = ReviewStage.objects.create(
            application=case,
            stage=first_instance(case.receiving_agency),
            agency=case.receiving_agency,
            opened_at=opened,
            recommended=decision.recommended if decision else None,
            reason=decision.reason if decision else "",
            rank=decision.rank if decision else None,
            total=decision.total if decision else None,
            decided_by_id=decision.decided_by_id if decision else None,
            decided_at=decision.decided_at if decision else None,
            sent_at=decision.sent_at if decision else None,
        )
        VerificationCheck.objects.filter(application=case).update(review=record)
        if case.state in SENT_STATES and center is not None:
            ReviewStage.objects.create(
                application=case,
                stage="province_selection",
                agency=center,
                opened_at=(decision.sent_at if decision and decision.sent_at else opened),
            )
    # Checks of cases that never reached an agency cannot belong to a stage.
    VerificationCheck.objects.filter(review=None).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_system_actor"),
        ("applications", "0001_initial"),
        ("review", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ReviewStage",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "stage",
                    models.CharField(
                        choices=[
                            ("city_assessment", "地市评估"),
                            ("province_first_instance", "省中心初审评估"),
                            ("province_selection", "省级遴选评审"),
                        ],
                        max_length=30,
                        verbose_name="评审阶段",
                    ),
                ),
                ("opened_at", models.DateTimeField(verbose_name="开始时间")),
                ("recommended", models.BooleanField(blank=True, null=True, verbose_name="推荐")),
                ("reason", models.TextField(blank=True, verbose_name="理由")),
                ("rank", models.PositiveIntegerField(blank=True, null=True, verbose_name="排名")),
                (
                    "total",
                    models.DecimalField(
                        blank=True, decimal_places=2, max_digits=6, null=True, verbose_name="总分"
                    ),
                ),
                ("decided_at", models.DateTimeField(blank=True, null=True, verbose_name="决定时间")),
                (
                    "sent_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="报送省中心时间"),
                ),
                (
                    "sent_batch",
                    models.CharField(blank=True, max_length=32, verbose_name="报送批次号"),
                ),
                (
                    "agency",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.agency",
                        verbose_name="评审机构",
                    ),
                ),
                (
                    "application",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="review_stages",
                        to="applications.application",
                    ),
                ),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "阶段评审记录",
                "verbose_name_plural": "阶段评审记录",
                "ordering": ["application_id", "opened_at", "pk"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("application", "stage"), name="uniq_review_stage"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="panel",
            name="stage",
            field=models.CharField(
                choices=[
                    ("city_assessment", "地市评估"),
                    ("province_first_instance", "省中心初审评估"),
                    ("province_selection", "省级遴选评审"),
                ],
                default="city_assessment",
                max_length=30,
                verbose_name="评审阶段",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="verificationcheck",
            name="review",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="verification_checks",
                to="review.reviewstage",
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
