"""An order's dosing weight far from the patient's recorded dosing weight is a slip (a weight typed in
pounds, a digit dropped or doubled) or a stale record, and the dose and every rate scale with it. The gap
that matters is the one the bedside alert uses (rules.json `weight_change`, CLINICAL.md s.1.3 and s.3: 10%),
measured from what is known (there the order's weight, here the patient's record); at order entry it is
refused unless the pharmacist ticks that the weight is meant. An edit that keeps the order's weight is not
asked again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from server.clinical.rounding import format_number, round_half_up
from server.db.models import Order, Patient
from server.errors import FieldError, ValidationFailed
from server.services.visits import rulebook

if TYPE_CHECKING:
    from server.services.orders import OrderCreate

FIELD = "weight_differs"
KG_PER_LB = 0.45359237


def change_pct_min() -> float:
    """The bedside rule's threshold: one number for the order entry and the tablet."""
    return next(rule for rule in rulebook().rules if rule.id == "weight_change").thresholds["change_pct_min"]


def check(*, patient: Patient, data: OrderCreate, order: Order | None = None) -> None:
    """Raise ValidationFailed (on FIELD) when the order's weight is as far from the patient's as the bedside
    alert's gap, unless ticked, or unchanged by this edit."""
    dosing, recorded = data.dosing_weight_kg, patient.dosing_weight_kg
    if data.weight_differs or (order is not None and order.dosing_weight_kg == dosing):
        return
    change_pct = round_half_up(abs(dosing - recorded) / recorded * 100, 1)  # the record is what is known
    if change_pct < change_pct_min():
        return
    pounds = abs(dosing * KG_PER_LB - recorded) <= recorded * 0.05
    hint = f" ({format_number(dosing, 1)} lb is {format_number(dosing * KG_PER_LB, 1)} kg)" if pounds else ""
    message = (f"{FIELD}: {format_number(dosing, 1)} kg differs {format_number(change_pct, 1)}% from the patient's "
               f"recorded dosing weight of {format_number(recorded, 1)} kg{hint}; the dose and every rate scale with "
               f"it. Correct it, or tick that this dosing weight is meant.")
    raise ValidationFailed(message, errors=[FieldError(FIELD, message)])
