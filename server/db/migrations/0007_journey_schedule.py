"""Scheduling visits: the history of each visit's scheduling (who scheduled, moved or cancelled it,
and why) and the `cancelled` status, which keeps a cancelled visit's row instead of deleting it."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from server.db.models import ScheduleChangeKind, VisitStatus
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('ivlog', '0006_quarantine_sent_json')]

    initial = False

    operations = [
        ops.CreateModel(
            name='VisitScheduleChange',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('ivlog.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='visit_schedule_changes', on_delete=OnDelete.CASCADE)),
                ('visit', fields.ForeignKeyField('ivlog.Visit', source_field='visit_id', db_constraint=True, to_field='id', related_name='schedule_changes', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='SCHEDULED: scheduled\nMOVED: moved\nCANCELLED: cancelled', enum_type=ScheduleChangeKind, max_length=16)),
                ('by', fields.ForeignKeyField('ivlog.User', source_field='by_id', db_constraint=True, to_field='id', related_name='visit_schedule_changes', on_delete=OnDelete.CASCADE)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('scheduled_from', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('scheduled_to', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('series_id', fields.UUIDField(null=True)),
                ('reason', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'visit_schedule_change', 'app': 'ivlog', 'pk_attr': 'id', 'table_description': 'Who scheduled, moved or cancelled a visit, when, from which time to which, and why.'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='Visit',
            name='status',
            field=fields.CharEnumField(default=VisitStatus.SCHEDULED, description='SCHEDULED: scheduled\nIN_PROGRESS: in_progress\nCOMPLETED: completed\nSIGNED: signed\nREVIEWED: reviewed\nREOPENED: reopened\nCANCELLED: cancelled', enum_type=VisitStatus, max_length=16),
        ),
    ]
