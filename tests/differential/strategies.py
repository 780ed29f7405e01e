"""Hypothesis strategies for plausible IVIG home visits: an order and a patient (`orders`, `patients`),
and a visit's sync log written the way a nurse records it (`visits`), for the differential test.

Plausible, not perfect: a nurse mostly follows the ladder, but sometimes steps up early or skips a step,
forgets a check, gives a premed too early, opens an expired vial or another brand; patients react and
recover; entries are corrected by their author (and sometimes, wrongly, by someone else); a second
tablet's clock is off by seconds; some entries are typed late or not yet synced. Rates come from the
ladders in products.json worked out here (not by the engines under test).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from tests.differential.draws import Draw, Seeded, chance, integer, pick, subset
from tests.differential.flow import Nurse
from tests.differential.payloads import DRUGS, PRODUCTS, UNRATED, ladder_of
from tests.differential.visit_log import Device, VisitLog, instant

RISK_FLAGS = ["thrombosis", "renal", "iga_deficiency", "diabetes"]
SCHEDULES = [{"titrating_every_min": 30}, {"at_max_every_min": 30, "observation_min": 30}, {"grace_min": 10}]


def draw_order(draw: Draw) -> dict[str, Any]:
    """A pharmacy order: a label protocol (sometimes by indication), or explicit mL/h steps (sometimes for
    a product without verified rates)."""
    row = pick(draw, PRODUCTS)
    weight = integer(draw, 120, 1300) / 10 if chance(draw, 3) else integer(draw, 12, 130)
    order: dict[str, Any] = {"product_id": row["product_id"], "dosing_weight_kg": weight}
    how = pick(draw, ["protocol"] * 6 + ["indication", "steps"])
    if how == "protocol":
        order["protocol_id"] = row["protocol_id"]
    elif how == "indication":
        order["indication"] = row["indications"][0]
    else:
        rates = sorted(set(ladder_of(row, weight)))
        order["steps_ml_h"] = rates[:integer(draw, min(2, len(rates)), len(rates))]
        order["step_min"] = pick(draw, [15, 20, 30])
        order["first_step_min"] = pick(draw, [None, 15, 30])
        if chance(draw, 4):  # the same steps for a product without verified rates (no label row bounds them)
            order["product_id"] = pick(draw, UNRATED)["product_id"]
            if chance(draw, 2):
                order["indication"] = "PI"
    dose = pick(draw, ["per_kg"] * 4 + ["grams", "none"])
    if dose == "per_kg":
        order["dose_g_per_kg"] = pick(draw, [0.3, 0.4, 0.5, 1.0, 2.0])
    elif dose == "grams":
        order["dose_g"] = pick(draw, [5, 10, 20, 25, 32.5, 40, 60])
    if integer(draw, 0, 9) == 9:
        order["rate_cap_ml_h"] = pick(draw, [50, 100, 120.25, 150, 200])
    order["premeds"], order["prn_orders"] = subset(draw, DRUGS[:3], 2), subset(draw, DRUGS, 2)
    if integer(draw, 0, 9) == 9:
        order["vitals_schedule"] = pick(draw, SCHEDULES)
    return order


def draw_patient(draw: Draw) -> dict[str, Any]:
    """Reaction-risk flags (first infusion, product switch, long gap) and risk flags."""
    return {"first_infusion": chance(draw, 5), "product_switch": chance(draw, 5), "long_gap": chance(draw, 5),
            "risk_flags": subset(draw, RISK_FLAGS, 2)}


def draw_visit(draw: Draw) -> dict[str, Any]:
    """One case: {context, events, now} (now is null, or a moment during or after the visit)."""
    order, patient = draw_order(draw), draw_patient(draw)
    # A product without rates has no row: the nurse opens it (its id and concentration) all the same.
    row = next((r for r in PRODUCTS if r["product_id"] == order["product_id"]), None) or \
        {**PRODUCTS[0], **next(u for u in UNRATED if u["product_id"] == order["product_id"])}
    log = VisitLog()
    main = Device("tablet-ana", "nurse-ana", zone_min=pick(draw, [0, 0, 0, -300, 60, 330]))
    second = Device("tablet-ben", pick(draw, ["nurse-ana", "nurse-ben"]), integer(draw, -90_000, 90_000))
    nurse = Nurse(draw, log, order, row, main, second if chance(draw, 5) else None)
    nurse.visit()
    tail = pick(draw, [0] * 6 + [1, 3, 50])
    events = log.synced(unsynced_tail=tail)
    last = max([log.at(0)] + [nurse.latest(event) for event in events])
    when = pick(draw, ["none", "after", "after", "during"])
    now = None
    if when == "after":
        now = last + timedelta(minutes=integer(draw, 0, 240))
    elif when == "during":
        now = log.at(integer(draw, 0, max(1, int((last - log.at(0)).total_seconds() // 60))))
    context: dict[str, Any] = {"order": order, "patient": patient}
    if chance(draw, 6):  # drawn last, so the visits drawn before this extension stay as they were
        events = draw_other_order(draw, log, context, main, tail)
    if chance(draw, 4):  # after the other orders, for the same reason
        context["series"] = draw_series(draw, order, log.at(0))
    return {"context": context, "events": events, "now": None if now is None else instant(now, main.zone_min)}


def draw_series(draw: Draw, order: dict[str, Any], on: datetime) -> dict[str, Any]:
    """An earlier infusion four weeks before (sometimes of another product), with the rate tolerated there and
    sometimes a handover: a reaction, the pharmacist's rate for this infusion, both or neither; now and then a
    visit since that gave none (a reaction to the premedication), of this product or another, within the
    series' gap or past it, with the pharmacist's rate or none."""
    reaction = {"at": "2025-01-01T10:00:00Z", "grade": 2, "symptoms": ["chills"], "rate_ml_h": 300.0, "outcome": "resolved"}
    handover = None if chance(draw, 3) else {"next_rate_ml_h": pick(draw, [None, 40, 90.5, 150, 900]),
                                              "reactions": subset(draw, [reaction], 1), "notes": []}
    product = order["product_id"] if not chance(draw, 5) else pick(draw, PRODUCTS)["product_id"]
    series = {"on": instant(on), "prior": [{"visit_id": "v-0", "product_id": product, "ended_at": instant(on - timedelta(days=28)),
                                           "handover": handover,
                                           "last_tolerated_rate_ml_h": pick(draw, [None, 35, 84, 120, 168, 336, 900])}]}
    if chance(draw, 3):
        premed = {**reaction, "rate_ml_h": pick(draw, [None, 60.0])}
        series["last_visit"] = {"visit_id": "v-1", "product_id": order["product_id"] if not chance(draw, 4) else product,
                                "ended_at": instant(on - timedelta(days=pick(draw, [7, 56, 57]))),
                                "last_tolerated_rate_ml_h": None, "handover": {
                                    "next_rate_ml_h": pick(draw, [None, 42, 100]), "reactions": subset(draw, [premed], 1),
                                    "notes": []}}
    if chance(draw, 6):
        series["prior"] = []
    return series


def draw_other_order(draw: Draw, log: VisitLog, context: dict[str, Any], main: Device, tail: int) -> list[dict[str, Any]]:
    """A second order of the visit (a pre-hydration of saline as a volume over a time, or another label row)
    run by pump events naming it, sometimes a rate change naming the primary order, now and then a stop
    naming an order the visit does not hold; the log synced again with the same unsynced tail."""
    row = pick(draw, PRODUCTS)
    context["order"]["id"] = "1"
    weight = context["order"]["dosing_weight_kg"]
    if chance(draw, 2):
        volume = pick(draw, [250, 500, 1000])
        context["other_orders"] = [{"id": "2", "product_id": "sodium-chloride-0.9", "therapy": "hydration",
                                    "dosing_weight_kg": weight, "volume_ml": volume,
                                    "duration_min": pick(draw, [30, 120, 180, 240]), "dose_g": volume * 9 / 1000}]
    else:
        context["other_orders"] = [{"id": "2", "product_id": row["product_id"], "protocol_id": row["protocol_id"],
                                    "dosing_weight_kg": weight}]
    start, run = integer(draw, 0, 90), integer(draw, 5, 120)
    log.add(main, start, "infusion.started", {"rate_ml_h": pick(draw, [50, 100, 125.5, 250]), "order_id": "2"})
    if chance(draw, 2):
        log.add(main, start + run / 2, "infusion.rate_changed",
                {"rate_ml_h": pick(draw, [40, 150]), "order_id": pick(draw, ["2", "2", "1"])})
    if chance(draw, 3):
        log.add(main, start + run / 3, "infusion.paused", {"reason": "patient_request", "order_id": "2"})
        log.add(main, start + run / 3 + 5, "infusion.resumed", {"rate_ml_h": 100, "order_id": "2"})
    if chance(draw, 2):
        log.add(main, start + run, "infusion.stopped",
                {"reason": "completed", "pump_volume_ml": pick(draw, [None, 50]), "order_id": "2"})
    if chance(draw, 5):
        log.add(main, integer(draw, 0, 120), "infusion.stopped", {"reason": "other", "order_id": "9"})
    return log.synced(unsynced_tail=tail)


visits = st.composite(draw_visit)  # visits(): the Hypothesis strategy (it shrinks)


def seeded_visit(seed: str) -> dict[str, Any]:
    """The same strategy drawn from random.Random(seed): fast, and the same case for the same seed."""
    return draw_visit(Seeded(seed))
