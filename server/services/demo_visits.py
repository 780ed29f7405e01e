"""Finished demo visits for `make run`, so a pharmacist and a physician see real work at first login.

Each visit is written the way a nurse records it (time in, assessment, line, baseline vitals,
premedication, lot, the titration with its checks, stop, line out, observation, signature, time
out) and pushed through the sync engine from a demo tablet, exactly as a tablet would: the same
validation, projection and audit. The titration follows the order's own step table. One visit is
tolerated, one has a febrile reaction, one (an earlier infusion) is already reviewed by the pharmacist.
They belong to the second nurse's patients, so the first nurse's tablet (which the browser tests and
benches drive) starts from today's scheduled visits alone.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from server.clinical.rates import step_schedule
from server.db.models import Order, Patient, User, Visit
from server.services import desk_events, release, visit_orders, visits
from sync.models import Device

BASELINE = {"hr": 74, "rr": 16, "sbp": 124, "dbp": 78, "temp_c": 36.7, "spo2": 98}
DEMO_TABLET_LABEL = "Demo tablet"


@dataclass
class Recorder:
    """Writes one visit's events minute by minute from its start."""

    visit_id: uuid.UUID
    start: datetime
    events: list[dict[str, Any]] = field(default_factory=list)

    def add(self, minute: float, kind: str, payload: dict[str, Any]) -> str:
        at, event_id = (self.start + timedelta(minutes=minute)).isoformat(), str(uuid.uuid4())
        self.events.append({"id": event_id, "visit_id": str(self.visit_id), "kind": kind, "schema": 1,
                            "occurred_at": at, "recorded_at": at, "payload": payload})
        return event_id

    def vitals(self, minute: float, **changes: float) -> None:
        self.add(minute, "vitals", {**BASELINE, **changes})


def prelude(r: Recorder, patient: Patient, order: Order, lot: str) -> None:
    r.add(0, "visit.started", {"patient_id": str(patient.id), "order_id": str(order.id),
                               "location": {"lat": 41.88, "lon": -87.63, "accuracy_m": 15}})
    r.add(3, "assessment", {"weight_kg": order.dosing_weight_kg, "kit_present": True, "kit_in_date": True,
                            "kit_undamaged": True, "symptoms": [], "hydration": "adequate", "headache": False,
                            "infection_signs": False, "thrombosis_risk": False, "renal_risk": False,
                            "allergies_reviewed": True, "identity": ["name", "birth_date"]})
    r.add(6, "line.placed", {"status": "new", "type": "peripheral", "gauge": 22, "site": "right forearm",
                             "side": "right", "attempts": 1, "blood_return": True,
                             "flush_solution": "0.9% sodium chloride", "flush_volume_ml": 10,
                             "findings": ["no_complications"]})
    r.vitals(8)
    for premed in order.premeds:
        r.add(10, "medication.given", {"drug": premed["drug"], "dose": premed["dose"], "unit": premed["unit"],
                                       "route": premed["route"], "purpose": "premed"})
    r.add(40, "product.opened", {"product_id": order.product_id, "lot": lot, "expiry": "2027-06-30",
                                 "volume_ml": float(max(100, round(order.dose_g * 10, -2))), "inspected_ok": True})


def finish(r: Recorder, stop_at: float, nurse: User) -> None:
    r.vitals(stop_at)
    r.add(stop_at, "infusion.stopped", {"reason": "completed"})
    r.add(stop_at + 5, "line.removed", {"reason": "therapy_complete", "tip_intact": True,
                                        "findings": ["no_complications"], "dressing": "gauze and tape"})
    for minute in (20, 40, 60):
        r.vitals(stop_at + minute)
    r.add(stop_at + 61, "education", {"topics": ["delayed headache", "when to call"], "understanding": "verbalized"})
    r.add(stop_at + 62, "signature", {"role": "nurse", "name": nurse.display_name,
                                      "statement": f"Electronically signed by {nurse.display_name}"})
    r.add(stop_at + 65, "visit.ended", {"waste_disposed": True})


