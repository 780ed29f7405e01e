"""An order's `protocol_type` is its `basis`, the name the clinical code gives where a protocol's steps
come from ("label": the product label's row; "order": the order's own mL/h steps): one name for one
thing everywhere. The values are unchanged. The revisions already kept (`order_revision.snapshot`, the
order as it was before an edit) are renamed too, so the history page reads each one's protocol by the
same name; the audit log keeps the field names it recorded, as it recorded them.
"""

import json

from tortoise import migrations
from tortoise.migrations import operations as ops


def _renamed(snapshot: dict, old: str, new: str) -> dict:
    """The snapshot with its key `old` called `new`, in the same place."""
    return {(new if key == old else key): value for key, value in snapshot.items()}


async def _rename_in_snapshots(schema_editor, old: str, new: str) -> None:
    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"
    update = "UPDATE order_revision SET snapshot = $1::jsonb WHERE id = $2" if postgres else \
        "UPDATE order_revision SET snapshot = ? WHERE id = ?"
    for row in await client.execute_query_dict("SELECT id, snapshot FROM order_revision"):
        snapshot = json.loads(row["snapshot"]) if isinstance(row["snapshot"], str) else row["snapshot"]
        if old in snapshot:
            await client.execute_query(update, [json.dumps(_renamed(snapshot, old, new), separators=(",", ":")), row["id"]])


async def snapshots_say_basis(apps, schema_editor) -> None:
    await _rename_in_snapshots(schema_editor, "protocol_type", "basis")


async def snapshots_say_protocol_type(apps, schema_editor) -> None:
    await _rename_in_snapshots(schema_editor, "basis", "protocol_type")


class Migration(migrations.Migration):
    dependencies = [("ivlog", "0020_visit_orders")]

    initial = False

    operations = [
        ops.RenameField(model_name="Order", old_name="protocol_type", new_name="basis"),
        ops.RunPython(snapshots_say_basis, snapshots_say_protocol_type),
    ]
