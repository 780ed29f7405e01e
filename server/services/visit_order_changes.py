"""Changing a scheduled visit's additional orders: a pharmacist who ticked the wrong one fixes it without
cancelling and rescheduling. The choices follow the scheduling rules (`visit_orders.additional_orders`);
the change ends where moving does: once the nurse started the visit, what she works from stays."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel, ConfigDict
from tortoise.transactions import in_transaction

from server import access, audit
from server.db.models import Order, Patient, User, Visit, VisitOrder, VisitStatus
from server.errors import Conflict, FieldError
from server.services import visit_orders, write_rules
from sync.models import Event


class OrdersRequest(BaseModel):
    """The form: the additional orders ticked (none is a valid choice: the visit keeps its primary order)."""

    model_config = ConfigDict(extra="forbid")

    other_order_ids: visit_orders.OtherOrderIds


def _refused(status: VisitStatus) -> Conflict:
    state = {VisitStatus.CANCELLED: "cancelled", VisitStatus.IN_PROGRESS: "already started"}.get(status, "already finished")
    message = (f"{visit_orders.FIELD}: this visit is {state}; its additional orders can no longer be changed "
               "(the nurse's record is made with the orders she had)")
    return Conflict(message, errors=[FieldError(visit_orders.FIELD, message)])


async def changeable(visit: Visit) -> Conflict | None:
    """Why the visit's orders may not change now (None: they may), judged as every door judges a visit."""
    status = await write_rules.visit_status(visit)
    return None if status == VisitStatus.SCHEDULED else _refused(status)


async def candidates(visit: Visit, by: User) -> list[Order]:
    """The patient's active orders other than the visit's primary one: what the page offers."""
    query = (await access.orders(by)).filter(patient_id=visit.patient_id, active=True).exclude(id=visit.order_id)
    return await query.order_by("id")


async def change_orders(*, visit: Visit, request: OrdersRequest, by: User, now: datetime | None = None) -> list[Order]:
    """Replace the visit's additional orders, validated as at scheduling, and audit before and after by id."""
    now = now or datetime.now(timezone.utc)
    refusal = await changeable(visit)
    if refusal is not None:
        raise refusal
    patient = await Patient.get(id=visit.patient_id)
    primary = await Order.get(id=visit.order_id)
    chosen = await visit_orders.additional_orders(patient, primary, request.other_order_ids)
    before = [o.id for o in await visit_orders.other_orders_of(visit)]
    async with in_transaction("default") as connection:  # the change and its audit entry commit together
        await _replace(visit, chosen, now, connection)
        await audit.record("visit.orders", actor=access.actor(by), object_type="visit", object_id=visit.id,
                           detail={"patient_id": visit.patient_id, "order_id": visit.order_id,
                                   "before": before, "after": [o.id for o in chosen]})
    return chosen


async def _replace(visit: Visit, chosen: list[Order], now: datetime, connection: Any) -> None:
    """Swap the rows while the visit is still untouched (a start landing meanwhile wins)."""
    untouched = await Visit.filter(id=visit.id, status=VisitStatus.SCHEDULED).using_db(connection).update(updated_at=now)
    if not untouched or await Event.filter(visit_id=visit.id).using_db(connection).exists():
        raise _refused(VisitStatus.IN_PROGRESS)
    await VisitOrder.filter(visit_id=visit.id).using_db(connection).delete()
    await visit_orders.attach([visit], chosen, connection)
