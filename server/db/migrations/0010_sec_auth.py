"""Security fixes of issues 16 and 19.

- `desk_device`: each desk user's device is random (uuid4) and its device_seq comes from this row.
  A desk device made under the old predictable scheme (uuid5 of a constant and the user id) and
  bound to its own user is carried over with its numbering, so existing desks keep working. One
  that another user claimed first is left to that user: the desk user gets a fresh random device.
- `login_attempt` replaces `login_failure`: attempts are recorded before the password is checked.
  The failures counted so far are not carried over (they expire within minutes anyway).
"""

import uuid

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

OLD_DESK_NAMESPACE = uuid.UUID("4f6b2a52-1d0e-5b1c-9a57-6b1e2d0c7a11")  # the retired uuid5 scheme


async def carry_over_desk_devices(apps, schema_editor) -> None:
    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"
    mark = (lambda n: f"${n}") if postgres else (lambda n: "?")
    for device in await client.execute_query_dict("SELECT id, user_id, acked_through FROM device"):
        device_id = uuid.UUID(str(device["id"]))
        if device_id != uuid.uuid5(OLD_DESK_NAMESPACE, f"desk-user:{device['user_id']}"):
            continue  # a tablet, or an old desk id claimed by someone else (that user keeps it)
        param = device_id if postgres else str(device_id)
        last = int(device["acked_through"])
        for table in ("event", "quarantine"):
            rows = await client.execute_query_dict(
                f"SELECT MAX(device_seq) AS seq FROM {table} WHERE device_id = {mark(1)}", [param])
            last = max(last, int(rows[0]["seq"] or 0))
        await client.execute_query(
            f"INSERT INTO desk_device (user_id, device_id, last_seq) VALUES ({mark(1)}, {mark(2)}, {mark(3)})",
            [device["user_id"], param, last])


class Migration(migrations.Migration):
    dependencies = [('ivlog', '0009_sec_quota')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DeskDevice',
            fields=[
                ('user', fields.OneToOneField('ivlog.User', source_field='user_id', primary_key=True, db_index=True, db_constraint=True, to_field='id', related_name='desk_device', on_delete=OnDelete.CASCADE)),
                ('device_id', fields.UUIDField(unique=True)),
                ('last_seq', fields.BigIntField(default=0)),
            ],
            options={'table': 'desk_device', 'app': 'ivlog', 'pk_attr': 'user_id', 'table_description': "The sync device a desk user's review events are pushed from (server.services.desk_events)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LoginAttempt',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(max_length=64)),
                ('source', fields.CharField(max_length=64)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'login_attempt', 'app': 'ivlog', 'indexes': [Index(fields=['key', 'at'])], 'pk_attr': 'id', 'table_description': 'A login attempt under one throttle key (an HMAC, so a password typed as a username is never'},
            bases=['Model'],
        ),
        ops.DeleteModel(name='LoginFailure'),
        ops.AlterModelOptions(  # what the autodetector asks for after a CreateModel keyed by a OneToOneField
            name='DeskDevice',
            options={'table': 'desk_device', 'app': 'ivlog', 'pk_attr': 'user_id', 'table_description': "The sync device a desk user's review events are pushed from (server.services.desk_events)."},
        ),
        ops.RunPython(carry_over_desk_devices),
    ]
