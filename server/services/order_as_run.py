"""The orders a visit ran on.

A visit that has ended reads its orders as they stood when it ended: the pharmacist edits an order for
the next visit, and the signed record of the last one (its alerts, its "ordered" and "given", the
physician's summary, the FHIR document) must not change with it. A visit still running follows each
order as it is now, so a change the pharmacist makes mid-visit reaches the nurse at her next sync.

The order as it stood at a moment is the snapshot of the first revision replaced after it
(`OrderRevision`: each keeps the state an edit replaced), or the order row when none was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.clinical.timeline import visit_end
from server.db.models import Order, OrderRevision
from server.services.catalogue_names import catalog


def ran_until(events: list[dict[str, Any]], authority: Any) -> datetime | None:
    """When the visit ended, None while it runs. The tablet's clock says when; a clock running ahead is
    held to the moment the server received the end, so an edit made after that never reaches back."""
    end = visit_end(events, authority)
    if end is None:
        return None
    received = next(event["received_at"] for event in events if event["id"] == end.id)
    return end.occurred_at if received is None else min(end.occurred_at, _moment(received))


@dataclass(frozen=True)
class OrdersAsRun:
    """A visit's order and its additional ones as it ran on them, and the revision each order edited
    since has now (the review page says so: the order the pharmacist would open is not this one)."""

    order: Order
    others: list[Order]
    revised_since: dict[int, int]


async def of_visit(current: list[Order], at: datetime | None) -> OrdersAsRun:
    """`current`: the visit's order, then its additional ones, as they are now."""
    order, *others = await as_of(current, at)
    revised = {now.id: now.revision for now, ran in zip(current, [order, *others]) if ran.revision != now.revision}
    return OrdersAsRun(order, others, revised)


async def as_of(orders: list[Order], at: datetime | None) -> list[Order]:
    """Each order as it stood at `at` (None: as it is now), in the same order."""
    if at is None or not orders:
        return orders
    revisions = await OrderRevision.filter(order_id__in=[o.id for o in orders], changed_at__gt=at) \
        .order_by("revision").values("order_id", "snapshot")
    first: dict[int, dict[str, Any]] = {}
    for row in revisions:
        first.setdefault(row["order_id"], row["snapshot"])
    return [order if order.id not in first else _as_was(order, first[order.id]) for order in orders]


def _as_was(order: Order, snapshot: dict[str, Any]) -> Order:
    """An unsaved `Order` holding the snapshot's fields (a snapshot taken before a column existed lacks
    it: the column's value then was its default, None for every column added since)."""
    columns = Order._meta.fields_db_projection
    fields = {name: getattr(order, name) for name in columns} | {
        name: snapshot.get(name) for name in columns if name not in ("id", "organization_id", "therapy")}
    fields["therapy"] = (order.therapy if fields["product_id"] == order.product_id
                         else catalog().product(fields["product_id"]).therapy)
    fields["premeds"] = fields["premeds"] or []
    fields["prn_orders"] = fields["prn_orders"] or []
    return Order(**fields)


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
