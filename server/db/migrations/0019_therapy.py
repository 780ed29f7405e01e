"""An order carries its therapy (products.json `therapies`), the therapy of its product: the visit's
rules run by it (rules.json `applies_to`). Every order so far is IVIG, the only therapy with products."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("ivlog", "0018_infusion_series")]

    initial = False

    operations = [
        ops.AddField(model_name="Order", name="therapy", field=fields.CharField(max_length=32, default="ivig")),
    ]
