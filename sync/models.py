"""Tables of the sync engine. It knows devices and events, never what a visit means clinically.

`organization_id` and `author_id`/`user_id` are opaque ids handed over by the host's policy.
"""

from __future__ import annotations

import json
from typing import Any

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
    # The latest recorded_at among its accepted events up to acked_through: an event numbered after
    # them but claiming to be recorded earlier was backdated (sync.classify, `backdated`).
    recorded_through_at = fields.DatetimeField(null=True)
    wrap_key = fields.CharField(max_length=64, default="")  # released to this device's live session only
    wiped_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    revoked_reason = fields.CharField(max_length=500, default="")  # the administrator's words, shown to the tablet's nurse
    reregister_allowed_at = fields.DatetimeField(null=True)  # an administrator let its browser register anew

    class Meta:
        table = "device"


class Event(Model):
    """The accepted log. Written once and never updated: `server_seq` follows commit order."""

    id = fields.UUIDField(primary_key=True)
    organization_id = fields.IntField()
    visit_id = fields.UUIDField(db_index=True)
    device_id = fields.UUIDField()
    device_seq = fields.BigIntField()
    kind = fields.CharField(max_length=64)
    schema = fields.IntField()
    occurred_at = fields.DatetimeField()
    recorded_at = fields.DatetimeField()
    received_at = fields.DatetimeField()
    server_seq = fields.BigIntField(unique=True)
    author_id = fields.IntField()
    payload = fields.JSONField()
    content_sha256 = fields.CharField(max_length=64)
    flags = fields.JSONField(default=list)

    class Meta:
        table = "event"
        indexes = (("device_id", "device_seq"), ("organization_id", "server_seq"))


class Quarantine(Model):
    """A submission the server could not accept, kept whole with a reason a nurse can read.

    Nothing here is edited. A later event that resolves it is recorded in `resolved_by`, and a
    reviewer's decision (`sync.review`: accepted into the log, or rejected with a note) in `decision`.
    """

    id = fields.IntField(primary_key=True)
    event_id = fields.UUIDField(db_index=True)
    organization_id = fields.IntField()
    visit_id = fields.UUIDField(null=True, db_index=True)
    device_id = fields.UUIDField()
    device_seq = fields.BigIntField()
    author_id = fields.IntField(db_index=True)
    received_at = fields.DatetimeField()
    sent_json = fields.TextField()  # exactly as sent, as ASCII-escaped JSON text (lossless, any character)
    content_sha256 = fields.CharField(max_length=64)
    code = fields.CharField(max_length=32)
    reason = fields.TextField()
    resolved_by = fields.UUIDField(null=True)
    resolved_at = fields.DatetimeField(null=True)
    decision = fields.CharField(max_length=16, default="")  # "accepted" or "rejected" by a reviewer; "" otherwise
    decided_by = fields.IntField(null=True)  # the reviewer's user id
    decision_note = fields.CharField(max_length=500, default="")  # why it was rejected

    class Meta:
        table = "quarantine"
        indexes = (("device_id", "device_seq"),)

    @property
    def sent(self) -> Any:
        return json.loads(self.sent_json)



class PushRate(Model):
    """A user's push rate (sync.rate): when the user's bucket is full again, in seconds since the epoch.

    One row per user who pushed, moved by one statement per push (see sync.rate)."""

    user_id = fields.IntField(primary_key=True)  # the user's id, given (the column's own numbering is unused)
    full_at = fields.FloatField()

    class Meta:
        table = "push_rate"
