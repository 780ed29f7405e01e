"""Realistic scripted visits for a 70 kg patient on Gammagard Liquid 10% for PI (ladder 35, 70, 140,
280, 350 mL/h, 30 min per step; 1 g/kg = 70 g = 700 mL). Variants change one thing each."""

from __future__ import annotations

from typing import Callable

from server.clinical import VisitContext
from tests.clinical.script import GAMMAGARD, VisitScript

GAMMAGARD_ORDER = {
    "product_id": GAMMAGARD, "protocol_id": "gammagard-liquid-10-pi", "dosing_weight_kg": 70,
    "dose_g_per_kg": 1.0,
    "premeds": [{"drug": "diphenhydramine", "dose": 25, "unit": "mg", "route": "PO"},
                {"drug": "acetaminophen", "dose": 650, "unit": "mg", "route": "PO"}],
}

ContextFor = Callable[..., VisitContext]  # the `context_for` fixture: order changes -> context

TITRATION = [(50, 35), (80, 70), (110, 140), (140, 280), (170, 350)]
STOP_AT = 245  # 262.5 mL by 170 min, then 437.5 mL at 350 mL/h = 75 min


def prelude(s: VisitScript, *, premed_at: float = 10, kit_in_date: bool = True) -> None:
    """Time in, assessment with the kit check, line, baseline vitals, premedication, first bag."""
    s.started(0)
    s.assessment(2, kit_in_date=kit_in_date)
    s.line_placed(3)
    s.vitals(5)
    s.premed(premed_at, "diphenhydramine", 25)
    s.premed(premed_at, "acetaminophen", 650)
    s.opened(45)


def checks(s: VisitScript, minutes: list[float], **values: float) -> None:
    for minute in minutes:
        s.vitals(minute, **values)


def step_up(s: VisitScript, minute: float, rate_ml_h: float) -> str:
    """Vitals, the rate change, and vitals 15 min into the new step; returns the rate change's id."""
    s.vitals(minute)
    changed = s.rate(minute, rate_ml_h)
    s.vitals(minute + 15)
    return changed


def titrate(s: VisitScript, steps: list[tuple[float, float]] = TITRATION) -> None:
    """The pump steps, with vitals at each step and 15 min into it (30-min steps)."""
    (first_at, first_rate), *rest = steps
    s.start(first_at, first_rate)
    s.vitals(first_at + 15)
    for minute, rate in rest:
        step_up(s, minute, rate)


def finish(s: VisitScript, *, stop_at: float = STOP_AT, hourly: tuple[float, ...] = (230,),
           pump_volume_ml: float | None = 700) -> None:
    """Hourly checks at the maximum, completion vitals, stop, line out, 20-min observation, sign, out."""
    checks(s, list(hourly))
    s.vitals(stop_at)
    s.stop(stop_at, pump_volume_ml=pump_volume_ml)
    s.line_removed(stop_at + 5)
    s.vitals(stop_at + 20)
    s.sign(stop_at + 23)
    s.ended(stop_at + 25)


def tolerated_visit() -> VisitScript:
    s = VisitScript()
    prelude(s)
    titrate(s)
    finish(s)
    return s
