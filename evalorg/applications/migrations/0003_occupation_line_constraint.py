"""Occupation lines, step 2 of 2: ``level`` required, ``levels`` gone, one line per level."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0002_occupation_line_level"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="applicationoccupation",
            name="levels",
        ),
        migrations.AlterField(
            model_name="applicationoccupation",
            name="level",
            field=models.PositiveSmallIntegerField(
                choices=[
                    (5, "五级/初级工"),
                    (4, "四级/中级工"),
                    (3, "三级/高级工"),
                    (2, "二级/技师"),
                    (1, "一级/高级技师"),
                ],
                verbose_name="申报等级",
            ),
        ),
        migrations.AddConstraint(
            model_name="applicationoccupation",
            constraint=models.UniqueConstraint(
                fields=("application", "occupation", "level"), name="uniq_app_occ_level"
            ),
        ),
        migrations.AlterModelOptions(
            name="applicationoccupation",
            options={
                "ordering": ["occupation_id", "-level"],
                "verbose_name": "申报职业",
                "verbose_name_plural": "申报职业",
            },
        ),
    ]
