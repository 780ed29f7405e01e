"""Realistic, valid visit events for the benchmark: what a tablet really sends.

A benchmark on toy events would measure the wrong thing: the server validates every payload
(pydantic), authorizes every visit and folds every touched visit, so the events must be the
kinds, sizes and shapes a nurse records. Each visit here is a Gammagard infusion for a 70 kg
patient: time in, assessment, line, premedication, bags, titration steps, frequent vitals,
site checks, notes and teaching, then stop, line out, observation, signature and time out.
Every payload is checked with `server.clinical.validate_event`, so all of them must be ACCEPTED.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from server.clinical import validate_event

BASELINE = {"hr": 72, "rr": 16, "sbp": 122, "dbp": 78, "temp_c": 36.8, "spo2": 98, "position": "sitting"}
TITRATION = [(80, 70), (110, 140), (140, 280), (170, 350)]
FILL_KINDS = ("vitals", "vitals", "note", "line.assessed", "vitals", "education")
FIRST_FILL_MIN, LAST_FILL_MIN = 51.0, 244.0

Timed = tuple[float, str, dict[str, Any]]  # (minute from time in, kind, payload)
# Fields a payload gained after issue 19's filing (bench.then): its code refuses them as unknown, so the
# rounds that compare the two codes send both the filing's events ("filing"), the rest today's ("today").
SINCE_FILING = {"assessment": ("identity",)}
ERAS = ("today", "filing")


def _prelude(patient_id: int, order_id: int) -> list[Timed]:
    return [
        (0, "visit.started", {"patient_id": str(patient_id), "order_id": str(order_id),
                              "location": {"lat": 40.7, "lon": -74.0, "accuracy_m": 12}}),
        (2, "assessment", {"weight_kg": 70, "kit_present": True, "kit_in_date": True, "kit_undamaged": True,
                           "symptoms": [], "hydration": "adequate", "headache": False, "infection_signs": False,
                           "thrombosis_risk": False, "renal_risk": False, "allergies_reviewed": True,
                           "identity": ["name", "birth_date"]}),
        (3, "line.placed", {"status": "new", "type": "peripheral", "gauge": 22, "site": "left forearm",
                            "side": "left", "attempts": 1, "blood_return": True,
                            "flush_solution": "0.9% sodium chloride", "flush_volume_ml": 10,
                            "findings": ["no_complications"]}),
        (5, "vitals", dict(BASELINE)),
        (10, "medication.given", {"drug": "diphenhydramine", "dose": 25, "unit": "mg", "route": "PO",
                                  "purpose": "premed"}),
        (10, "medication.given", {"drug": "acetaminophen", "dose": 650, "unit": "mg", "route": "PO",
                                  "purpose": "premed"}),
        *[(45, "product.opened", {"product_id": "gammagard-liquid-10", "lot": f"LE12{bag}", "expiry": "2027-12-31",
                                  "volume_ml": 300 if bag < 2 else 100, "inspected_ok": True}) for bag in range(3)],
        (50, "infusion.started", {"rate_ml_h": 35}),
    ]


def _titration() -> list[Timed]:
    return [(minute, "infusion.rate_changed", {"rate_ml_h": rate, "reason": "titration"}) for minute, rate in TITRATION]


def _finish() -> list[Timed]:
    return [
        (245, "vitals", dict(BASELINE)),
        (245, "infusion.stopped", {"reason": "completed", "pump_volume_ml": 700}),
        (250, "line.removed", {"reason": "therapy_complete", "tip_intact": True, "findings": ["no_complications"],
                               "dressing": "gauze"}),
        (265, "vitals", dict(BASELINE)),
        (268, "signature", {"role": "nurse", "name": "Bench Nurse, RN", "statement": "Electronically signed"}),
        (270, "visit.ended", {"waste_disposed": True}),
    ]


def _fill_payload(kind: str, number: int) -> dict[str, Any]:
    """Varied but normal findings, so no payload is a byte-for-byte copy of another."""
    if kind == "vitals":
        return {**BASELINE, "hr": 68 + number % 12, "sbp": 116 + number % 14, "temp_c": 36.6 + (number % 4) / 10}
    if kind == "note":
        return {"text": f"Patient resting comfortably, tolerating infusion well; check {number}, no complaints."}
    if kind == "line.assessed":
        return {"phase": "during", "findings": ["no_complications"], "blood_return": True}
    return {"topics": ["signs of a reaction", "when to call the pharmacy"], "understanding": "verbalized"}


def _fill(count: int) -> list[Timed]:
    step = (LAST_FILL_MIN - FIRST_FILL_MIN) / max(count, 1)
    kinds = [FILL_KINDS[i % len(FILL_KINDS)] for i in range(count)]
    return [(FIRST_FILL_MIN + i * step, kind, _fill_payload(kind, i)) for i, kind in enumerate(kinds)]


def visit_plan(patient_id: int, order_id: int, size: int = 100) -> list[Timed]:
    """A whole visit of at least `size` events in clinical order (ties keep their recording order)."""
    fixed = _prelude(patient_id, order_id) + _titration() + _finish()
    timed = fixed + _fill(max(size - len(fixed), 0))
    return sorted(timed, key=lambda item: item[0])


def _instant(start: datetime, minute: float) -> str:
    return (start + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _of_era(kind: str, payload: dict[str, Any], era: str) -> dict[str, Any]:
    dropped = SINCE_FILING.get(kind, ()) if era == "filing" else ()
    return {name: value for name, value in payload.items() if name not in dropped}


def visit_events(*, visit_id: uuid.UUID, patient_id: int, order_id: int, started: datetime,
                 first_seq: int, count: int = 100, era: str = "today") -> list[dict[str, Any]]:
    """The first `count` events of a visit as a tablet pushes them (a prefix is a visit in progress)."""
    plan = visit_plan(patient_id, order_id, max(count, 100))[:count]
    events = []
    for offset, (minute, kind, whole) in enumerate(plan):
        payload = _of_era(kind, whole, era)
        when = _instant(started.astimezone(timezone.utc), minute)
        validate_event(kind, 1, payload)  # raises EventInvalid: a bench on invalid events would be void
        events.append({"id": str(uuid.uuid4()), "visit_id": str(visit_id), "device_seq": first_seq + offset,
                       "kind": kind, "schema": 1, "occurred_at": when, "recorded_at": when, "payload": payload})
    return events
