"""Order safety (issue 17): an order keeps the pharmacist's override of the safety check (the reason,
who, when, and what it overrode), and each organization may set a default at-risk cap in mg/kg/min for
at-risk patients on products whose label gives no numeric one, with who set it and when."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("ivlog", "0013_org_lock")]

    initial = False

    operations = [
        ops.AddField(model_name="Order", name="safety_override", field=fields.JSONField(null=True)),
        ops.AddField(model_name="Organization", name="at_risk_cap_mg_kg_min", field=fields.FloatField(null=True)),
        ops.AddField(model_name="Organization", name="at_risk_cap_set_by", field=fields.IntField(null=True)),
        ops.AddField(model_name="Organization", name="at_risk_cap_set_at", field=fields.DatetimeField(null=True)),
    ]
