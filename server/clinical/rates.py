"""Rate arithmetic: pump rates (mL/h) and the per-kg units labels use, and a protocol's step table.

    mL/h = mg/kg/min × kg × 60 ÷ concentration (mg/mL)
    mL/h = mL/kg/min × kg × 60
    mL/h = mL/kg/h × kg

Conversions keep full precision; `step_schedule` rounds (half up, `rounding.py`) at the boundary: mL/h to
0.1 (what the pump is set to), mL/kg/h and mg/kg/min to 0.01 (what the table shows).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from server.clinical.products import Protocol, RateUnit
from server.clinical.rounding import round_half_up

_PER_MINUTE = 60.0


def to_ml_h(rate: float, unit: RateUnit, *, weight_kg: float, concentration_mg_ml: float) -> float:
    """A rate in `unit` as mL/h for this weight and concentration."""
    if unit == "mL/h":
        return rate
    if unit == "mL/kg/h":
        return rate * weight_kg
    if unit == "mL/kg/min":
        return rate * weight_kg * _PER_MINUTE
    if unit == "mg/kg/min":
        return rate * weight_kg * _PER_MINUTE / concentration_mg_ml
    raise ValueError(f"no pump rate in mL/h for a rate in {unit}")


def from_ml_h(rate_ml_h: float, unit: RateUnit, *, weight_kg: float, concentration_mg_ml: float) -> float:
    """A pump rate in mL/h expressed in `unit` (the inverse of `to_ml_h`)."""
    return rate_ml_h / to_ml_h(1.0, unit, weight_kg=weight_kg, concentration_mg_ml=concentration_mg_ml)


@dataclass(frozen=True)
class DerivedRate:
    """One pump rate in the three units a record shows, rounded for display."""

    rate_ml_h: float
    ml_kg_h: float
    mg_kg_min: float

    @classmethod
    def of(cls, rate_ml_h: float, *, weight_kg: float, concentration_mg_ml: float) -> DerivedRate:
        units = {"weight_kg": weight_kg, "concentration_mg_ml": concentration_mg_ml}
        return cls(
            rate_ml_h=round_half_up(rate_ml_h, 1),
            ml_kg_h=round_half_up(from_ml_h(rate_ml_h, "mL/kg/h", **units), 2),
            mg_kg_min=round_half_up(from_ml_h(rate_ml_h, "mg/kg/min", **units), 2),
        )


LimitSource = Literal["label_max", "at_risk_cap", "at_risk_default", "at_risk_minimum", "order_cap", "order_max",
                      "order_rate"]


@dataclass(frozen=True)
class RateLimit:
    """The highest rate allowed in this visit, in mL/h (0.1), and where it comes from."""

    ml_h: float
    source: LimitSource
    exclusive: bool = False

    def exceeded_by(self, rate_ml_h: float) -> bool:
        return rate_ml_h >= self.ml_h if self.exclusive else rate_ml_h > self.ml_h


def pump_rate(protocol: Protocol, rate: float, unit: RateUnit, weight_kg: float) -> float:
    units = {"weight_kg": weight_kg, "concentration_mg_ml": protocol.product.concentration_mg_ml}
    return round_half_up(to_ml_h(rate, unit, **units), 1)


def at_risk_limit(
    protocol: Protocol, *, weight_kg: float, label: Protocol | None = None,
    at_risk_default_mg_kg_min: float | None = None,
) -> RateLimit:
    """An at-risk patient's cap when the order gives none: the label's numeric cap; else the
    organization's default (mg/kg/min); else the start rate ("minimum rate practicable")."""
    label = protocol if protocol.basis == "label" else label
    if label is not None and label.at_risk_cap is not None:
        cap = pump_rate(label, label.at_risk_cap, label.rate_unit, weight_kg)
        return RateLimit(cap, "at_risk_cap", label.at_risk_cap_exclusive)
    if at_risk_default_mg_kg_min is not None:
        return RateLimit(pump_rate(protocol, at_risk_default_mg_kg_min, "mg/kg/min", weight_kg), "at_risk_default")
    return RateLimit(pump_rate(protocol, protocol.start_rate, protocol.rate_unit, weight_kg), "at_risk_minimum")


