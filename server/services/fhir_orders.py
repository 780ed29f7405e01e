"""Each order a visit ran on, as a FHIR R4 MedicationRequest that its administrations name (`request`).

The physician's system reads what was ordered beside what was given: the product, the indication, the
prescriber, the dose (grams, or a volume over a time) and the route, as the order stood when the visit
ran on it (`VisitSummary.order` and `other_orders` keep the revision of the visit; a later edit does not
rewrite an old document). The identifier is the organization's order number; the revision is in its note.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from server.db.models import Order
from server.services import fhir_codes as codes
from server.services import order_volume
from server.services.fhir_volumes import pumps_of

if TYPE_CHECKING:
    from server.services.fhir import BundleBuilder


def add_orders(b: BundleBuilder) -> list[dict[str, str]]:
    """A MedicationRequest per order of the visit (its own first), and one Practitioner per prescriber
    named; the requests' references. An administration names its order as `order:<id>` (`b.ref`)."""
    s = b.summary
    names = {pump.order_id: pump.product_name for pump in pumps_of(s)}  # each order's product, as its pump names it
    prescribers: dict[str, dict[str, str]] = {}
    refs = []
    for order in [s.order, *s.other_orders]:
        if order.prescriber not in prescribers:
            prescribers[order.prescriber] = b.add(f"prescriber:{order.prescriber}", {
                "resourceType": "Practitioner", "name": [{"text": order.prescriber}]})
        refs.append(b.add(f"order:{order.id}", _request(b, order, names[str(order.id)], prescribers[order.prescriber])))
    return refs


def _request(b: BundleBuilder, order: Order, product_name: str, prescriber: dict[str, str]) -> dict[str, Any]:
    organization = b.summary.visit.organization_id
    return {
        "resourceType": "MedicationRequest", "status": "active" if order.active else "stopped", "intent": "order",
        "identifier": [{"system": f"urn:ivlog:organization:{organization}:order", "value": str(order.id)}],
        "medicationCodeableConcept": {"text": product_name}, "subject": b.ref("patient"),
        "encounter": b.ref("encounter"), "authoredOn": order.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "requester": prescriber, "reasonCode": [{"text": order.indication}],
        "dosageInstruction": [dosage(order)],
        "note": [{"text": f"Order {order.id}, revision {order.revision}, as the visit ran on it"}],
    }


def dosage(order: Order) -> dict[str, Any]:
    """The order's dose as written: a volume over a time with its pump rate (hydration), else the grams
    (with the g/kg and dosing weight they came from) and the mL/h steps an order sets for itself."""
    if order.volume_ml is not None:
        rate = order_volume.rate_text(order.volume_ml, order.duration_min)
        text = f"{order.volume_ml:g} mL over {order.duration_min} min ({rate} mL/h)"
        dose_rate = {"doseQuantity": codes.quantity(order.volume_ml, "mL", "mL"),
                     "rateQuantity": codes.quantity(float(rate), "mL/h", "mL/h")}
    else:
        per_kg = f" ({order.dose_g_per_kg:g} g/kg × {order.dosing_weight_kg:g} kg)" if order.dose_g_per_kg else ""
        text = f"{order.dose_g:g} g{per_kg}"
        dose_rate = {"doseQuantity": codes.quantity(order.dose_g, "g", "g")}
    if order.basis == "order" and order.steps_ml_h:
        steps = ", ".join(f"{step:g}" for step in order.steps_ml_h)
        text += f"; rate steps {steps} mL/h every {order.step_interval_min} min, as ordered"
    return {"text": f"{text}, intravenous", "route": codes.INTRAVENOUS, "doseAndRate": [dose_rate]}
