"""Push rate per user (`sync.models.PushRate`, issue 16.9): a token bucket kept in the database,
so that every server process counts the same pushes."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('ivlog', '0008_sec_audit')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PushRate',
            fields=[
                ('user_id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('full_at', fields.FloatField()),
            ],
            options={'table': 'push_rate', 'app': 'ivlog', 'pk_attr': 'user_id', 'table_description': "A user's push rate (sync.rate): when the user's bucket is full again, in seconds since the epoch."},
            bases=['Model'],
        ),
    ]
