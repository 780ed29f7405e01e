"""Each entry judged by the orders in force when it was made.

A pharmacist may edit an order while its visit runs (after a reaction she lowers the rate cap): the
running visit follows the edit (server.services.order_as_run), so the nurse is told at her next sync.
But what the nurse did before the edit was done under the order as it stood then: her start at the
ordered start rate, a step taken on time, a rate of 350 mL/h reduced before the cap came down to 200
are not breaches of the new order, and the signed record, the physician's summary and the payer's
proof must not say they were. So a visit whose orders were edited while it ran is folded once more
with the orders in force before each edit, and each alert is taken from the fold of its entry's
moment (`judged` in rules.json):
  when_made      an act (a start, a step, a vial opened, a drug given): the orders in force when it was
                 made, by the tablet's clock held to the server's receipt (as order_as_run reads an end);
  while_running  the pump's rate against its limit: the orders in force at any moment the rate ran, so a
                 pump still above a cap lowered under it is flagged, with the cap it is above now;
  at_the_end     a total (the dose, the volume given) against the orders as they stand at the end (now,
                 while the visit runs): a dose raised mid-visit is what the patient was to receive.
The tablet folds with the orders as they are now; the record is the server's.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from server.clinical.rules import Alert, without_superseded
from server.clinical.rulebook import RuleBook
from server.clinical.timeline import VisitState
from server.db.models import Order, OrderRevision
from server.services import order_as_run

Windows = list[tuple[datetime, list[Order]]]  # (the edit's moment, the orders in force until it), in time order


async def before_edits(current: list[Order], began: datetime, until: datetime | None) -> Windows:
    """The orders as they stood before each edit made after the visit began and, once it has ended, by
    its end (`until`): none, without a query, when no order of the visit was saved since it began."""
    if not current or all(order.updated_at <= began for order in current):
        return []
    rows = await OrderRevision.filter(order_id__in=[order.id for order in current], changed_at__gt=began) \
        .order_by("revision").values("order_id", "changed_at", "snapshot")
    edits = sorted({row["changed_at"] for row in rows if until is None or row["changed_at"] <= until})
    starts = [began, *edits[:-1]]
    return [(edit, order_as_run.as_of_rows(current, rows, start)) for edit, start in zip(edits, starts)]


def judged(final: VisitState, earlier: list[VisitState], edits: list[datetime], events: list[dict[str, Any]],
           rulebook: RuleBook) -> VisitState:
    """`final` (folded with the orders as they are now, or as the visit ended) with each alert taken from
    the fold of the orders in force at its entry's moment; `earlier[i]`: the fold with the orders in force
    until `edits[i]`."""
    made = order_as_run.made_at(events)
    ran_until = _segment_ends(final)
    kinds = {spec.id: spec.judged for spec in rulebook.rules}
    kept: dict[str, Alert] = {}
    for index, state in enumerate([*earlier, final]):
        start, end = (edits[index - 1] if index else None), (edits[index] if index < len(edits) else None)
        for alert in state.alerts:
            moment, judged_by = made.get(alert.event_ids[0]), kinds[alert.rule]
            last = ran_until.get(alert.event_ids[0], moment) if judged_by == "while_running" else moment
            if judged_by == "at_the_end" or moment is None:
                taken = end is None
            else:
                taken = (start is None or last is None or last >= start) and (end is None or moment < end)
            if taken:
                kept[alert.id] = alert  # a later window's wins: a pump still running is named by today's limit
    position = {str(entry["event_id"]): index for index, entry in enumerate(final.entries)}
    alerts = sorted(without_superseded(list(kept.values()), rulebook.rules),
                    key=lambda alert: (position.get(alert.event_ids[0], -1), alert.rule))
    return replace(final, alerts=alerts)


def _segment_ends(state: VisitState) -> dict[str, datetime | None]:
    """When each rate entry's pump stopped running at it (None: it still runs), on every pump."""
    segments = [*state.segments, *(segment for run in state.other_orders for segment in run["segments"])]
    return {str(segment["event_id"]): None if segment["end"] is None else order_as_run.moment(segment["end"])
            for segment in segments}

