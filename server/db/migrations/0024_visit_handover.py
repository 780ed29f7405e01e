"""Each visit keeps what it hands over to the patient's next infusion (server.services.handover): its
reactions, the pharmacist's notes and the rate set for the next infusion, so the next visit's context
reads them without folding this one. Every visit is marked for re-projection (projected_seq 0), so the
start-up sweep fills the new column from the events. Going back drops the column in place: rebuilding
the visit table would delete every row that points at a visit."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from server.db.migration_ops import AddNullableColumn


class Migration(migrations.Migration):
    dependencies = [("ivlog", "0023_order_as_run")]

    initial = False

    operations = [
        AddNullableColumn(model_name="Visit", name="handover", field=fields.JSONField(null=True)),
        ops.RunSQL("UPDATE visit SET projected_seq = 0", reverse_sql="UPDATE visit SET projected_seq = 0"),
    ]
