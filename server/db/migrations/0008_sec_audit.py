"""Audit entries name the key their HMAC was made with (`key_id`).

Rows already written keep an empty key_id: their plain SHA-256 hashes still verify, and only
as the chain's beginning (server.audit_verify refuses an unkeyed entry after a keyed one, or
at or after the anchor's `keyed_from`). Nothing is re-hashed: the stored hashes stay as written.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("ivlog", "0007_journey_schedule")]

    initial = False

    operations = [
        ops.AddField(model_name="AuditEntry", name="key_id", field=fields.CharField(max_length=16, default="")),
    ]
