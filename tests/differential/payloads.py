"""Payloads of a plausible visit, one function per entry kind, each drawn with Hypothesis: mostly what a
careful nurse records, sometimes a value that should raise an alert (fever, a fall in blood pressure,
low SpO2, a fast pulse, a weight change, an expired or uninspected vial, an overdose)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tests.differential.draws import Draw, integer, pick
from tests.differential.visit_log import T0, instant

DATA = Path(__file__).resolve().parents[2] / "server" / "clinical" / "data"
PRODUCTS: list[dict[str, Any]] = json.loads((DATA / "products.json").read_text("utf-8"))["products"]
# Products without verified rates: an order for one runs only on its explicit steps.
UNRATED: list[dict[str, Any]] = json.loads((DATA / "products.json").read_text("utf-8"))["products_without_rates"]
DRUGS = [{"drug": "diphenhydramine", "dose": 25, "unit": "mg", "route": "PO"},
         {"drug": "acetaminophen", "dose": 650, "unit": "mg", "route": "PO"},
         {"drug": "cetirizine", "dose": 10, "unit": "mg", "route": "PO"},
         {"drug": "methylprednisolone", "dose": 40, "unit": "mg", "route": "IV"},
         {"drug": "hydrocortisone", "dose": 100, "unit": "mg", "route": "IV"}]
_PER_KG_H = {"mL/kg/h": lambda row: 1.0, "mL/kg/min": lambda row: 60.0,
             "mg/kg/min": lambda row: 60.0 / row["concentration_mg_ml"]}


def ladder_of(row: dict[str, Any], weight_kg: float) -> list[float]:
    """A label ladder in mL/h to 0.1, as the nurse reads it off the step table (pump range 999)."""
    factor = _PER_KG_H[row["rate_unit"]](row) * weight_kg
    return [min(999.0, round(rung * factor, 1)) for rung in row["ladder"]]


def ordered_ml(order: dict[str, Any], row: dict[str, Any]) -> float | None:
    grams = order.get("dose_g") or (order.get("dose_g_per_kg") or 0) * order["dosing_weight_kg"]
    return min(4999.0, round(grams * 1000 / row["concentration_mg_ml"], 1)) if grams else None


def _pick(draw: Draw, options: list[Any]) -> Any:
    return pick(draw, options)


def started(draw: Draw) -> dict[str, Any]:
    location = _pick(draw, [{"lat": 40.7, "lon": -74.0, "accuracy_m": 12}] * 4 + [None])
    return {"patient_id": "patient-pat", "order_id": "order-1", "location": location}


def assessment(draw: Draw, dosing_weight_kg: float) -> dict[str, Any]:
    factor = _pick(draw, [1.0] * 6 + [1.03, 0.95, 1.1, 0.9, 0.89, 1.15])
    kit = _pick(draw, [(True, True, True)] * 20 + [(False, True, True), (True, False, True), (True, True, False)])
    risk = _pick(draw, [(False, False)] * 8 + [(True, False), (False, True)])
    return {"weight_kg": max(1.0, round(dosing_weight_kg * factor, 1)), "kit_present": kit[0],
            "kit_in_date": kit[1], "kit_undamaged": kit[2], "symptoms": _pick(draw, [[], [], ["headache"]]),
            "hydration": _pick(draw, ["adequate"] * 5 + ["inadequate"]), "headache": False,
            "infection_signs": False, "thrombosis_risk": risk[0], "renal_risk": risk[1], "allergies_reviewed": True,
            "identity": _pick(draw, [["name", "birth_date"]] * 8 + [["name", "mrn", "photo_id"], None])}


def line_placed(draw: Draw) -> dict[str, Any]:
    return {"status": "new", "type": _pick(draw, ["peripheral", "peripheral", "midline"]), "gauge": 22,
            "site": "left forearm", "side": "left", "attempts": _pick(draw, [1, 1, 2]), "blood_return": True,
            "flush_solution": "0.9% sodium chloride", "flush_volume_ml": 10, "findings": ["no_complications"]}


def line_outcome(draw: Draw, kind: str) -> dict[str, Any]:
    if kind == "line.removed":
        return {"reason": "therapy_complete", "tip_intact": True, "findings": ["no_complications"], "dressing": "gauze"}
    return {"dressing": "transparent", "patient_instructed": True, "findings": ["no_complications"]}


def baseline(draw: Draw) -> dict[str, float]:
    """This patient's usual vital signs."""
    return {"hr": integer(draw, 55, 95), "rr": integer(draw, 12, 20), "sbp": integer(draw, 98, 150),
            "dbp": integer(draw, 58, 88), "temp_c": integer(draw, 360, 374) / 10,
            "spo2": integer(draw, 95, 100)}


_ABNORMAL: dict[str, list[tuple[str, Any]]] = {
    "fever": [("temp_c", 1.0), ("temp_c", 1.2), ("temp_c", 0.9), ("temp_c", 2.0), ("temp_c", 2.5)],
    "fever_abs": [("temp_c", "=38.0"), ("temp_c", "=39.0"), ("temp_c", "=38.95"), ("temp_c", "=37.95")],
    "bp": [("sbp", -30), ("sbp", -29), ("sbp", -45), ("sbp", -60), ("sbp", "=89"), ("sbp", "=80"), ("sbp", "=79.5")],
    "spo2": [("spo2", "=92"), ("spo2", "=93"), ("spo2", "=88"), ("spo2", "=91.5")],
    "hr": [("hr", "=100"), ("hr", "=101"), ("hr", "=124"), ("hr", "=100.4")],
    "rr": [("rr", "=20"), ("rr", "=21"), ("rr", "=28")],
}


