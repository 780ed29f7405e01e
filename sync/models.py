"""Tables of the sync engine. It knows devices and events, never what a visit means clinically.

`organization_id` and `user_id` are opaque ids handed over by the host application's policy.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Device(Model):
    """A tablet: bound to the user who first used it. Revocation takes effect at the next request."""

    id = fields.UUIDField(primary_key=True)
    organization_id = fields.IntField(db_index=True)
    user_id = fields.IntField(db_index=True)
    label = fields.CharField(max_length=100, default="")
    created_at = fields.DatetimeField()
    last_seen_at = fields.DatetimeField()
    acked_through = fields.BigIntField(default=0)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "device"
