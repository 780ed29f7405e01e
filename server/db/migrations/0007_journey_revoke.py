"""A revoked tablet's reason and re-registration, and a reviewer's decision on an entry kept aside.

Revocation now records the administrator's reason (shown to the tablet's nurse) and whether the
administrator allowed the browser to register again. Quarantined entries a revoked tablet handed
over are accepted into the log or rejected by a pharmacist: who decided, what, and why.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("ivlog", "0006_quarantine_sent_json")]

    initial = False

    operations = [
        ops.AddField(model_name="Device", name="revoked_reason", field=fields.TextField(default="")),
        ops.AddField(model_name="Device", name="reregister_allowed_at", field=fields.DatetimeField(null=True)),
        ops.AddField(model_name="Quarantine", name="decision", field=fields.CharField(default="", max_length=16)),
        ops.AddField(model_name="Quarantine", name="decided_by", field=fields.IntField(null=True)),
        ops.AddField(model_name="Quarantine", name="decision_note", field=fields.TextField(default="")),
    ]
