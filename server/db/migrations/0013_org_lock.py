"""Each organization may set how many idle minutes its tablets wait before locking (null: the
deployment's IVLOG_TABLET_LOCK_MIN). A nurse at a long infusion typed her PIN ~16 times in one visit
at the fixed 5 minutes; an administrator can now choose 1-30."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("ivlog", "0012_sec_time")]

    initial = False

    operations = [
        ops.AddField(model_name="Organization", name="tablet_lock_min", field=fields.IntField(null=True)),
    ]
