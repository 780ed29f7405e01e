"""What order entry asks before it saves, all at once: a dosing weight far from the patient's, a dose moved
far from the revision edited, a product that does not fit the patient's age or IgA deficiency, a medication
dose beyond its usual one (or an adult's dose for a child), the order-safety problems that need an
override, a second active order of a therapy. Each names its field and the box that says it is meant. A walk
fixed one, saved, and met the next; each question is settled on its own, so all are asked in one answer."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, Callable

from server.db.models import Order, Patient, User
from server.errors import FieldError, ValidationFailed
from server.services import (
    dose_change, dosing_weight, duplicate_therapy, order_safety, org_catalogue, patient_fit, usual_dose,
)

if TYPE_CHECKING:
    from server.services.orders import OrderCreate


async def _asked(errors: list[FieldError], check: Callable[..., Any], **facts: Any) -> tuple[bool, Any]:
    """Run one question (a check, awaited if it is a coroutine): (True, its answer), or (False, None) with its
    refusal's fields added to `errors`."""
    try:
        answer = check(**facts)
        return True, await answer if inspect.isawaitable(answer) else answer
    except ValidationFailed as refused:
        errors.extend(refused.errors)
        return False, None


async def settle(*, patient: Patient, pharmacist: User, data: OrderCreate, order: Order | None = None
                 ) -> dict[str, Any] | None:
    """The safety override to store on the order (None: none needed), or one ValidationFailed with every
    question still open. The safety check waits for the weight: each of its numbers scales with it."""
    errors: list[FieldError] = []
    weight_stands, _ = await _asked(errors, dosing_weight.check, patient=patient, data=data, order=order)
    if order is not None:
        await _asked(errors, dose_change.check, data=data, order=order)
    await _asked(errors, patient_fit.check, patient=patient, data=data, order=order)
    await _asked(errors, usual_dose.check, patient=patient, data=data, order=order)
    override = None
    if weight_stands:
        _, override = await _asked(
            errors, order_safety.override_for, patient=patient, pharmacist=pharmacist, data=data,
            catalog=await org_catalogue.catalog_for(patient.organization_id),
            kept=order.safety_override if order else None, vitals_schedule=order.vitals_schedule if order else None)
    await _asked(errors, duplicate_therapy.check, patient_id=patient.id, data=data, order=order)
    if errors:
        raise ValidationFailed("; ".join(error.message for error in errors), errors=errors)
    return override
