"""A small event-script helper: write a visit the way a nurse records it, minute by minute.

    s = VisitScript()
    s.started(0); s.assessment(2); s.vitals(5, **BASELINE); s.start(50, rate_ml_h=35)

Every method appends one sync-log event dict (ids "ev-001", ...) and returns its id. Minutes count from
`start`; `recorded_after_min` delays recorded_at (a late entry); events get server_seq in script order.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

BASELINE = {"hr": 72, "rr": 16, "sbp": 122, "dbp": 78, "temp_c": 36.8, "spo2": 98}
GAMMAGARD = "gammagard-liquid-10"


def instant(start: datetime, minutes: float) -> str:
    moment = start + timedelta(minutes=minutes)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + "Z"


class VisitScript:
    def __init__(self, start: str = "2025-03-04T09:00:00Z", visit_id: str = "visit-1",
                 device_id: str = "tablet-ana", author_id: str = "nurse-ana") -> None:
        self.t0 = datetime.fromisoformat(start)
        self.visit_id, self.device_id, self.author_id = visit_id, device_id, author_id
        self.events: list[dict[str, Any]] = []
        self.vital_changes: dict[float, dict[str, Any]] = {}  # minute -> values that differ from BASELINE

    def add(self, minute: float, kind: str, payload: dict[str, Any], *, schema: int = 1,
            recorded_after_min: float = 0, server_seq: int | None | str = "auto",
            author_id: str | None = None, device_id: str | None = None) -> str:
        number = len(self.events) + 1
        event_id = f"ev-{number:03d}"
        self.events.append({
            "id": event_id, "visit_id": self.visit_id, "device_id": device_id or self.device_id,
            "device_seq": number, "kind": kind, "schema": schema,
            "occurred_at": instant(self.t0, minute), "recorded_at": instant(self.t0, minute + recorded_after_min),
            "received_at": instant(self.t0, minute + recorded_after_min + 1),
            "server_seq": number if server_seq == "auto" else server_seq,
            "author_id": author_id or self.author_id, "payload": payload,
        })
        return event_id

    def at(self, minute: float) -> datetime:
        return self.t0 + timedelta(minutes=minute)

    def find(self, kind: str, minute: float) -> str:
        """The id of the first `kind` event at `minute`."""
        when = instant(self.t0, minute)
        return next(e["id"] for e in self.events if e["kind"] == kind and e["occurred_at"] == when)

    def started(self, minute: float, patient_id: str = "patient-pat", location: Any = "default") -> str:
        where = {"lat": 40.7, "lon": -74.0, "accuracy_m": 12} if location == "default" else location
        return self.add(minute, "visit.started", {"patient_id": patient_id, "order_id": "order-1", "location": where})

    def assessment(self, minute: float, **changes: Any) -> str:
        payload = {"weight_kg": 70, "kit_present": True, "kit_in_date": True, "kit_undamaged": True,
                   "symptoms": [], "hydration": "adequate", "headache": False, "infection_signs": False,
                   "thrombosis_risk": False, "renal_risk": False, "allergies_reviewed": True,
                   "identity": ["name", "birth_date"]}
        return self.add(minute, "assessment", {**payload, **changes})

    def line_placed(self, minute: float) -> str:
        return self.add(minute, "line.placed", {
            "status": "new", "type": "peripheral", "gauge": 22, "site": "left forearm", "side": "left",
            "attempts": 1, "blood_return": True, "flush_solution": "0.9% sodium chloride",
            "flush_volume_ml": 10, "findings": ["no_complications"]})

    def vitals(self, minute: float, **values: Any) -> str:
        return self.add(minute, "vitals", {**BASELINE, **self.vital_changes.get(minute, {}), **values})

    def premed(self, minute: float, drug: str = "diphenhydramine", dose: float = 25, unit: str = "mg") -> str:
        return self.add(minute, "medication.given",
                        {"drug": drug, "dose": dose, "unit": unit, "route": "PO", "purpose": "premed"})

    def opened(self, minute: float, lot: str = "LE12A", product_id: str = GAMMAGARD, **changes: Any) -> str:
        payload = {"product_id": product_id, "lot": lot, "expiry": "2026-12-31", "volume_ml": 700,
                   "inspected_ok": True}
        return self.add(minute, "product.opened", {**payload, **changes})

    def start(self, minute: float, rate_ml_h: float) -> str:
        return self.add(minute, "infusion.started", {"rate_ml_h": rate_ml_h})

    def rate(self, minute: float, rate_ml_h: float, reason: str = "titration") -> str:
        return self.add(minute, "infusion.rate_changed", {"rate_ml_h": rate_ml_h, "reason": reason})

    def pause(self, minute: float, reason: str = "reaction") -> str:
        return self.add(minute, "infusion.paused", {"reason": reason})

    def resume(self, minute: float, rate_ml_h: float) -> str:
        return self.add(minute, "infusion.resumed", {"rate_ml_h": rate_ml_h})

    def stop(self, minute: float, reason: str = "completed", pump_volume_ml: float | None = None) -> str:
        return self.add(minute, "infusion.stopped", {"reason": reason, "pump_volume_ml": pump_volume_ml})

    def reaction(self, minute: float, grade: int = 1, symptoms: tuple[str, ...] = ("chills",),
                 actions: tuple[str, ...] = ("slowed",), outcome: str = "resolved",
                 notified: list[dict[str, Any]] | None = None) -> str:
        return self.add(minute, "reaction.observed", {
            "symptoms": list(symptoms), "grade": grade, "actions": list(actions), "outcome": outcome,
            "notified": notified or []})

    def notified(self, minute: float, who: str = "prescriber") -> dict[str, Any]:
        return {"who": who, "at": instant(self.t0, minute)}

    def line_removed(self, minute: float) -> str:
        return self.add(minute, "line.removed", {"reason": "therapy_complete", "tip_intact": True,
                                                 "findings": ["no_complications"], "dressing": "gauze"})

    def sign(self, minute: float, role: str = "nurse", name: str = "Ana Reyes, RN") -> str:
        return self.add(minute, "signature",
                        {"role": role, "name": name, "statement": f"Electronically signed by {name}"})

    def ended(self, minute: float) -> str:
        return self.add(minute, "visit.ended", {"waste_disposed": True})

    def amend(self, minute: float, target: str, payload: dict[str, Any], reason: str = "typo") -> str:
        return self.add(minute, "entry.amended", {"target_id": target, "payload": payload, "reason": reason})

    def void(self, minute: float, target: str, reason: str = "wrong patient chart") -> str:
        return self.add(minute, "entry.voided", {"target_id": target, "reason": reason})
