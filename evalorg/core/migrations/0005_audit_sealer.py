"""Audit events are written unsealed and sealed into the chain after commit (issue 18, item 5):
``seq``, ``prev_hash`` and ``hash`` may be NULL until then, ``pending_mac`` guards the unsealed
row. Existing events are sealed already and keep every value, so they verify as before.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0004_audit_hmac'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='auditevent',
            options={'ordering': ['id'], 'verbose_name': '审计事件', 'verbose_name_plural': '审计事件'},
        ),
        migrations.AddField(
            model_name='auditevent',
            name='pending_mac',
            field=models.CharField(blank=True, default=None, max_length=96, null=True, unique=True, verbose_name='待封存校验码'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='hash',
            field=models.CharField(blank=True, max_length=64, null=True, unique=True, verbose_name='哈希'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='prev_hash',
            field=models.CharField(blank=True, max_length=64, null=True, verbose_name='前一哈希'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='seq',
            field=models.PositiveBigIntegerField(blank=True, null=True, unique=True, verbose_name='序号'),
        ),
    ]