def rate_limit(
    protocol: Protocol, *, weight_kg: float, cap_ml_h: float | None = None, at_risk: bool = False,
    label: Protocol | None = None, at_risk_default_mg_kg_min: float | None = None,
) -> RateLimit:
    """The strictest of: the protocol's maximum, the label maximum (`label`, for an order protocol),
    and the order's cap, or for an at-risk patient without one, the at-risk cap. An order's cap may
    replace the at-risk cap, never lift the label maximum (CLINICAL.md s.2). Only a kind with a ladder
    (weight_titration, fixed_steps, an order's fixed_dose) has rate maths; a fixed dose runs at its ordered
    rate, which the IVIG at-risk caps do not bound (LABELS.md s.6)."""
    if not protocol.ladder:
        raise ValueError(f"no rate maths for a {protocol.kind} protocol ({protocol.id})")
    top = "label_max" if protocol.basis == "label" else "order_rate" if protocol.kind == "fixed_dose" else "order_max"
    at_risk = at_risk and protocol.kind != "fixed_dose"
    limits = [RateLimit(pump_rate(protocol, protocol.max_rate, protocol.rate_unit, weight_kg), top)]
    if protocol.basis == "order" and label is not None:
        limits.append(RateLimit(pump_rate(label, label.max_rate, label.rate_unit, weight_kg), "label_max"))
    if cap_ml_h is not None:
        limits.append(RateLimit(round_half_up(cap_ml_h, 1), "order_cap"))
    elif at_risk:
        limits.append(at_risk_limit(protocol, weight_kg=weight_kg, label=label,
                                    at_risk_default_mg_kg_min=at_risk_default_mg_kg_min))
    return min(limits, key=lambda limit: (limit.ml_h, not limit.exclusive))


@dataclass(frozen=True)
class Step:
    """One row of the step table; hold_min is None for the last step (run it to the end)."""

    index: int
    rate_ml_h: float
    ml_kg_h: float
    mg_kg_min: float
    hold_min: float | None
    starts_at_min: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def hold_min(protocol: Protocol, index: int | None) -> float:
    """How long a step is held before the next: the first step (or no step yet) has its own time."""
    return protocol.first_step_min if index in (None, 0) else protocol.step_min


def _step_rates(protocol: Protocol, weight_kg: float, limit: RateLimit) -> list[float]:
    """The ladder in mL/h (0.1), cut at the limit; a cut inclusive limit becomes the last step."""
    rates: list[float] = []
    for rung in protocol.ladder:
        rate = pump_rate(protocol, rung, protocol.rate_unit, weight_kg)
        if not limit.exceeded_by(rate) and (not rates or rate > rates[-1]):
            rates.append(rate)
    top = pump_rate(protocol, protocol.max_rate, protocol.rate_unit, weight_kg)
    cut = limit.ml_h < top
    if cut and not limit.exclusive and (not rates or limit.ml_h > rates[-1]):
        rates.append(limit.ml_h)
    return rates


def step_schedule(
    protocol: Protocol, *, weight_kg: float, cap_ml_h: float | None = None, at_risk: bool = False,
    label: Protocol | None = None, at_risk_default_mg_kg_min: float | None = None,
) -> list[Step]:
    """The titration as a table for this patient: rate per step, when it starts, how long it holds."""
    limit = rate_limit(protocol, weight_kg=weight_kg, cap_ml_h=cap_ml_h, at_risk=at_risk, label=label,
                       at_risk_default_mg_kg_min=at_risk_default_mg_kg_min)
    rates = _step_rates(protocol, weight_kg, limit)
    concentration = protocol.product.concentration_mg_ml
    steps: list[Step] = []
    starts_at = 0.0
    for index, rate in enumerate(rates):
        hold = None if index == len(rates) - 1 else hold_min(protocol, index)
        derived = DerivedRate.of(rate, weight_kg=weight_kg, concentration_mg_ml=concentration)
        steps.append(Step(index, derived.rate_ml_h, derived.ml_kg_h, derived.mg_kg_min, hold, starts_at))
        starts_at += hold or 0.0
    return steps


def step_index(schedule: list[Step], rate_ml_h: float, tolerance_ml_h: float) -> int | None:
    """The highest step this rate has reached (within the tolerance); None below the first step."""
    reached = [step.index for step in schedule if step.rate_ml_h <= rate_ml_h + tolerance_ml_h]
    return reached[-1] if reached else None


def next_step(schedule: list[Step], rate_ml_h: float, tolerance_ml_h: float) -> Step | None:
    """The first step above this rate (beyond the tolerance); None at or above the last step."""
    return next((step for step in schedule if step.rate_ml_h > rate_ml_h + tolerance_ml_h), None)