def _pump(r: Recorder, minute: float, rate: float, kind: str = "infusion.rate_changed") -> None:
    r.vitals(minute)  # a check before every rate change
    r.add(minute, kind, {"rate_ml_h": rate} if kind != "infusion.rate_changed" else {"rate_ml_h": rate,
                                                                                   "reason": "titration"})


def _checks(r: Recorder, start: float, span: float, every: int) -> None:
    for offset in range(every, int(span), every):
        r.vitals(start + offset)


def titrate(r: Recorder, rates: list[float], target_ml: float, *, start: float = 50, hold: float = 30,
            given_ml: float = 0.0, top_every: int = 60) -> float:
    """Climb `rates` one hold at a time (checks every 15 min, then every `top_every` at the last rate)
    until `target_ml` is in; returns the minute the pump stops."""
    minute = start
    for index, rate in enumerate(rates):
        at_top = index == len(rates) - 1
        _pump(r, minute, rate, "infusion.started" if index == 0 and given_ml == 0 else "infusion.rate_changed")
        needed = (target_ml - given_ml) / rate * 60
        span = needed if at_top else min(hold, needed)
        r.vitals(minute + 15)
        _checks(r, minute + 15, span - 15, top_every if at_top else 15)
        given_ml += rate * span / 60
        minute += span
        if given_ml >= target_ml - 0.5:
            break
    return round(minute)


def react_and_recover(r: Recorder, rates: list[float], target_ml: float, physician: str) -> float:
    """The first steps tolerated; chills and fever 12 min into a higher step (the fourth, or the top):
    pause, acetaminophen, prescriber told; resumed one step lower and kept there to the end."""
    reacting = min(3, len(rates) - 1)
    for index, rate in enumerate(rates[:reacting]):
        _pump(r, 50 + 30 * index, rate, "infusion.started" if index == 0 else "infusion.rate_changed")
        r.vitals(65 + 30 * index)
    rise = 50 + 30 * reacting
    _pump(r, rise, rates[reacting])
    onset, given = rise + 12, sum(rate * 0.5 for rate in rates[:reacting]) + rates[reacting] * 12 / 60
    r.vitals(onset, temp_c=38.4, hr=108)
    reaction = {"symptoms": ["chills", "fever", "headache"], "grade": 2, "actions": ["paused", "medication_given"],
                "notified": [{"who": "prescriber", "name": physician,
                              "at": (r.start + timedelta(minutes=onset + 6)).isoformat()}], "outcome": "improving"}
    reaction_id = r.add(onset, "reaction.observed", reaction)
    r.add(onset + 1, "infusion.paused", {"reason": "reaction"})
    r.add(onset + 2, "medication.given", {"drug": "acetaminophen", "dose": 650, "unit": "mg", "route": "PO",
                                          "purpose": "reaction"})
    r.vitals(onset + 15, temp_c=37.6, hr=90)
    r.add(onset + 20, "infusion.resumed", {"rate_ml_h": rates[reacting - 1]})
    r.add(onset + 22, "reaction.resolved", {"reaction_id": reaction_id,
                                            "note": "Symptoms resolved after the pause and acetaminophen"})
    remaining_min = (target_ml - given) / rates[reacting - 1] * 60
    _checks(r, onset + 20, remaining_min, 15)
    return round(onset + 20 + remaining_min)


@dataclass(frozen=True)
class Scenario:
    mrn: str
    course: str  # tolerated | reaction
    days_ago: int
    starts: time
    lot: str
    reviewed: bool = False


SCENARIOS = (
    Scenario("MRN-1006", "tolerated", 21, time(15, 0), "LE4502C", reviewed=True),
    Scenario("MRN-1006", "tolerated", 1, time(14, 0), "LE4471A"),
    Scenario("MRN-1005", "reaction", 1, time(13, 30), "GC2291B"),
)


