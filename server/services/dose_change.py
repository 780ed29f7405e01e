"""A revision that moves the order's dose far from the revision it edits is a slip (a digit added or dropped,
mg typed for g) or a new prescription, and every gram the nurse hangs follows it. At the gap the bedside
weight check uses (rules.json `weight_change`, CLINICAL.md s.1.3 and s.3: 10%; the dose in grams scales with
the g/kg dose as with the weight) it is refused unless the pharmacist ticks that the change is meant. The g/kg
dose is compared (a hydration order's volume), not the total grams: a new dosing weight is asked about on its
own (dosing_weight). A walk raised 0.4 g/kg to 2 (28 g to 140 g) in one save with no word."""

from __future__ import annotations

from typing import TYPE_CHECKING

from server.clinical.rounding import format_number, round_half_up
from server.db.models import Order
from server.errors import FieldError, ValidationFailed
from server.services.dosing_weight import change_pct_min

if TYPE_CHECKING:
    from server.services.orders import OrderCreate

FIELD = "dose_differs"


def check(*, data: OrderCreate, order: Order) -> None:
    """Raise ValidationFailed (on FIELD) when the dose moved by the bedside gap or more, unless ticked."""
    if data.dose_differs:
        return
    per_kg = order.volume_ml is None and data.volume_ml is None
    before, after = (order.dose_g_per_kg, data.dose_g_per_kg) if per_kg else (order.volume_ml, data.volume_ml)
    if before is None or after is None or before <= 0:
        return
    change_pct = round_half_up(abs(after - before) / before * 100, 1)
    if change_pct < change_pct_min():
        return
    unit = "g/kg" if per_kg else "mL"
    grams = f" ({format_number(order.dose_g, 1)} g to {format_number(data.dose_g, 1)} g)"
    message = (f"{FIELD}: the dose changes from {format_number(before, 2)} to {format_number(after, 2)} {unit}"
               f"{grams}, {format_number(after / before, 2)} times the revision you edit. Correct it, or tick "
               f"that this dose change is meant (the prescriber ordered it).")
    raise ValidationFailed(message, errors=[FieldError(FIELD, message)])
