"""Checks that involve more than one field of a payload, by kind (pwa/rules/payload_schemas.js has the same).

The fields themselves are data (data/payloads.json); a rule across fields stays code. Site findings are
coded; "no_complications" stands alone (CLINICAL 1.4 prefers "no complications noted" to "dry and
intact"), so it cannot be combined with a complication.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from server.clinical.problems import Problem
from server.clinical.rounding import format_number

MEASUREMENTS = ("hr", "rr", "sbp", "dbp", "temp_c", "spo2", "pain")


def _vitals(payload: Any) -> list[Problem]:
    """Any subset of vital signs, but at least one measurement, and blood pressure as a pair."""
    if all(getattr(payload, name) is None for name in MEASUREMENTS):
        return [Problem("", "Vital signs need at least one measurement", "no_measurement")]
    if (payload.sbp is None) != (payload.dbp is None):
        missing = "dbp" if payload.dbp is None else "sbp"
        return [Problem(missing, "Blood pressure needs both systolic and diastolic", "bp_incomplete")]
    if payload.sbp is not None and payload.dbp is not None and payload.dbp >= payload.sbp:
        dbp, sbp = format_number(payload.dbp, 3), format_number(payload.sbp, 3)
        message = f"Diastolic BP {dbp} mmHg must be below systolic BP {sbp} mmHg"
        return [Problem("dbp", message, "dbp_not_below_sbp")]
    return []


def _findings(payload: Any) -> list[Problem]:
    if "no_complications" in payload.findings and len(payload.findings) > 1:
        message = "Site findings: 'no complications' cannot be combined with a complication"
        return [Problem("findings", message, "conflicting_findings")]
    return []


def _line_placed(payload: Any) -> list[Problem]:
    problems = _findings(payload)
    if payload.status == "new" and payload.attempts is None:
        message = "Insertion attempts are required for a new line"
        problems.append(Problem("attempts", message, "required_for_new_line"))
    return problems


def _intervention(payload: Any) -> list[Problem]:
    """A pharmacist's next-rate intervention carries its rate; no other intervention does."""
    if (payload.kind == "next_rate") == (payload.next_rate_ml_h is not None):
        return []
    message = ("Next infusion rate is required for a next-rate intervention" if payload.kind == "next_rate"
               else "Next infusion rate belongs only to a next-rate intervention")
    return [Problem("next_rate_ml_h", message, "next_rate_mismatch")]


CROSS_CHECKS: dict[str, Callable[[Any], list[Problem]]] = {
    "vitals": _vitals,
    "line.placed": _line_placed,
    "line.assessed": _findings,
    "line.removed": _findings,
    "line.left_in_place": _findings,
    "review.intervention": _intervention,
}


def cross_problems(kind: str, payload: Any) -> list[Problem]:
    """Problems that involve more than one field of this validated payload (none for most kinds)."""
    check = CROSS_CHECKS.get(kind)
    return [] if check is None else check(payload)


def kit_ready(assessment: Mapping[str, Any]) -> bool:
    """The hard gate (CLINICAL 1.3): the anaphylaxis kit is present, in date and undamaged."""
    return bool(assessment["kit_present"] and assessment["kit_in_date"] and assessment["kit_undamaged"])