def _abnormal(draw: Draw, values: dict[str, Any]) -> None:
    name, change = _pick(draw, _pick(draw, list(_ABNORMAL.values())))
    values[name] = float(change[1:]) if isinstance(change, str) else round(values[name] + change, 1)
    if values["dbp"] >= values["sbp"]:
        values["dbp"] = max(20, values["sbp"] - 25)


def vitals(draw: Draw, usual: dict[str, float], *, normal: bool) -> tuple[dict[str, Any], int]:
    """(payload, schema): near the usual values, or with one abnormal value; sometimes a partial set, or
    the legacy schema 0 with the temperature in °F."""
    values: dict[str, Any] = {"hr": usual["hr"] + integer(draw, -6, 8), "rr": usual["rr"],
                              "sbp": usual["sbp"] + integer(draw, -12, 8), "dbp": usual["dbp"],
                              "temp_c": round(usual["temp_c"] + integer(draw, -2, 4) / 10, 1),
                              "spo2": min(100, usual["spo2"] + integer(draw, -2, 1))}
    if not normal:
        _abnormal(draw, values)
    shape = _pick(draw, ["full"] * 8 + ["temp_hr", "spo2", "bp", "pain"])
    keep = {"full": list(values), "temp_hr": ["temp_c", "hr"], "spo2": ["spo2", "hr"], "bp": ["sbp", "dbp"],
            "pain": list(values)}[shape]
    payload: dict[str, Any] = {name: values[name] for name in keep}
    if shape == "pain":
        payload["pain"], payload["position"] = integer(draw, 0, 10), "sitting"
    if integer(draw, 0, 39) == 39:
        _typo(draw, payload)
    if type(payload.get("temp_c")) in (int, float) and integer(draw, 0, 29) == 29:
        payload["temp_f"] = round(payload.pop("temp_c") * 9 / 5 + 32, 1)
        return payload, 0
    return payload, 1


def _typo(draw: Draw, payload: dict[str, Any]) -> None:
    """A slip the server refuses (listed as invalid, with its problems worded for the nurse)."""
    slip = _pick(draw, ["decimal", "swap", "text", "bool", "extra", "empty", "half_bp"])
    name = _pick(draw, sorted(payload))
    if slip == "decimal" and isinstance(payload[name], (int, float)):
        payload[name] = payload[name] * 10
    elif slip == "swap" and "sbp" in payload:
        payload["sbp"], payload["dbp"] = payload["dbp"], payload["sbp"]
    elif slip == "text":
        payload[name] = str(payload[name])
    elif slip == "bool":
        payload[name] = True
    elif slip == "extra":
        payload["weight"] = 70
    elif slip == "empty":
        payload.clear()
    elif slip == "half_bp" and "dbp" in payload:
        del payload["dbp"]


def medication(draw: Draw, item: dict[str, Any], purpose: str) -> dict[str, Any]:
    dose = item["dose"] * _pick(draw, [1] * 8 + [2, 0.5])
    drug = _pick(draw, [item["drug"]] * 6 + [item["drug"].capitalize(), item["drug"] + "\u00a0"])
    return {"drug": drug, "dose": dose, "unit": item["unit"] or "mg", "route": item["route"] or "PO",
            "purpose": purpose}


def off_order(draw: Draw) -> dict[str, Any]:
    return _pick(draw, DRUGS[2:])


def opened(draw: Draw, product_id: str, lot: str) -> dict[str, Any]:
    other = _pick(draw, [product_id] * 12 + [row["product_id"] for row in PRODUCTS[::3]])
    days = _pick(draw, [420, 420, 300, 200, 90, 30, 1, 0, -1, -45])
    return {"product_id": other, "lot": lot, "expiry": (T0.date() + timedelta(days=days)).isoformat(),
            "volume_ml": _pick(draw, [50, 100, 200, 300]), "inspected_ok": _pick(draw, [True] * 19 + [False])}


def reaction(draw: Draw, notified_at: datetime | None, zone_min: int = 0) -> dict[str, Any]:
    grade = _pick(draw, [1, 1, 1, 2, 2, 3, 4])
    notified = []
    if notified_at is not None and integer(draw, 0, 3) > 0:
        notified = [{"who": _pick(draw, ["prescriber", "pharmacist"]), "at": instant(notified_at, zone_min)}]
    return {"symptoms": _pick(draw, [["chills"], ["headache", "flushing"], ["urticaria"], ["wheeze", "rash"], ["chills\u0085"]]),
            "grade": grade, "actions": _pick(draw, [["slowed"], ["paused", "medication_given"], ["observed"]]),
            "notified": notified, "outcome": _pick(draw, ["resolved", "improving", "ongoing", "ongoing"])}


# Text pasted or dictated into the tablet: no-break and em spaces, a byte-order mark, a next-line (U+0085).
_PASTED = ["\ufeffPatient called back", "Feels well\u00a0", "Pain eased\u0085", "\u2003Sleeping\u3000"]


def documentation(draw: Draw, order: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    kind = _pick(draw, ["note", "line.assessed", "education", "medication.given"])
    if kind == "note":
        return kind, {"text": _pick(draw, ["Patient comfortable, watching TV.", "  Mild headache  ", *_PASTED])}
    if kind == "line.assessed":
        return kind, {"phase": "during", "findings": _pick(draw, [["no_complications"], ["redness"]])}
    if kind == "education":
        return kind, {"topics": [_pick(draw, ["reaction signs", "\ufeff", "hydration\u2003"])], "understanding": "verbalized"}
    item = _pick(draw, order["prn_orders"] or DRUGS)
    return kind, medication(draw, item, "prn")


def signature(role: str) -> dict[str, Any]:
    name = "Ana Reyes, RN" if role == "nurse" else "Pat Doe"
    return {"role": role, "name": name, "statement": f"Electronically signed by {name}"}
