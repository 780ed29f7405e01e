"""An order's premedication or PRN dose outside its drug's usual dose (server/clinical/usual_doses.py) is a
slip (650 g typed for 650 mg, a decimal point moved) or a dose the prescriber chose (a child's, a larger
one); the nurse gives what the order says. It is refused, on the dose in its row, unless the pharmacist ticks
that the doses are meant; ten times the usual highest or more is refused outright (a unit slip, never a
prescription). The usual doses are an adult's, so for a child every dose of a drug the table holds is asked.
A dose the order already held as written is not asked again at each edit, but a slip is."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from server.clinical.rounding import format_number
from server.clinical.usual_doses import beyond_usual, usual_of
from server.db.models import Order, Patient
from server.errors import FieldError, ValidationFailed
from server.services.patient_fit import age_years

if TYPE_CHECKING:
    from server.services.orders import OrderCreate, PremedOrder, PrnOrder

FIELD = "medication_dose_differs"
LISTS = ("premeds", "prn_orders")
ADULT_YEARS = 18  # the usual doses (CLINICAL.md s.4) are an adult's


def _held(order: Order | None, prefix: str, row: dict[str, object]) -> bool:
    """The order's revision being edited already lists this medication with this dose, unit and route."""
    keys = ("drug", "dose", "unit", "route")
    return order is not None and any(all(kept.get(k) == row[k] for k in keys) for kept in getattr(order, prefix) or [])


def _question(patient: Patient, medication: PremedOrder | PrnOrder) -> tuple[str, bool] | None:
    """(why, whether a tick may keep it) for one medication, or None. The usual doses are an adult's: for a
    child every dose of a drug the table holds is asked, as a walk's 650 mg for 18 kg passed unasked."""
    beyond = beyond_usual(medication.drug, medication.dose, medication.unit, medication.route)
    if beyond is not None and not beyond.may_be_meant:
        return beyond.reason, False
    years = age_years(patient.birth_date, date.today())
    usual = usual_of(medication.drug, medication.route)
    if usual is not None and years < ADULT_YEARS:
        return (f"{medication.drug} {format_number(medication.dose, 3)} {medication.unit} {medication.route}: the usual "
                f"{usual.text()} is an adult's dose ({usual.source}); {patient.display_name} is {years}: check it for "
                "the weight"), True
    return (beyond.reason, True) if beyond is not None else None


def check(*, patient: Patient, data: OrderCreate, order: Order | None = None) -> None:
    """Raise ValidationFailed naming each dose asked about and, where a tick may keep them, FIELD; a dose ten
    times the usual highest or more is refused, ticked or not."""
    errors, askable = [], []
    for prefix in LISTS:
        for index, medication in enumerate(getattr(data, prefix)):
            question = _question(patient, medication)
            if question is None or (question[1] and _held(order, prefix, medication.model_dump())):
                continue  # a slip the order already holds is told at every edit, until corrected
            if not question[1] or not data.medication_dose_differs:
                errors.append(FieldError(f"{prefix}.{index}.dose", f"{prefix}.{index}.dose: {question[0]}"))
                askable.append(question[1])
    if any(askable):
        errors.append(FieldError(FIELD, f"{FIELD}: check {'this dose' if askable.count(True) == 1 else 'these doses'} "
                                 "against the usual dose. Correct the dose or its unit, or tick that the order's "
                                 "medication doses are meant (the prescriber ordered them)."))
    if errors:
        raise ValidationFailed("; ".join(e.message for e in errors), errors=errors)
