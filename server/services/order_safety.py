"""Order entry applies the order-safety rule (server/clinical/order_safety.py): an order whose cap or
steps pass the label maximum or the at-risk cap is refused, naming the field and the reason, unless the
pharmacist records an override with a reason; the override is kept on the order (so on every revision)
and shown on the tablet, the review page and the summary. An at-risk patient on a product whose label
gives no numeric cap needs the order's own cap or the organization's default; that has no override.
An order for a product without verified rates (no label row) needs its own cap, steps within it; a hydration
order (a volume over a time) needs neither."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from server.clinical.order_safety import OrderSafety, check_order, finding_of
from server.clinical.products import Catalog
from server.clinical.rulebook import vitals_schedule_from
from server.db.models import Patient, User
from server.errors import FieldError, ValidationFailed
from server.services import at_risk_policy, order_volume
from server.services.visits import RISK_FLAGS, rulebook

if TYPE_CHECKING:
    from server.services.orders import OrderCreate

NEEDS_REASON = ("To keep the order as written, record a pharmacist override: give the reason "
                "(e.g. the prescriber confirmed the rate).")


def patient_at_risk(patient: Patient, at_risk_flags: frozenset[str]) -> bool:
    """The patient's record flags a risk that the products data counts as "at risk"."""
    return any(getattr(patient, column) and flag in at_risk_flags for column, flag in RISK_FLAGS.items())


async def safety_of(*, patient: Patient, data: OrderCreate, catalog: Catalog,
                    vitals_schedule: dict[str, Any] | None = None) -> OrderSafety:
    """A hydration order (order kind fixed_dose) runs at the pharmacist's own rate, volume over time (checked
    at entry, server/services/order_volume.py): no label maximum applies and no cap is needed."""
    if order_volume.is_volume_order(catalog, data.product_id):
        return OrderSafety(None, None, None, ())
    unrated = catalog.unrated_product(data.product_id) is not None
    label = None if unrated else catalog.protocol_for(data.product_id, data.indication)
    policy = await at_risk_policy.policy_of(patient.organization_id)
    return check_order(
        label, weight_kg=data.dosing_weight_kg, cap_ml_h=data.rate_cap_ml_h,
        steps_ml_h=tuple(data.steps_ml_h) if data.steps_ml_h else None, step_interval_min=data.step_interval_min,
        at_risk=patient_at_risk(patient, catalog.at_risk_flags),
        at_risk_default_mg_kg_min=policy.at_risk_cap_mg_kg_min,
        vitals_every_min=vitals_schedule_from(rulebook().vitals_schedule, vitals_schedule).titrating_every_min,
    )


def refusal(safety: OrderSafety, reason: str | None) -> ValidationFailed:
    """The fields at fault, each with its reason, and what to do to keep the order as written."""
    errors = [FieldError(problem.field, problem.message) for problem in safety.problems]
    if not reason and all(problem.overridable for problem in safety.problems):
        errors.append(FieldError("override_reason", NEEDS_REASON))
    return ValidationFailed("; ".join(error.message for error in errors), errors=errors)


async def override_for(
    *, patient: Patient, pharmacist: User, data: OrderCreate, catalog: Catalog,
    kept: dict[str, Any] | None = None, vitals_schedule: dict[str, Any] | None = None,
) -> dict[str, Any] | None:
    """The override to store on the order (None: none needed), or ValidationFailed. An edit that leaves
    the reason and the problems as they were keeps the earlier override, with its author and time."""
    safety = await safety_of(patient=patient, data=data, catalog=catalog, vitals_schedule=vitals_schedule)
    reason = data.override_reason
    if not safety.accepted(overridden=bool(reason)):
        raise refusal(safety, reason)
    if not safety.problems:
        return None
    # What was overridden, as the tablet, the review page and the summary say it (without "lower it, or...").
    problems = [{"code": p.code, "field": p.field, "finding": finding_of(p.message)}
                for p in safety.problems]
    if kept is not None and kept.get("reason") == reason and kept.get("problems") == problems:
        return kept
    return {"reason": reason, "by_id": pharmacist.id, "by": pharmacist.display_name,
            "at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "problems": problems}
