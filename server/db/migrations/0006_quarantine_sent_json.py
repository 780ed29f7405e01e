"""Quarantine keeps each submission as ASCII-escaped JSON text (`sent_json`) instead of a JSON column.

PostgreSQL's jsonb refuses NUL (\\u0000) and lone surrogates, so a tablet's entry holding one made the
whole push fail and blocked the outbox. Text written with ensure_ascii holds any character. Existing
rows are copied over before the old column goes: nothing kept aside is lost by this migration.
"""

import json

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


async def copy_content(apps, schema_editor) -> None:
    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"
    update = "UPDATE quarantine SET sent_json = $1 WHERE id = $2" if postgres else \
        "UPDATE quarantine SET sent_json = ? WHERE id = ?"
    for row in await client.execute_query_dict("SELECT id, content FROM quarantine"):
        value = json.loads(row["content"]) if isinstance(row["content"], str) else row["content"]
        await client.execute_query(update, [json.dumps(value, ensure_ascii=True, separators=(",", ":")), row["id"]])


class Migration(migrations.Migration):
    dependencies = [("ivlog", "0005_review_delivery")]

    initial = False

    operations = [
        ops.AddField(model_name="Quarantine", name="sent_json", field=fields.TextField(null=True)),
        ops.RunPython(copy_content),
        ops.AlterField(model_name="Quarantine", name="sent_json", field=fields.TextField()),
        ops.RemoveField(model_name="Quarantine", name="content"),
    ]
