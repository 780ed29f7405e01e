from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('ivlog', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Event',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('organization_id', fields.IntField()),
                ('visit_id', fields.UUIDField(db_index=True)),
                ('device_id', fields.UUIDField()),
                ('device_seq', fields.BigIntField()),
                ('kind', fields.CharField(max_length=64)),
                ('schema', fields.IntField()),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('recorded_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('server_seq', fields.BigIntField(unique=True)),
                ('author_id', fields.IntField()),
                ('payload', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('content_sha256', fields.CharField(max_length=64)),
                ('flags', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'event', 'app': 'ivlog', 'indexes': [Index(fields=['device_id', 'device_seq']), Index(fields=['organization_id', 'server_seq'])], 'pk_attr': 'id', 'table_description': 'The accepted log. Written once and never updated: `server_seq` follows commit order.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Quarantine',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event_id', fields.UUIDField(db_index=True)),
                ('organization_id', fields.IntField()),
                ('visit_id', fields.UUIDField(null=True, db_index=True)),
                ('device_id', fields.UUIDField()),
                ('device_seq', fields.BigIntField()),
                ('author_id', fields.IntField(db_index=True)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('content', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('content_sha256', fields.CharField(max_length=64)),
                ('code', fields.CharField(max_length=32)),
                ('reason', fields.TextField(unique=False)),
                ('resolved_by', fields.UUIDField(null=True)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'quarantine', 'app': 'ivlog', 'indexes': [Index(fields=['device_id', 'device_seq'])], 'pk_attr': 'id', 'table_description': 'A submission the server could not accept, kept whole with a reason a nurse can read.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Device',
            name='wiped_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
