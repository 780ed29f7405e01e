"""A revoked tablet's reason and re-registration, and a reviewer's decision on an entry kept aside.

Revocation now records the administrator's reason (shown to the tablet's nurse) and whether the
administrator allowed the browser to register again. Quarantined entries a revoked tablet handed
over are accepted into the log or rejected by a pharmacist: who decided, what, and why.
The text columns are added nullable, filled with "" on existing rows, then made NOT NULL (SQLite
cannot add a NOT NULL column to a table that holds rows without a default in the DDL).
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

FILLED = (("device", "revoked_reason"), ("quarantine", "decision"), ("quarantine", "decision_note"))


async def fill_empty(apps, schema_editor) -> None:
    for table, column in FILLED:
        await schema_editor.client.execute_query(f"UPDATE {table} SET {column} = '' WHERE {column} IS NULL")


class Migration(migrations.Migration):
    dependencies = [("ivlog", "0010_sec_auth")]

    initial = False

    operations = [
        ops.AddField(model_name="Device", name="revoked_reason", field=fields.CharField(max_length=500, null=True)),
        ops.AddField(model_name="Device", name="reregister_allowed_at", field=fields.DatetimeField(null=True)),
        ops.AddField(model_name="Quarantine", name="decision", field=fields.CharField(max_length=16, null=True)),
        ops.AddField(model_name="Quarantine", name="decided_by", field=fields.IntField(null=True)),
        ops.AddField(model_name="Quarantine", name="decision_note", field=fields.CharField(max_length=500, null=True)),
        ops.RunPython(fill_empty),
        ops.AlterField(model_name="Device", name="revoked_reason", field=fields.CharField(default="", max_length=500)),
        ops.AlterField(model_name="Quarantine", name="decision", field=fields.CharField(default="", max_length=16)),
        ops.AlterField(model_name="Quarantine", name="decision_note", field=fields.CharField(default="", max_length=500)),
    ]
