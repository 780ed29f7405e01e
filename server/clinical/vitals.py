"""Payloads for measurements of the patient: vital signs and the pre-infusion assessment."""

from __future__ import annotations

from typing import Any, Literal, Mapping

from pydantic import Field, StrictBool

from server.clinical.payload_base import Count, Number, Payload, ShortText
from server.clinical.problems import Problem
from server.clinical.rounding import format_number

MEASUREMENTS = ("hr", "rr", "sbp", "dbp", "temp_c", "spo2", "pain")


class VitalsPayload(Payload):
    """`vitals`: one set of vital signs; any subset, but at least one measurement (LOINC 85353-1)."""

    hr: Number | None = None
    rr: Number | None = None
    sbp: Number | None = None
    dbp: Number | None = None
    temp_c: Number | None = None
    spo2: Number | None = None
    pain: Count | None = None
    position: Literal["sitting", "lying", "standing"] | None = None

    def cross_problems(self) -> list[Problem]:
        if all(getattr(self, name) is None for name in MEASUREMENTS):
            return [Problem("", "Vital signs need at least one measurement", "no_measurement")]
        if (self.sbp is None) != (self.dbp is None):
            missing = "dbp" if self.dbp is None else "sbp"
            return [Problem(missing, "Blood pressure needs both systolic and diastolic", "bp_incomplete")]
        if self.sbp is not None and self.dbp is not None and self.dbp >= self.sbp:
            dbp, sbp = format_number(self.dbp, 3), format_number(self.sbp, 3)
            message = f"Diastolic BP {dbp} mmHg must be below systolic BP {sbp} mmHg"
            return [Problem("dbp", message, "dbp_not_below_sbp")]
        return []


class AssessmentPayload(Payload):
    """`assessment`: the pre-infusion check, including the anaphylaxis-kit hard gate (CLINICAL 1.3)."""

    weight_kg: Number
    kit_present: StrictBool
    kit_in_date: StrictBool
    kit_undamaged: StrictBool
    symptoms: list[ShortText] = Field(default_factory=list, max_length=20)
    hydration: Literal["adequate", "inadequate"]
    headache: StrictBool
    infection_signs: StrictBool
    thrombosis_risk: StrictBool
    renal_risk: StrictBool
    allergies_reviewed: StrictBool


def kit_ready(assessment: Mapping[str, Any]) -> bool:
    """The hard gate (CLINICAL 1.3): the kit is present, in date and undamaged."""
    return bool(assessment["kit_present"] and assessment["kit_in_date"] and assessment["kit_undamaged"])
