"""Supplementary filing letters (补充备案函, issue 19 item 5): a case may have more than one
letter (its first, ``kind`` filing, at most one; then one per later acceptance batch for the
lines that passed after it was filed early), and each letter records the approved batch entry
it was issued for. Letters issued so far are linked to their entry through the batch
reference they carry (``acceptance-<id>``)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def link_entries(apps, schema_editor):
    Letter = apps.get_model("filing", "FilingLetter")
    Entry = apps.get_model("selection", "LeadershipApprovalEntry")
    for letter in Letter.objects.filter(batch__startswith="acceptance-").order_by("pk"):
        approval = letter.batch.removeprefix("acceptance-")
        if not approval.isdigit():
            continue
        entry = Entry.objects.filter(
            approval_id=int(approval), application_id=letter.application_id
        ).first()
        if entry is not None:
            letter.entry = entry
            letter.save(update_fields=["entry"])


class Migration(migrations.Migration):

    dependencies = [
        ('applications', '0005_list_indexes'),
        ('core', '0005_audit_sealer'),
        ('filing', '0005_leadership_approval'),
        ('selection', '0002_own_tables'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='filingletter',
            name='entry',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='filing_letter', to='selection.leadershipapprovalentry', verbose_name='验收批次审定事项'),
        ),
        migrations.AddField(
            model_name='filingletter',
            name='kind',
            field=models.CharField(choices=[('filing', '备案函'), ('supplementary', '补充备案函')], default='filing', max_length=16, verbose_name='类型'),
        ),
        migrations.AlterField(
            model_name='filingletter',
            name='application',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='filing_letters', to='applications.application', verbose_name='备案申请'),
        ),
        migrations.AlterField(
            model_name='filingletter',
            name='original',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='filing.filingletter', verbose_name='原备案函（新增职业、补充备案沿用其有效期）'),
        ),
        migrations.AddConstraint(
            model_name='filingletter',
            constraint=models.UniqueConstraint(condition=models.Q(('kind', 'filing')), fields=('application',), name='one_filing_letter_per_case'),
        ),
        migrations.RunPython(link_entries, migrations.RunPython.noop),
    ]