async def _ladder(visit: Visit, dose_g: float) -> tuple[list[float], float]:
    """The order's own rates for this patient (label protocol scaled by weight, or explicit steps),
    and the volume that holds the ordered dose."""
    context = await visits.context_for(visit)
    steps = step_schedule(context.protocol, weight_kg=context.order.dosing_weight_kg,
                          cap_ml_h=context.order.rate_cap_ml_h)
    return [step.rate_ml_h for step in steps], dose_g * 1000 / context.protocol.product.concentration_mg_ml


async def record_visit(patient: Patient, nurse: User, scenario: Scenario) -> Visit:
    """Create the scheduled visit and write its whole course as the nurse's tablet would."""
    order = await visit_orders.main_orders(patient.id).first().prefetch_related("patient__physician")
    day = date.today() - timedelta(days=scenario.days_ago)
    start = datetime.combine(day, scenario.starts, tzinfo=timezone.utc)
    visit = await Visit.create(id=uuid.uuid4(), organization_id=patient.organization_id, patient=patient,
                               order=order, nurse=nurse, scheduled_at=start)
    r = Recorder(visit.id, start)
    prelude(r, patient, order, scenario.lot)
    rates, target_ml = await _ladder(visit, order.dose_g)
    physician = order.patient.physician.display_name if order.patient.physician else order.prescriber
    stop_at = react_and_recover(r, rates, target_ml, physician) if scenario.course == "reaction" \
        else titrate(r, rates, target_ml)
    finish(r, stop_at, nurse)
    await push_from_tablet(nurse, r.events, tablet=str(SCENARIOS.index(scenario) + 1))  # no MRN in a label
    return visit


async def push_from_tablet(nurse: User, events: list[dict[str, Any]], *, tablet: str = "") -> None:
    """From one of the nurse's demo tablets, each with a random id (never one anybody could guess and
    claim). `tablet`: which one. Yesterday's two demo visits overlap in time; written on one tablet
    one after the other, the second's entries would claim to be recorded before the first's last
    ones, which the engine flags as backdated (`sync.classify`)."""
    label = f"{DEMO_TABLET_LABEL} {tablet}".strip()
    found = await Device.filter(user_id=nurse.id, label=label).first()
    device_id = found.id if found else uuid.uuid4()
    first = (found.acked_through if found else 0) + 1
    numbered = [{**event, "device_seq": first + index} for index, event in enumerate(events)]
    response = await desk_events.push_events(user=nurse, device_id=device_id, events=numbered)
    await Device.filter(id=device_id, label="").update(label=label)
    refused = [result.reason for result in response.results if result.status != "accepted"]
    if refused:
        raise RuntimeError(f"the demo visit was not accepted: {refused[0]}")


async def review(visit: Visit, pharmacist: User) -> None:
    visit = await Visit.get(id=visit.id)
    await desk_events.append(user=pharmacist, visit=visit, kind="review.intervention", payload={
        "kind": "next_rate", "next_rate_ml_h": 150.0,
        "text": "Tolerated the full ladder: start the next infusion at the order's steps, up to 150 mL/h."})
    alerts = (await visits.state_of(visit)).alerts
    await desk_events.append(user=pharmacist, visit=visit, kind="review.signed", payload={
        "note": "Uneventful infusion; premedication timing right. Continue the plan.", "alerts_reviewed": len(alerts)})
    await release.release_signoffs()


async def add_finished_visits(organization_id: int) -> None:
    """The demo's finished visits: one tolerated, one with a reaction, one already reviewed."""
    pharmacist = await User.filter(organization_id=organization_id, role="pharmacist").order_by("id").first()
    for scenario in SCENARIOS:
        patient = await Patient.get(organization_id=organization_id, mrn=scenario.mrn)
        assignment = await patient.assignments.all().order_by("id").first().prefetch_related("nurse")
        visit = await record_visit(patient, assignment.nurse, scenario)
        if scenario.reviewed and pharmacist is not None:
            await review(visit, pharmacist)
