"""Each device's latest recorded time up to its high-water mark, to flag backdated entries (issue 16.8).

Null for every existing device: its next push starts the record; nothing it sent before is re-judged.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("ivlog", "0011_journey_revoke")]

    initial = False

    operations = [
        ops.AddField(model_name="Device", name="recorded_through_at", field=fields.DatetimeField(null=True)),
    ]
