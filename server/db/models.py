"""Tables of the clinical web application (DESIGN section 3).

Every row belongs to one organization and no query crosses it: `server.access` adds the
organization to every query of patient data. Sync's own tables live in `sync.models`.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Role(StrEnum):
    NURSE = "nurse"
    PHARMACIST = "pharmacist"
    PHYSICIAN = "physician"
    ADMIN = "admin"
    BILLER = "biller"  # reads the signed-off visits' payer proof (server.routes.payer); writes no entry


class SessionKind(StrEnum):
    DESK = "desk"
    TABLET = "tablet"


class VisitStatus(StrEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    SIGNED = "signed"
    REVIEWED = "reviewed"
    REOPENED = "reopened"
    CANCELLED = "cancelled"  # by the pharmacist, before anyone started it; the row stays


class ScheduleChangeKind(StrEnum):
    SCHEDULED = "scheduled"
    MOVED = "moved"
    CANCELLED = "cancelled"


class ProtocolBasis(StrEnum):
    """Where an order's protocol comes from: its `basis` (server/clinical/products.py)."""

    LABEL = "label"  # the product label's per-kg steps, scaled by weight
    ORDER = "order"  # explicit mL/h steps written in the order


class Organization(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    # Idle minutes before a tablet locks; null: the deployment's default (IVLOG_TABLET_LOCK_MIN).
    tablet_lock_min = fields.IntField(null=True)
    # The at-risk cap (mg/kg/min) an order for an at-risk patient gets when it has no cap and its label
    # gives no numeric one (reviewed data, CLINICAL.md s.2); who set it (a user id) and when.
    at_risk_cap_mg_kg_min = fields.FloatField(null=True)
    at_risk_cap_set_by = fields.IntField(null=True)
    at_risk_cap_set_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "organization"


class User(Model):
    id = fields.IntField(primary_key=True)
    organization = fields.ForeignKeyField("ivlog.Organization", related_name="users")
    username = fields.CharField(max_length=64, unique=True)
    display_name = fields.CharField(max_length=200)
    role = fields.CharEnumField(Role, max_length=16)
    password_hash = fields.CharField(max_length=255)
    email = fields.CharField(max_length=254, null=True)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "user"


class Session(Model):
    """A server-side session. The cookie carries a token whose SHA-256 is `id`."""

    id = fields.CharField(max_length=64, primary_key=True)
    user = fields.ForeignKeyField("ivlog.User", related_name="sessions")
    kind = fields.CharEnumField(SessionKind, max_length=8)
    device_id = fields.UUIDField(null=True)
    created_at = fields.DatetimeField()
    last_seen_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "session"


class LoginAttempt(Model):
    """A login attempt under one throttle key (an HMAC, so a password typed as a username is never
    stored). Written before the password is checked, so simultaneous attempts count each other,
    kept when it fails, deleted when it succeeds or is turned away (server.auth.throttle)."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=64)
    source = fields.CharField(max_length=64)  # the attempt's account-and-address key: who tried
    at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "login_attempt"
        indexes = (("key", "at"),)


class DeskDevice(Model):
    """The sync device a desk user's review events are pushed from (server.services.desk_events).

    Its id is random (uuid4), made here on first use and bound to the user at once, so nobody can
    guess it and claim it first (issue 16 item 3). `last_seq` hands out its device_seq numbers
    atomically in the database, so two server processes never reuse one (issue 19 item b)."""

    user = fields.OneToOneField("ivlog.User", related_name="desk_device", primary_key=True)
    device_id = fields.UUIDField(unique=True)
    last_seq = fields.BigIntField(default=0)

    class Meta:
        table = "desk_device"


class Patient(Model):
    id = fields.IntField(primary_key=True)
    organization = fields.ForeignKeyField("ivlog.Organization", related_name="patients")
    mrn = fields.CharField(max_length=32)
    given_name = fields.CharField(max_length=100)
    family_name = fields.CharField(max_length=100)
    birth_date = fields.DateField()
    allergies = fields.TextField(default="")
    dosing_weight_kg = fields.FloatField()
    thrombosis_risk = fields.BooleanField(default=False)
    renal_risk = fields.BooleanField(default=False)
    iga_deficiency = fields.BooleanField(default=False)
    physician = fields.ForeignKeyField("ivlog.User", related_name="patients", null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "patient"
        unique_together = (("organization", "mrn"),)

    @property
    def display_name(self) -> str:
        return f"{self.family_name}, {self.given_name}"


class Assignment(Model):
    """A nurse may see a patient from `starts_on` until `ends_on` (open when null)."""

    id = fields.IntField(primary_key=True)
    organization = fields.ForeignKeyField("ivlog.Organization", related_name="assignments")
    nurse = fields.ForeignKeyField("ivlog.User", related_name="assignments")
    patient = fields.ForeignKeyField("ivlog.Patient", related_name="assignments")
    starts_on = fields.DateField()
    ends_on = fields.DateField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "assignment"


class Order(Model):
    """A therapy plan written by a pharmacist for a prescriber. Edits keep every revision."""

    id = fields.IntField(primary_key=True)
    organization = fields.ForeignKeyField("ivlog.Organization", related_name="orders")
    patient = fields.ForeignKeyField("ivlog.Patient", related_name="orders")
    product_id = fields.CharField(max_length=64)
    therapy = fields.CharField(max_length=32, default="ivig")  # its product's (products.json `therapies`)
    indication = fields.CharField(max_length=64)
    dose_g_per_kg = fields.FloatField()
    dose_g = fields.FloatField()
    dosing_weight_kg = fields.FloatField()
    basis = fields.CharEnumField(ProtocolBasis, max_length=8, default=ProtocolBasis.LABEL)
    steps_ml_h = fields.JSONField(null=True)
    step_interval_min = fields.IntField(null=True)
    rate_cap_ml_h = fields.FloatField(null=True)
    # A hydration order (fixed_dose) is a volume over a time; null on every other order.
    volume_ml = fields.FloatField(null=True)
    duration_min = fields.IntField(null=True)
    # A pharmacist's override of the order-safety check: {reason, by_id, by, at, problems}; null: none needed.
    safety_override = fields.JSONField(null=True)
    premeds = fields.JSONField(default=list)
    prn_orders = fields.JSONField(default=list)
    vitals_schedule = fields.JSONField(null=True)
    prescriber = fields.CharField(max_length=200)
    active = fields.BooleanField(default=True)
    revision = fields.IntField(default=1)
    created_by = fields.ForeignKeyField("ivlog.User", related_name="orders_written")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "order"


class OrderRevision(Model):
    """The order as it was before an edit: an order is never silently altered."""

    id = fields.IntField(primary_key=True)
    order = fields.ForeignKeyField("ivlog.Order", related_name="revisions")
    revision = fields.IntField()
    snapshot = fields.JSONField()
    changed_by = fields.ForeignKeyField("ivlog.User", related_name="order_revisions")
    changed_at = fields.DatetimeField()

    class Meta:
        table = "order_revision"
        unique_together = (("order", "revision"),)


class Visit(Model):
    """A visit and the projection of its events. The projection can always be rebuilt."""

    id = fields.UUIDField(primary_key=True)
    organization = fields.ForeignKeyField("ivlog.Organization", related_name="visits")
    patient = fields.ForeignKeyField("ivlog.Patient", related_name="visits")
    order = fields.ForeignKeyField("ivlog.Order", related_name="visits", null=True)
    nurse = fields.ForeignKeyField("ivlog.User", related_name="visits", null=True)
    scheduled_at = fields.DatetimeField(null=True)
    status = fields.CharEnumField(VisitStatus, max_length=16, default=VisitStatus.SCHEDULED)
    time_in = fields.DatetimeField(null=True)
    time_out = fields.DatetimeField(null=True)
    alert_count = fields.IntField(default=0)
    max_reaction_grade = fields.IntField(default=0)
    volume_infused_ml = fields.FloatField(default=0)
    last_tolerated_rate_ml_h = fields.FloatField(null=True)  # the fold's, for the next visit of the series
    handover = fields.JSONField(null=True)  # for the patient's next infusion (server.services.handover)
    flags = fields.JSONField(default=list)
    projected_seq = fields.BigIntField(default=0)  # the last event folded into this row (stale if lower)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "visit"


class VisitOrder(Model):
    """An additional order a visit holds besides its primary `Visit.order` (a pre-hydration before the
    IVIG, a second product): chosen when the visit is scheduled, in the order the pharmacist listed them."""

    id = fields.IntField(primary_key=True)
    visit = fields.ForeignKeyField("ivlog.Visit", related_name="other_orders")
    order = fields.ForeignKeyField("ivlog.Order", related_name="visit_orders")
    position = fields.IntField()

    class Meta:
        table = "visit_order"
        unique_together = (("visit", "order"),)


class VisitScheduleChange(Model):
    """Who scheduled, moved or cancelled a visit, when, from which time to which, and why.

    Append-only. The Visit row holds the current time and status, this holds how it got there.
    """

    id = fields.IntField(primary_key=True)
    organization = fields.ForeignKeyField("ivlog.Organization", related_name="visit_schedule_changes")
    visit = fields.ForeignKeyField("ivlog.Visit", related_name="schedule_changes")
    kind = fields.CharEnumField(ScheduleChangeKind, max_length=16)
    by = fields.ForeignKeyField("ivlog.User", related_name="visit_schedule_changes")
    at = fields.DatetimeField()
    scheduled_from = fields.DatetimeField(null=True)
    scheduled_to = fields.DatetimeField(null=True)
    series_id = fields.UUIDField(null=True)
    reason = fields.TextField(default="")

    class Meta:
        table = "visit_schedule_change"


class AuditEntry(Model):
    """Append-only and hash-chained: `hash` covers this row's fields and `prev_hash`.

    Ids, never names or clinical values: the audit log is read by admins.
    """

    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField()
    organization_id = fields.IntField(null=True)
    user_id = fields.IntField(null=True)
    action = fields.CharField(max_length=64)
    object_type = fields.CharField(max_length=32, default="")
    object_id = fields.CharField(max_length=64, default="")
    outcome = fields.CharField(max_length=16)
    detail = fields.JSONField(default=dict)
    prev_hash = fields.CharField(max_length=64)
    hash = fields.CharField(max_length=64)
    key_id = fields.CharField(max_length=16, default="")  # "": written before the chain was keyed (plain SHA-256)

    class Meta:
        table = "audit_entry"
