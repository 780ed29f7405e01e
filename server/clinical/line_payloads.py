"""Payloads for the vascular access device (VAD): placed, assessed, removed or left in place.

Site findings are coded; "no_complications" stands alone (CLINICAL 1.4 prefers "no complications
noted" to "dry and intact"), so it cannot be combined with a complication.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool

from server.clinical.payload_base import Count, Name, Number, Payload, ShortText, Text
from server.clinical.problems import Problem

Finding = Literal[
    "no_complications", "redness", "swelling", "pain", "leaking", "infiltration", "phlebitis",
    "bruising", "other",
]
Findings = list[Finding]


def _findings_problems(field: str, findings: list[str]) -> list[Problem]:
    if "no_complications" in findings and len(findings) > 1:
        message = "Site findings: 'no complications' cannot be combined with a complication"
        return [Problem(field, message, "conflicting_findings")]
    return []


class LinePlacedPayload(Payload):
    """`line.placed`: the VAD used for this infusion, new or existing."""

    status: Literal["new", "existing"]
    type: Literal["peripheral", "midline", "picc", "port"]
    gauge: Count | None = None
    length_cm: Number | None = None
    site: ShortText
    side: Literal["left", "right"] | None = None
    attempts: Count | None = None
    inserted_by: Name | None = None
    blood_return: StrictBool
    flush_solution: ShortText
    flush_volume_ml: Number
    findings: Findings = Field(min_length=1, max_length=9)

    def cross_problems(self) -> list[Problem]:
        problems = _findings_problems("findings", self.findings)
        if self.status == "new" and self.attempts is None:
            message = "Insertion attempts are required for a new line"
            problems.append(Problem("attempts", message, "required_for_new_line"))
        return problems


class LineAssessedPayload(Payload):
    """`line.assessed`: a site check at start, during or at the end of the infusion."""

    phase: Literal["start", "during", "end"]
    findings: Findings = Field(min_length=1, max_length=9)
    blood_return: StrictBool | None = None
    note: Text | None = None

    def cross_problems(self) -> list[Problem]:
        return _findings_problems("findings", self.findings)


class LineRemovedPayload(Payload):
    """`line.removed`: the line taken out at the end of the visit (time = occurred_at)."""

    reason: Literal["therapy_complete", "complication", "dislodged", "occluded", "other"]
    tip_intact: StrictBool
    findings: Findings = Field(min_length=1, max_length=9)
    dressing: ShortText
    note: Text | None = None

    def cross_problems(self) -> list[Problem]:
        return _findings_problems("findings", self.findings)


class LineLeftInPlacePayload(Payload):
    """`line.left_in_place`: a line kept for the next infusion (PICC, port, midline)."""

    dressing: ShortText
    patient_instructed: StrictBool
    findings: Findings = Field(min_length=1, max_length=9)
    note: Text | None = None

    def cross_problems(self) -> list[Problem]:
        return _findings_problems("findings", self.findings)
