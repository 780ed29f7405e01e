"""Each visit keeps the rate its patient tolerated (the fold's last tolerated rate), so the next visit of
the series can offer it as the target without folding the old visit again. Every visit is marked for
re-projection (projected_seq 0), so the start-up sweep fills the new column from the events."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("ivlog", "0017_catalogue_revisions")]

    initial = False

    operations = [
        ops.AddField(model_name="Visit", name="last_tolerated_rate_ml_h", field=fields.FloatField(null=True)),
        ops.RunSQL("UPDATE visit SET projected_seq = 0"),
    ]
