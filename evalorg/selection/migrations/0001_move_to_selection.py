"""The provincial selection's models move here from review (issue 18): state only, same tables."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('applications', '0005_list_indexes'),
        ("core", "0002_storedfile"),
        ('review', '0014_drop_leadership_decision'),
        ('rounds', '0004_round_commitment_template'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # The tables exist (review 0004/0013): only the migration state moves here; 0002 renames them.
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
        migrations.CreateModel(
            name='DefenseSession',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('date', models.DateField(verbose_name='答辩日期')),
                ('start_time', models.TimeField(verbose_name='开始时间')),
                ('place', models.CharField(max_length=200, verbose_name='答辩地点')),
                ('minutes_per_slot', models.PositiveSmallIntegerField(verbose_name='每家时长（分钟）')),
                ('created_at', models.DateTimeField(verbose_name='创建时间')),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='创建人')),
                ('panel', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='defense_sessions', to='review.panel', verbose_name='评审组')),
                ('round', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='defense_sessions', to='rounds.round', verbose_name='批次')),
            ],
            options={
                'db_table': 'review_defensesession',
                'verbose_name': '现场答辩场次',
                'verbose_name_plural': '现场答辩场次',
                'ordering': ['date', 'start_time', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='LeadershipApproval',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('selection', '遴选名单'), ('acceptance', '验收批次')], max_length=12, verbose_name='审定事项')),
                ('title', models.CharField(blank=True, max_length=100, verbose_name='名称')),
                ('status', models.CharField(choices=[('proposed', '待审定'), ('approved', '已审定'), ('published', '已公布')], default='proposed', max_length=12, verbose_name='状态')),
                ('created_at', models.DateTimeField(blank=True, null=True, verbose_name='提请时间')),
                ('decided_on', models.DateField(blank=True, null=True, verbose_name='会议日期')),
                ('meeting_ref', models.CharField(blank=True, max_length=100, verbose_name='会议名称/文号')),
                ('note', models.TextField(blank=True, max_length=1000, verbose_name='备注')),
                ('recorded_at', models.DateTimeField(blank=True, null=True, verbose_name='记录时间')),
                ('batch', models.CharField(blank=True, max_length=32, verbose_name='批量操作号')),
                ('published_at', models.DateTimeField(blank=True, null=True, verbose_name='公布时间')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='提请人')),
                ('minutes', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.storedfile', verbose_name='会议纪要')),
                ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='审定记录人')),
                ('round', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rounds.round', verbose_name='批次')),
            ],
            options={
                'db_table': 'review_leadershipapproval',
                'verbose_name': '领导小组审定',
                'verbose_name_plural': '领导小组审定',
                'ordering': ['-created_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='LeadershipApprovalEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('approved', models.BooleanField(default=False, verbose_name='同意')),
                ('note', models.CharField(blank=True, max_length=500, verbose_name='说明')),
                ('application', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='leadership_entries', to='applications.application', verbose_name='申请')),
                ('approval', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='entries', to='selection.leadershipapproval', verbose_name='领导小组审定')),
            ],
            options={
                'db_table': 'review_leadershipapprovalentry',
                'verbose_name': '审定事项',
                'verbose_name_plural': '审定事项',
                'ordering': ['pk'],
            },
        ),
        migrations.CreateModel(
            name='DefenseSlot',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveSmallIntegerField(verbose_name='顺序')),
                ('state', models.CharField(choices=[('offered', '待确认'), ('confirmed', '已确认'), ('reschedule_requested', '申请调整时间'), ('moved', '已调整，待确认'), ('attended', '出席'), ('absent', '缺席')], default='offered', max_length=20, verbose_name='状态')),
                ('change_reason', models.TextField(blank=True, max_length=500, verbose_name='调整理由')),
                ('confirmed_at', models.DateTimeField(blank=True, null=True, verbose_name='确认时间')),
                ('reminded_at', models.DateTimeField(blank=True, null=True, verbose_name='提醒时间')),
                ('application', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='defense_slots', to='applications.application', verbose_name='申请')),
                ('session', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='slots', to='selection.defensesession')),
            ],
            options={
                'db_table': 'review_defenseslot',
                'verbose_name': '现场答辩安排',
                'verbose_name_plural': '现场答辩安排',
                'ordering': ['session_id', 'position', 'pk'],
                'constraints': [models.UniqueConstraint(fields=('application',), name='uniq_defense_slot_application')],
            },
        ),
        migrations.AddIndex(
            model_name='leadershipapproval',
            index=models.Index(fields=['kind', 'round'], name='leadership_kind_round'),
        ),
        migrations.AddConstraint(
            model_name='leadershipapprovalentry',
            constraint=models.UniqueConstraint(fields=('approval', 'application'), name='uniq_leadership_approval_entry'),
        ),
            ]),
    ]
