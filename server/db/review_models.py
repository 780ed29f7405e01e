"""Tables of review and delivery: who was shown a summary, the physician's inbox, the mail outbox.

A pharmacist's review and sign-off are events in the sync log (kinds `review.*`); these tables
hold only what follows from a sign-off or a read: disclosures (CLINICAL section 5), the inbox,
and the durable outbox that mails the summary and keeps every attempt for the pharmacist to see.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class DisclosureChannel(StrEnum):
    SCREEN = "screen"  # the print-ready page
    PDF = "pdf"
    FHIR = "fhir"
    INBOX = "inbox"  # released to the physician's in-app inbox at sign-off
    EMAIL = "email"


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting for its next attempt
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt; the pharmacist sees why


class Disclosure(Model):
    """A summary or export that left the record: who disclosed it, to whom, what, when."""

    id = fields.IntField(primary_key=True)
    organization = fields.ForeignKeyField("ivlog.Organization", related_name="disclosures")
    visit = fields.ForeignKeyField("ivlog.Visit", related_name="disclosures")
    patient = fields.ForeignKeyField("ivlog.Patient", related_name="disclosures")
    disclosed_by = fields.ForeignKeyField("ivlog.User", related_name="disclosures_made", null=True)
    recipient_user = fields.ForeignKeyField("ivlog.User", related_name="disclosures_received", null=True)
    recipient = fields.CharField(max_length=254)  # the name or address it went to, as it was then
    channel = fields.CharEnumField(DisclosureChannel, max_length=8)
    content = fields.CharField(max_length=32)  # summary.html | summary.pdf | fhir.bundle
    review_event_id = fields.UUIDField(null=True)  # the sign-off whose summary it was, when known
    at = fields.DatetimeField()

    class Meta:
        table = "disclosure"
        indexes = (("visit_id", "at"),)


class InboxItem(Model):
    """A reviewed visit's summary waiting in a physician's in-app inbox."""

    id = fields.IntField(primary_key=True)
    organization = fields.ForeignKeyField("ivlog.Organization", related_name="inbox_items")
    physician = fields.ForeignKeyField("ivlog.User", related_name="inbox_items")
    visit = fields.ForeignKeyField("ivlog.Visit", related_name="inbox_items")
    review_event_id = fields.UUIDField()
    released_at = fields.DatetimeField()
    read_at = fields.DatetimeField(null=True)

    class Meta:
        table = "inbox_item"
        unique_together = (("physician", "review_event_id"),)


class OutboxMessage(Model):
    """One summary to mail to one physician, retried with backoff until sent or given up."""

    id = fields.IntField(primary_key=True)
    organization = fields.ForeignKeyField("ivlog.Organization", related_name="outbox_messages")
    visit = fields.ForeignKeyField("ivlog.Visit", related_name="outbox_messages")
    recipient = fields.ForeignKeyField("ivlog.User", related_name="outbox_messages")
    to_address = fields.CharField(max_length=254)
    review_event_id = fields.UUIDField()
    released_by = fields.ForeignKeyField("ivlog.User", related_name="outbox_released", null=True)
    status = fields.CharEnumField(OutboxStatus, max_length=8, default=OutboxStatus.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(db_index=True)
    locked_until = fields.DatetimeField(null=True)  # a worker's lease, so two processes never both send
    created_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(default="")

    class Meta:
        table = "outbox_message"
        unique_together = (("review_event_id", "recipient"),)


class DeliveryAttempt(Model):
    """One try at sending an outbox message, and what the mail server said."""

    id = fields.IntField(primary_key=True)
    message = fields.ForeignKeyField("ivlog.OutboxMessage", related_name="delivery_attempts")
    at = fields.DatetimeField()
    outcome = fields.CharField(max_length=8)  # sent | failed
    detail = fields.TextField(default="")

    class Meta:
        table = "delivery_attempt"


class ReleaseCursor(Model):
    """How far the sign-off release has read the event log (server_seq), like a pull cursor.

    Releases follow the log rather than a request, so a sign-off from any path (the desk page,
    the sync API) is delivered, and one cut short by a restart is delivered after it.
    """

    id = fields.IntField(primary_key=True)
    through_seq = fields.BigIntField(default=0)

    class Meta:
        table = "release_cursor"
