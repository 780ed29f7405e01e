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
  when_closed    a check's interval (vital signs overdue): the orders in force when the next check, or
                 the end, closed it (an open one: as they are now);
  at_the_end     a total (the dose, the volume given) against the orders as they stand at the end (now,
                 while the visit runs): a dose raised mid-visit is what the patient was to receive.
The tablet does the same with the orders the server sends it (pwa/orders_in_force.js, `context.earlier`).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import replace
from datetime import datetime
from typing import Any

from server.clinical.rules import Alert
from server.clinical.rulebook import RuleBook
from server.clinical.timeline import VisitState
from server.db.models import Order
from server.services import order_as_run

Windows = list[tuple[datetime, list[Order]]]  # (the edit's moment, the orders in force until it), in time order


def before_edits(current: list[Order], revisions: list[dict[str, Any]], began: datetime,
                 until: datetime | None) -> Windows:
    """The orders as they stood before each edit made after the visit began and, once it has ended, by its
    end (`until`); `revisions`: theirs replaced after it began (order_as_run.revisions_since)."""
    edits = sorted({row["changed_at"] for row in revisions if row["changed_at"] > began
                    and (until is None or row["changed_at"] <= until)})
    starts = [began, *edits[:-1]]
    return [(edit, order_as_run.as_of_rows(current, revisions, start)) for edit, start in zip(edits, starts)]


def judged(final: VisitState, earlier: list[VisitState], edits: list[datetime], events: list[dict[str, Any]],
           rulebook: RuleBook) -> VisitState:
    """`final` (folded with the orders as they are now, or as the visit ended) with each alert taken from
    the fold of the orders in force at its entry's moment; `earlier[i]`: the fold with the orders in force
    until `edits[i]`. Moments are compared to the millisecond, as the tablet reads them. Each fold has
    already let a stronger alert supersede a weaker one on the same entry; alerts of different folds are
    both kept (a double step under the old order and a rate above the new cap are two breaches)."""
    edits = [_ms(edit) for edit in edits]
    made = {event_id: _ms(moment) for event_id, moment in order_as_run.made_at(events).items()}
    ends, kinds = _segment_ends(final), {spec.id: spec.judged for spec in rulebook.rules}
    checks = sorted(_ms(order_as_run.moment(point["at"])) for point in final.vitals)
    kept: dict[str, Alert] = {}
    for index, state in enumerate([*earlier, final]):
        for alert in state.alerts:
            if index in _windows(alert, kinds[alert.rule], made, ends, checks, edits):
                kept[alert.id] = alert  # a later window's wins: a pump still running is named by today's limit
    position = {str(entry["event_id"]): index for index, entry in enumerate(final.entries)}
    alerts = sorted(kept.values(), key=lambda alert: (position.get(alert.event_ids[0], -1), alert.rule))
    return replace(final, alerts=alerts)


def _windows(alert: Alert, judged_by: str, made: dict[str, datetime], ends: dict[str, datetime | None],
             checks: list[datetime], edits: list[datetime]) -> range:
    """The folds (0: until the first edit ... len(edits): the last) whose verdict on `alert` stands."""
    moment, last = made.get(alert.event_ids[0]), len(edits)
    if moment is None or judged_by == "at_the_end":
        return range(last, last + 1)
    if judged_by == "when_closed":  # a check's interval: by the orders in force when the next check closed it
        closed = next((check for check in checks if check > moment), None)
        window = last if closed is None else bisect_right(edits, closed)
        return range(window, window + 1)
    first = bisect_right(edits, moment)
    if judged_by == "while_running":  # every window the rate ran in: [made, its end), half-open
        end = ends.get(alert.event_ids[0], moment)
        return range(first, last + 1 if end is None else max(first, bisect_left(edits, end)) + 1)
    return range(first, first + 1)


def _segment_ends(state: VisitState) -> dict[str, datetime | None]:
    """When each rate entry's pump stopped running at it (None: it still runs), on every pump."""
    segments = [*state.segments, *(segment for run in state.other_orders for segment in run["segments"])]
    return {str(segment["event_id"]): None if segment["end"] is None else _ms(order_as_run.moment(segment["end"]))
            for segment in segments}


def _ms(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
