"""An order's premedication or PRN dose outside its drug's usual dose (server/clinical/usual_doses.py) is a
slip (650 g typed for 650 mg, a decimal point moved) or a dose the prescriber chose (a child's, a larger
one); the nurse gives what the order says. It is refused, on the dose in its row, unless the pharmacist ticks
that the doses are meant; ten times the usual highest or more is refused outright (a unit slip, never a
prescription). A dose the order already held as written is not asked again at each edit, but a slip is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from server.clinical.usual_doses import beyond_usual
from server.db.models import Order
from server.errors import FieldError, ValidationFailed

if TYPE_CHECKING:
    from server.services.orders import OrderCreate

FIELD = "medication_dose_differs"
LISTS = ("premeds", "prn_orders")


def _held(order: Order | None, prefix: str, row: dict[str, object]) -> bool:
    """The order's revision being edited already lists this medication with this dose, unit and route."""
    keys = ("drug", "dose", "unit", "route")
    return order is not None and any(all(kept.get(k) == row[k] for k in keys) for kept in getattr(order, prefix) or [])


def check(*, data: OrderCreate, order: Order | None = None) -> None:
    """Raise ValidationFailed naming each dose beyond its usual one and, where a tick may keep them, FIELD;
    a dose ten times the usual highest or more is refused, ticked or not."""
    errors, askable = [], []
    for prefix in LISTS:
        for index, medication in enumerate(getattr(data, prefix)):
            beyond = beyond_usual(medication.drug, medication.dose, medication.unit, medication.route)
            if beyond is None or (beyond.may_be_meant and _held(order, prefix, medication.model_dump())):
                continue  # a slip the order already holds is told at every edit, until corrected
            if not beyond.may_be_meant or not data.medication_dose_differs:
                errors.append(FieldError(f"{prefix}.{index}.dose", f"{prefix}.{index}.dose: {beyond.reason}"))
                askable.append(beyond.may_be_meant)
    if any(askable):
        errors.append(FieldError(FIELD, f"{FIELD}: {'this dose is' if askable.count(True) == 1 else 'these doses are'} "
                                 "outside the usual dose. Correct the dose or its unit, or tick that the order's "
                                 "medication doses are meant (the prescriber ordered them)."))
    if errors:
        raise ValidationFailed("; ".join(e.message for e in errors), errors=errors)
