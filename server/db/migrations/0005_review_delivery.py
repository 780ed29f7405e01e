from tortoise import migrations
from tortoise.migrations import operations as ops
from server.db.review_models import DisclosureChannel, OutboxStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('ivlog', '0004_visit_projected_seq')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Disclosure',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('ivlog.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='disclosures', on_delete=OnDelete.CASCADE)),
                ('visit', fields.ForeignKeyField('ivlog.Visit', source_field='visit_id', db_constraint=True, to_field='id', related_name='disclosures', on_delete=OnDelete.CASCADE)),
                ('patient', fields.ForeignKeyField('ivlog.Patient', source_field='patient_id', db_constraint=True, to_field='id', related_name='disclosures', on_delete=OnDelete.CASCADE)),
                ('disclosed_by', fields.ForeignKeyField('ivlog.User', source_field='disclosed_by_id', null=True, db_constraint=True, to_field='id', related_name='disclosures_made', on_delete=OnDelete.CASCADE)),
                ('recipient_user', fields.ForeignKeyField('ivlog.User', source_field='recipient_user_id', null=True, db_constraint=True, to_field='id', related_name='disclosures_received', on_delete=OnDelete.CASCADE)),
                ('recipient', fields.CharField(max_length=254)),
                ('channel', fields.CharEnumField(description='SCREEN: screen\nPDF: pdf\nFHIR: fhir\nINBOX: inbox\nEMAIL: email', enum_type=DisclosureChannel, max_length=8)),
                ('content', fields.CharField(max_length=32)),
                ('review_event_id', fields.UUIDField(null=True)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'disclosure', 'app': 'ivlog', 'indexes': [Index(fields=['visit_id', 'at'])], 'pk_attr': 'id', 'table_description': 'A summary or export that left the record: who disclosed it, to whom, what, when.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InboxItem',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('ivlog.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='inbox_items', on_delete=OnDelete.CASCADE)),
                ('physician', fields.ForeignKeyField('ivlog.User', source_field='physician_id', db_constraint=True, to_field='id', related_name='inbox_items', on_delete=OnDelete.CASCADE)),
                ('visit', fields.ForeignKeyField('ivlog.Visit', source_field='visit_id', db_constraint=True, to_field='id', related_name='inbox_items', on_delete=OnDelete.CASCADE)),
                ('review_event_id', fields.UUIDField()),
                ('released_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('read_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'inbox_item', 'app': 'ivlog', 'unique_together': (('physician', 'review_event_id'),), 'pk_attr': 'id', 'table_description': "A reviewed visit's summary waiting in a physician's in-app inbox."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OutboxMessage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('ivlog.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='outbox_messages', on_delete=OnDelete.CASCADE)),
                ('visit', fields.ForeignKeyField('ivlog.Visit', source_field='visit_id', db_constraint=True, to_field='id', related_name='outbox_messages', on_delete=OnDelete.CASCADE)),
                ('recipient', fields.ForeignKeyField('ivlog.User', source_field='recipient_id', db_constraint=True, to_field='id', related_name='outbox_messages', on_delete=OnDelete.CASCADE)),
                ('to_address', fields.CharField(max_length=254)),
                ('review_event_id', fields.UUIDField()),
                ('released_by', fields.ForeignKeyField('ivlog.User', source_field='released_by_id', null=True, db_constraint=True, to_field='id', related_name='outbox_released', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharEnumField(default=OutboxStatus.PENDING, description='PENDING: pending\nSENT: sent\nFAILED: failed', enum_type=OutboxStatus, max_length=8)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('locked_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'outbox_message', 'app': 'ivlog', 'unique_together': (('review_event_id', 'recipient'),), 'pk_attr': 'id', 'table_description': 'One summary to mail to one physician, retried with backoff until sent or given up.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DeliveryAttempt',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('message', fields.ForeignKeyField('ivlog.OutboxMessage', source_field='message_id', db_constraint=True, to_field='id', related_name='delivery_attempts', on_delete=OnDelete.CASCADE)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('outcome', fields.CharField(max_length=8)),
                ('detail', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'delivery_attempt', 'app': 'ivlog', 'pk_attr': 'id', 'table_description': 'One try at sending an outbox message, and what the mail server said.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReleaseCursor',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('through_seq', fields.BigIntField(default=0)),
            ],
            options={'table': 'release_cursor', 'app': 'ivlog', 'pk_attr': 'id', 'table_description': 'How far the sign-off release has read the event log (server_seq), like a pull cursor.'},
            bases=['Model'],
        ),
    ]
