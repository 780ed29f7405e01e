"""Corrections and the pharmacist's review, drawn after the visit: amendments and voids by the entry's
author (and now and then by someone the entry authority refuses), a void of an amendment, a sign-off,
and an entry that reaches the server after the sign-off (which reopens the visit)."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from tests.differential.visit_log import Device

if TYPE_CHECKING:
    from tests.differential.flow import Nurse

_CORRECTABLE = ("vitals", "infusion.rate_changed", "infusion.started", "infusion.resumed", "assessment",
                "reaction.observed", "product.opened", "medication.given", "infusion.stopped", "signature",
                "note", "visit.ended", "entry.amended")


def _amended(nurse: Nurse, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The target's payload with one field changed, as its author would fix it."""
    fixed = copy.deepcopy(payload)
    if kind == "vitals":
        fixed = {name: value for name, value in fixed.items() if isinstance(value, (int, float, type(None)))
                 and not isinstance(value, bool) or name == "position"}  # a typed slip is fixed
        names = [n for n in ("temp_c", "temp_f", "hr", "sbp", "spo2", "pain") if n in fixed]
        name = nurse.pick(names or ["hr"])
        fixed[name] = fixed.get(name, 80) + nurse.pick([1, -1, 2]) if name != "spo2" else min(100, fixed[name] + 1)
        if isinstance(fixed.get("dbp"), (int, float)) and isinstance(fixed.get("sbp"), (int, float)) \
                and fixed["dbp"] >= fixed["sbp"]:
            fixed["dbp"] = fixed["sbp"] - 20
    elif "rate_ml_h" in fixed:
        fixed["rate_ml_h"] = nurse.pick(nurse.ladder)
    elif kind == "assessment":
        fixed["weight_kg"] = round(fixed["weight_kg"] * nurse.pick([1.1, 0.9, 1.0]), 1)
        fixed["kit_in_date"] = True
    elif kind == "reaction.observed":
        fixed["outcome"] = "resolved"
    elif kind == "product.opened":
        fixed["expiry"], fixed["inspected_ok"] = "2027-01-31", True
    elif kind == "medication.given":
        fixed["dose"] = fixed["dose"] / 2
    elif kind == "infusion.stopped":
        fixed["pump_volume_ml"] = nurse.pick([None, 100, 650.5])
    else:
        fixed = {**fixed, "text": "corrected"} if kind == "note" else fixed
    return fixed


def _author(nurse: Nurse, target: dict[str, Any]) -> Device:
    """Mostly the target's author on her own tablet; sometimes another user (refused by the fold)."""
    who = nurse.pick([target["author_id"]] * 6 + ["nurse-ben", "pharm-pia"])
    if who not in nurse.devices:  # a later sign-in on another tablet, numbering its own entries
        nurse.devices[who] = Device(f"tablet-{who.split('-')[1]}-2", who, nurse.pick([0, 0, 4_000, -30_000]))
    return nurse.devices[who]


def correct(nurse: Nurse, count: int) -> None:
    for _ in range(count):
        targets = [e for e in nurse.log.events if e["kind"] in _CORRECTABLE]
        if not targets:
            return
        target = nurse.pick(targets)
        device = _author(nurse, target)
        minute = nurse.t + nurse.minutes(1, 90)
        if target["kind"] != "entry.amended" and nurse.pick([True, True, False]):
            payload = {"target_id": target["id"], "payload": _amended(nurse, target["kind"], target["payload"]),
                       "payload_schema": target["schema"], "reason": "typed the wrong value"}
            nurse.log.add(device, minute, "entry.amended", payload)
        else:
            nurse.log.add(device, minute, "entry.voided", {"target_id": target["id"], "reason": "wrong entry"})


def review(nurse: Nurse) -> None:
    """The pharmacist's intervention and sign-off; sometimes a nurse's entry arrives after it."""
    desk = Device("desk-pia", "pharm-pia", 0, 0)
    minute = nurse.t + nurse.minutes(30, 600)
    if nurse.chance(2):
        rate = nurse.pick(nurse.ladder)
        nurse.log.add(desk, minute, "review.intervention",
                      {"kind": "next_rate", "text": "Start next time at the tolerated rate", "next_rate_ml_h": rate})
    nurse.log.add(desk, minute + 1, "review.signed", {"note": nurse.pick([None, "Reviewed"])})
    if nurse.chance(3):
        nurse.log.add(nurse.main, minute + 5, "note", {"text": "Late note: patient called, feels well."})
