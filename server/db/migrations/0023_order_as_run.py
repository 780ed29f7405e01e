"""A visit that has ended is folded with its orders as they stood when it ended (server.services.order_as_run);
rows folded before with an order edited since are marked for re-projection (projected_seq 0), so the
start-up sweep folds every visit again and lists and queues agree with the pages."""

from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("ivlog", "0022_order_volume")]

    initial = False

    operations = [
        # going back, the older code folds every visit with its orders as they are now: refold them again
        ops.RunSQL("UPDATE visit SET projected_seq = 0", reverse_sql="UPDATE visit SET projected_seq = 0"),
    ]
