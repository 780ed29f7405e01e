"""Payloads of the visit, product, infusion, reaction, documentation and correction events.

Vital signs and the assessment are in `vitals.py`, the vascular access device in `line_payloads.py`.
Units are in field names; times inside a payload (who was notified when) need a UTC offset.
The pump events' optional `order_id` names the visit's order the pump runs (an additional order: a
pre-hydration, a second product); without it the event is the primary order's, as every event before.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field, Strict, StrictBool, StringConstraints

from server.clinical.payload_base import Count, Id, Name, Number, Payload, ShortText, Text
from server.clinical.problems import Problem

Lot = Annotated[str, Strict(), StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Ndc = Annotated[str, Strict(), StringConstraints(pattern=r"^(\d{4,5}-\d{3,4}-\d{1,2}|\d{10,11})$")]
PauseReason = Literal["reaction", "line_issue", "patient_request", "product_change", "other"]
StopReason = Literal["completed", "reaction", "line_issue", "patient_request", "product_issue", "other"]


class Location(Payload):
    """Where the device was when the visit started (EVV); accuracy as the device reports it."""

    lat: Number
    lon: Number
    accuracy_m: Number


class VisitStartedPayload(Payload):
    """`visit.started`: time in. `location` null means "location not verified" (never refused)."""

    patient_id: Id
    order_id: Id | None = None
    location: Location | None = None


class VisitEndedPayload(Payload):
    """`visit.ended`: time out."""

    waste_disposed: StrictBool | None = None


class MedicationGivenPayload(Payload):
    """`medication.given`: a premedication, a PRN dose or a drug given for a reaction."""

    drug: ShortText
    dose: Number
    unit: Literal["mg", "mcg", "g", "mL", "unit"]
    route: Literal["PO", "IV", "IM", "SC", "SL", "inhaled", "topical"]
    purpose: Literal["premed", "prn", "reaction"]


class ProductOpenedPayload(Payload):
    """`product.opened`: one vial or bag; lot and expiry are kept for recalls (IVIG is a blood product)."""

    product_id: Id
    lot: Lot
    expiry: date
    volume_ml: Number
    inspected_ok: StrictBool
    ndc: Ndc | None = None
    inline_filter: StrictBool | None = None


class InfusionStartedPayload(Payload):
    """`infusion.started`: the pump is started at this rate. `override_reason`: why it was started although
    no opened, inspected, in-date product of the order was recorded (the fold flags it)."""

    rate_ml_h: Number
    override_reason: Text | None = None
    order_id: Id | None = None


class InfusionRateChangedPayload(Payload):
    """`infusion.rate_changed`: a titration step up or a slow-down."""

    rate_ml_h: Number
    reason: Literal["titration", "reaction", "new_lot", "order", "patient_request", "other"] | None = None
    note: Text | None = None
    order_id: Id | None = None


class InfusionPausedPayload(Payload):
    """`infusion.paused`: the pump is held; the reason matters (a reaction is not a bathroom break)."""

    reason: PauseReason
    note: Text | None = None
    order_id: Id | None = None


class InfusionResumedPayload(Payload):
    """`infusion.resumed`: the pump runs again, at this rate."""

    rate_ml_h: Number
    order_id: Id | None = None


class InfusionStoppedPayload(Payload):
    """`infusion.stopped`: end of a run; pump_volume_ml is the pump's cumulative volume, if read."""

    reason: StopReason
    pump_volume_ml: Number | None = None
    note: Text | None = None
    order_id: Id | None = None


class Notification(Payload):
    """Who was told about a reaction, and when."""

    who: Literal["prescriber", "pharmacist", "emergency_services", "supervisor", "family", "other"]
    name: Name | None = None
    at: AwareDatetime


class ReactionObservedPayload(Payload):
    """`reaction.observed`: onset is the event's occurred_at; grade is CTCAE v5 (1-5)."""

    symptoms: list[ShortText] = Field(min_length=1, max_length=20)
    grade: Count
    actions: list[
        Literal["slowed", "paused", "stopped", "medication_given", "oxygen", "epinephrine",
                "emergency_services", "observed"]
    ] = Field(max_length=8)
    notified: list[Notification] = Field(default_factory=list, max_length=10)
    outcome: Literal["resolved", "improving", "ongoing", "transferred"]


class EducationPayload(Payload):
    """`education`: what was taught and how well it was understood."""

    topics: list[ShortText] = Field(min_length=1, max_length=20)
    understanding: Literal["verbalized", "demonstrated", "needs_reinforcement", "not_understood"]
    barriers: Text | None = None


class NotePayload(Payload):
    """`note`: free text."""

    text: Text


class SignaturePayload(Payload):
    """`signature`: the nurse's e-signature or the patient's (or caregiver's) attestation."""

    role: Literal["nurse", "patient", "caregiver"]
    name: Name
    statement: Text


class ReviewSignedPayload(Payload):
    """`review.signed`: the pharmacist's sign-off, which releases the physician summary."""

    note: Text | None = None


class ReviewInterventionPayload(Payload):
    """`review.intervention`: a pharmacist's recorded intervention; next_rate carries its rate."""

    kind: Literal["next_rate", "premed_change", "product_switch", "prescriber_contacted", "other"]
    text: Text
    next_rate_ml_h: Number | None = None

    def cross_problems(self) -> list[Problem]:
        if self.kind == "next_rate" and self.next_rate_ml_h is None:
            message = "Next infusion rate is required for a next-rate intervention"
            return [Problem("next_rate_ml_h", message, "next_rate_mismatch")]
        if self.kind != "next_rate" and self.next_rate_ml_h is not None:
            message = "Next infusion rate belongs only to a next-rate intervention"
            return [Problem("next_rate_ml_h", message, "next_rate_mismatch")]
        return []


class EntryAmendedPayload(Payload):
    """`entry.amended`: replaces the target's payload in the projection; the original stays visible.

    `payload` is validated against the target's kind (see `context_problems`), at `payload_schema`.
    """

    target_id: Id
    payload: dict[str, Any]
    payload_schema: Count = 1
    reason: Text


class EntryVoidedPayload(Payload):
    """`entry.voided`: removes the target from the clinical picture; it stays listed as voided."""

    target_id: Id
    reason: Text
