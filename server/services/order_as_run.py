"""The orders a visit ran on.

A visit that has ended reads its orders as they stood when it ended (or when the pharmacist signed it
off, if that came first): she edits an order for the next visit, and the record of the last one (its
alerts, its "ordered" and "given", the physician's summary, the FHIR document, the next visit's series)
must not change with it. A visit still running follows each order as it is now, so a change the
pharmacist makes mid-visit reaches the nurse at her next sync.

The order as it stood at a moment is the snapshot of the first revision replaced after it
(`OrderRevision`: each keeps the state an edit replaced), or the order row when none was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.clinical.timeline import visit_closed
from server.db.models import Order, OrderRevision
from server.services.catalogue_names import therapy_of


def ran_until(events: list[dict[str, Any]], authority: Any) -> datetime | None:
    """When the visit's orders stop following edits: the first of its end and its sign-off (None while it
    runs), each at the moment it was made (`made_at`)."""
    made = made_at(events)
    return min((made[str(entry.id)] for entry in visit_closed(events, authority)), default=None)


def made_at(events: list[dict[str, Any]]) -> dict[str, datetime]:
    """When each entry was made, by id: the tablet's clock, held to the moment the server received it (a
    clock running ahead never puts an entry after an edit it came before)."""
    return {str(event["id"]): moment(event["occurred_at"]) if event["received_at"] is None
            else min(moment(event["occurred_at"]), moment(event["received_at"])) for event in events}


@dataclass(frozen=True)
class OrdersAsRun:
    """A visit's order and its additional ones as it ran on them, and the revision each order edited
    since has now (the review page says so: the order the pharmacist would open is not this one)."""

    order: Order
    others: list[Order]
    revised_since: dict[int, int]


async def of_visit(current: list[Order], at: datetime | None) -> OrdersAsRun:
    """`current`: the visit's order, then its additional ones, as they are now."""
    return as_run(current, await as_of(current, at))


def as_run(current: list[Order], ran: list[Order]) -> OrdersAsRun:
    """The orders as the visit ran on them (`ran`, in the order of `current`) and the revisions edited since."""
    order, *others = ran
    revised = {now.id: now.revision for now, then in zip(current, ran) if then.revision != now.revision}
    return OrdersAsRun(order, others, revised)


async def as_of(orders: list[Order], at: datetime | None) -> list[Order]:
    """Each order as it stood at `at` (None: as it is now), in the same order."""
    if at is None or not orders:
        return orders
    return as_of_rows(orders, await revisions_since(orders, at), at)


async def revisions_since(orders: list[Order], moment: datetime) -> list[dict[str, Any]]:
    """The revisions of `orders` replaced after `moment`, in revision order: none, without a query, when no
    order was saved since (an edit saves its order's row at the moment it keeps the revision)."""
    if not orders or all(order.updated_at <= moment for order in orders):
        return []
    return await OrderRevision.filter(order_id__in=[order.id for order in orders], changed_at__gt=moment) \
        .order_by("revision").values("order_id", "changed_at", "snapshot")


def started_at(events: list[dict[str, Any]]) -> datetime | None:
    """When the visit began, at the moment its first `visit.started` was made (`made_at`); None: not yet."""
    made = made_at(events)
    return min((made[str(event["id"])] for event in events if event["kind"] == "visit.started"), default=None)


def as_of_rows(orders: list[Order], revisions: list[dict[str, Any]], at: datetime) -> list[Order]:
    """Each order as it stood at `at`, from its revisions (in revision order) replaced after `at` at least:
    the snapshot of the first one replaced after it, else the order as it is."""
    first: dict[int, dict[str, Any]] = {}
    for row in revisions:
        if row["changed_at"] > at:
            first.setdefault(row["order_id"], row["snapshot"])
    return [order if order.id not in first else _as_was(order, first[order.id]) for order in orders]


async def products_at(moments: list[tuple[int, datetime]]) -> list[tuple[str, str]]:
    """(product, therapy) of each (order, moment) as the order stood then: the product a done visit gave,
    for the next visit's series (an order switched to another product since must not rewrite the past, nor
    hide the switch). One read of the orders and one of their revisions, however many visits."""
    if not moments:
        return []
    ids = list({order_id for order_id, _ in moments})
    orders = {order.id: order for order in await Order.filter(id__in=ids)}
    revisions: dict[int, list[tuple[datetime, dict[str, Any]]]] = {}
    earliest = min(moment for _, moment in moments)  # a revision replaced before every visit ended holds none
    for row in await OrderRevision.filter(order_id__in=ids, changed_at__gt=earliest).order_by("revision") \
            .values("order_id", "changed_at", "snapshot"):
        revisions.setdefault(row["order_id"], []).append((row["changed_at"], row["snapshot"]))
    found = []
    for order_id, moment in moments:
        kept = next((snapshot for changed_at, snapshot in revisions.get(order_id, []) if changed_at > moment), None)
        order = orders[order_id] if kept is None else _as_was(orders[order_id], kept)
        found.append((order.product_id, order.therapy))
    return found


def _as_was(order: Order, snapshot: dict[str, Any]) -> Order:
    """An unsaved `Order` holding the snapshot's fields (a snapshot taken before a column existed lacks
    it: the column's value then was its default, None for every column added since)."""
    columns = Order._meta.fields_db_projection
    fields = {name: getattr(order, name) for name in columns} | {
        name: snapshot.get(name) for name in columns if name not in ("id", "organization_id", "therapy")}
    fields["therapy"] = (order.therapy if fields["product_id"] == order.product_id
                         else therapy_of(fields["product_id"]) or order.therapy)
    fields["premeds"] = fields["premeds"] or []
    fields["prn_orders"] = fields["prn_orders"] or []
    return Order(**fields)


def moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
