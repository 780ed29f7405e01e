"""A visit's additional orders in the fold: whose pump events are whose, and each additional order's own
pump timeline (a pre-hydration before the IVIG, a second product).

A pump event (`infusion.*`) without `order_id`, or naming the primary order, is the primary order's: the
visit folds exactly as a visit of one order. An event naming an additional order runs that order's pump
(the same state machine, `infusion.py`); one naming an order the visit does not hold runs no pump and is
listed as an issue (`order_not_on_visit`). `visit.ended` stops every pump. Titration advice and the visit's
rules read the primary order's timeline; each additional order's pump is judged by the pump's rules too
(`Picture.order_pictures`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from server.clinical.infusion import INFUSION_KINDS, InfusionTimeline, build_infusion, pause_out, pump_out, segment_out
from server.clinical.ordering import Entry
from server.clinical.problems import Problem
from server.clinical.products import Protocol
from server.clinical.visit_context import Order, VisitContext

if TYPE_CHECKING:
    from server.clinical.picture import Picture


@dataclass(frozen=True)
class OrderRun:
    """One additional order and its pump's history over the visit."""

    order: Order
    protocol: Protocol
    entries: list[Entry]  # its pump events and the visit's end
    infusion: InfusionTimeline


@dataclass(frozen=True)
class OrderSplit:
    primary: list[Entry]  # every entry but the pump events of other orders
    runs: tuple[OrderRun, ...]
    issues: list[tuple[str, Problem]]


def _not_on_visit(order_id: str) -> Problem:
    return Problem("order_id", f"Order {order_id} is not an order of this visit", "order_not_on_visit")


def split_orders(entries: list[Entry], context: VisitContext) -> OrderSplit:
    """The primary order's entries, each additional order's pump timeline, and the pump events that name
    an order the visit does not hold (entries: effective, in fold order)."""
    own: dict[str | None, list[Entry]] = {order.id: [] for order in context.other_orders}
    primary, issues = [], []
    for entry in entries:
        named = entry.payload.get("order_id") if entry.kind in INFUSION_KINDS else None
        if named is None or named == context.order.id:
            primary.append(entry)
        elif named in own:
            own[named].append(entry)
        else:
            issues.append((entry.id, _not_on_visit(named)))
        if entry.kind == "visit.ended":
            for timeline in own.values():
                timeline.append(entry)
    runs = tuple(OrderRun(order, protocol, own[order.id], build_infusion(own[order.id]))
                 for order, protocol in zip(context.other_orders, context.other_protocols))
    return OrderSplit(primary, runs, issues)


def run_out(run: OrderRun, own: Picture) -> dict[str, Any]:
    """One additional order as the state reports it: its order (a fixed dose's volume and time); its pump's
    start rate and limit, from its own picture (its protocol, weight and cap: Picture.order_pictures); status,
    volume and periods."""
    infusion, horizon = run.infusion, own.horizon
    stops = [e for e in run.entries if e.kind == "infusion.stopped" and e.payload["pump_volume_ml"] is not None]
    return {
        "order_id": run.order.id, "product_id": run.protocol.product.id, "product_name": run.protocol.product.name,
        "therapy": run.protocol.therapy, "protocol_kind": run.protocol.kind,
        "volume_ml": run.order.volume_ml, "duration_min": run.order.duration_min,
        "start_ml_h": own.schedule[0].rate_ml_h if own.schedule else None, "limit_ml_h": own.limit.ml_h,
        **pump_out(infusion, horizon),
        "pump_volume_ml": stops[-1].payload["pump_volume_ml"] if stops else None,
        "segments": [segment_out(segment, horizon) for segment in infusion.segments],
        "pauses": [pause_out(pause) for pause in infusion.pauses],
    }
