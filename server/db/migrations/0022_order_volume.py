"""A hydration order (therapy `hydration`, order kind fixed_dose; LABELS.md s.6) is written as a volume over
a time ("500 mL over 120 min"), not in g/kg: `order.volume_ml` and `order.duration_min` hold them. Both are
null on every other order, so the orders already written need no change.

Going back drops the two columns with `ALTER TABLE ... DROP COLUMN` (SQLite 3.35+, PostgreSQL): Tortoise's
own way on SQLite rebuilds the table, and its `DROP TABLE "order"` with foreign keys on deletes every
visit and kept revision that points at an order (ON DELETE CASCADE)."""

from tortoise import fields, migrations

from server.db.migration_ops import AddNullableColumn


class Migration(migrations.Migration):
    dependencies = [("ivlog", "0021_order_basis")]

    initial = False

    operations = [
        AddNullableColumn(model_name="Order", name="volume_ml", field=fields.FloatField(null=True)),
        AddNullableColumn(model_name="Order", name="duration_min", field=fields.IntField(null=True)),
    ]
