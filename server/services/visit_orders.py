"""A visit's additional orders (issue #18 item 3): besides its primary order (`Visit.order`) a visit may
hold further active orders of the same patient, a pre-hydration before the IVIG or a second product,
each a `visit_order` row in the order the pharmacist listed them when she scheduled the visit."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field
from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from server.db.models import Order, Patient, Visit, VisitOrder, VisitStatus
from server.errors import FieldError, ValidationFailed

FIELD = "other_order_ids"
MAX_OTHER_ORDERS = 4  # a visit with more than five infusions is a scheduling slip, not a visit
# the field as every form and the API take it (scheduling, and changing a scheduled visit's orders)
OtherOrderIds = Annotated[list[int], Field(default_factory=list, max_length=MAX_OTHER_ORDERS)]


def _invalid(reason: str) -> ValidationFailed:
    message = f"{FIELD}: {reason}"
    return ValidationFailed(message, errors=[FieldError(FIELD, message)])


def main_orders(patient_id: int) -> QuerySet[Order]:
    """The orders a visit that names none runs on, newest first: the patient's active orders but hydration
    ones (a pre-hydration, written after the IVIG it goes with, is never the visit's own order by default)."""
    return Order.filter(patient_id=patient_id, active=True, volume_ml__isnull=True).order_by("-id")


async def additional_orders(patient: Patient, primary: Order, ids: list[int]) -> list[Order]:
    """The orders `ids` names, each an active order of this patient other than the primary, once each. A
    hydration order (a volume over a time) holds no others: the visit's own rules (vital signs, kit,
    premedication) are its primary order's, and a hydration's are not the IVIG's."""
    if ids and primary.volume_ml is not None:
        raise _invalid(f"order {primary.id} is a hydration order; make the IVIG order the visit's order and add the "
                       "hydration as an additional order")
    if len(set(ids)) != len(ids):
        raise _invalid("an order is listed twice; list each additional order once")
    if primary.id in ids:
        raise _invalid(f"order {primary.id} is already the primary order of this visit; choose other orders as additional ones")
    found = {o.id: o for o in await Order.filter(id__in=ids, patient_id=patient.id,
                                                 organization_id=patient.organization_id)}
    for order_id in ids:
        order = found.get(order_id)
        if order is None:
            raise _invalid(f"order {order_id} is not an order of this patient")
        if not order.active:
            raise _invalid(f"order {order_id} is inactive; a visit holds active orders only")
    return [found[order_id] for order_id in ids]


async def check_may_hold_none(order: Order) -> None:
    """An order becoming a hydration one may not be the visit's own order of a visit with additional orders
    (as `additional_orders` refuses at scheduling): the edit is refused, naming the product."""
    held = await VisitOrder.filter(visit__order_id=order.id).values_list("visit_id", flat=True)
    if held:
        message = (f"product_id: order {order.id} is the visit's order of {len(set(held))} visit(s) with additional "
                   "orders; a hydration order holds none: write the saline as an order of its own")
        raise ValidationFailed(message, errors=[FieldError("product_id", message)])


async def attach(visits: list[Visit], orders: list[Order], connection: Any) -> None:
    """Give every visit of a booking the same additional orders, in the listed order."""
    await VisitOrder.bulk_create([VisitOrder(visit_id=visit.id, order_id=order.id, position=index)
                                  for visit in visits for index, order in enumerate(orders)], using_db=connection)


async def other_orders_of(visit: Visit) -> list[Order]:
    """The visit's additional orders, in position order (none for most visits)."""
    rows = await VisitOrder.filter(visit_id=visit.id).order_by("position").prefetch_related("order")
    return [row.order for row in rows]


async def booked_on(order: Order) -> tuple[int, Visit | None]:
    """How many visits not yet started are booked on the order (its own or as an additional order), and the first."""
    booked = (Visit.filter(status=VisitStatus.SCHEDULED)
              .filter(Q(order_id=order.id) | Q(id__in=Subquery(VisitOrder.filter(order_id=order.id).values("visit_id")))))
    return await booked.count(), await booked.order_by("scheduled_at").first()


async def check_none_scheduled(order: Order) -> None:
    """An order made inactive while visits are booked on it (its own or as an additional order) would leave
    them on the nurse's list and her tablet, to be given (a walk started one): refused, naming the first, until
    the pharmacist cancels or moves them."""
    count, first = await booked_on(order)
    if first is not None:
        message = (f"active: order {order.id} has {count} scheduled visit(s) not yet started, the first at "
                   f"{first.scheduled_at:%Y-%m-%d %H:%M} UTC; cancel or move them first, or a nurse would still give it (cancelling a visit of a "
                   "series offers its later visits too)")
        raise ValidationFailed(message, errors=[FieldError("active", message)])
