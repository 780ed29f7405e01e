"""Visits as the clinical domain sees them: the context an order gives, the fold of the
visit's accepted events, and the projection kept on the Visit row for lists and queues."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from server.clinical.rulebook import RuleBook
from server.clinical.rules import load_rules
from server.clinical.series import SeriesPlace, place_in_series
from server.clinical.timeline import VisitState
from server.clinical.visit_context import Order as OrderPlan
from server.clinical.visit_context import PatientFlags, PremedOrder, VisitContext
from server.db.models import Order, Patient, Visit, VisitOrder, VisitStatus
from server.services import (at_risk_policy, entry_times, folds, order_as_run, orders_in_force, org_catalogue,
                             projection_due, series, stops, visit_orders)
from server.services.handover import handover_of
from tortoise.connection import get_connection
from tortoise.expressions import Q, Subquery

from sync import store
from sync.models import Quarantine

logger = logging.getLogger("ivlog.visits")

# Patient columns -> the flag names the clinical data uses (products.json `at_risk_flags`).
RISK_FLAGS = {"thrombosis_risk": "thrombosis", "renal_risk": "renal", "iga_deficiency": "iga_deficiency"}


@lru_cache(maxsize=1)
def rulebook() -> RuleBook:
    return load_rules()


def order_plan(order: Order) -> OrderPlan:
    explicit = order.basis == "order" and order.steps_ml_h
    return OrderPlan(
        id=str(order.id), product_id=order.product_id, therapy=order.therapy, dosing_weight_kg=order.dosing_weight_kg,
        indication=order.indication,
        steps_ml_h=tuple(order.steps_ml_h) if explicit else None,
        step_min=order.step_interval_min if explicit else None,
        dose_g_per_kg=order.dose_g_per_kg, dose_g=order.dose_g, rate_cap_ml_h=order.rate_cap_ml_h,
        volume_ml=order.volume_ml, duration_min=order.duration_min,
        premeds=tuple(PremedOrder(drug=p["drug"], dose=p.get("dose"), unit=p.get("unit"), route=p.get("route"))
                      for p in order.premeds),
        prn_orders=tuple(PremedOrder(drug=p["drug"], dose=p.get("dose"), unit=p.get("unit"), route=p.get("route"))
                         for p in order.prn_orders),
        vitals_schedule=order.vitals_schedule, safety_override=order.safety_override,
    )


def patient_flags(patient: Patient, place: SeriesPlace | None) -> PatientFlags:
    """First infusion, product switch or a long gap raise the reaction risk (CLINICAL 1.1); a therapy
    without a series (`place` None) raises none of them."""
    risks = {flag for column, flag in RISK_FLAGS.items() if getattr(patient, column)}
    reason = None if place is None else place.reason
    return PatientFlags(
        first_infusion=reason == "first_ever", product_switch=reason == "product_switch",
        long_gap=reason == "long_gap", risk_flags=frozenset(risks),
    )


def began_at(events: list[dict[str, Any]]) -> datetime:
    """When the visit began (its first `visit.started`, by the tablet's clock), or now for a visit not
    yet begun: the moment whose catalogue the visit is folded with, so a later edit never changes it."""
    return _first_start(events) or datetime.now(timezone.utc)


def _first_start(events: list[dict[str, Any]]) -> datetime | None:
    starts = [_parse(event["occurred_at"]) for event in events if event["kind"] == "visit.started"]
    return min((start for start in starts if start is not None), default=None)


async def context_for(visit: Visit, *, events: list[dict[str, Any]] | None = None) -> VisitContext:
    """The visit's order, patient flags and the protocol rows of the visit's organization (its
    pharmacists' revisions over the packaged catalogue) as they stood when the visit began: the one
    place a visit's protocol is found (built once per request: server.services.folds). `events`: the
    visit's log, when the caller has it already."""
    events = await events_of(visit) if events is None else events
    ended = ended_at(events)
    return await folds.context((visit.id, _first_start(events), ended), lambda: _build_context(
        visit, began_at(events), ended, order_as_run.started_at(events)))


async def context_now(visit: Visit) -> VisitContext:
    """The visit's context with its order and the organization's catalogue as they are now: what the next
    infusion runs on, so what a rate set for it is checked against (a walk set 300 mL/h under the label's 432
    the visit ran on, the order since capped at 200)."""
    context = await context_for(visit)
    return replace(context, order=order_plan(await _order_of(visit)),
                   catalog=await org_catalogue.catalog_for(visit.organization_id))


def ended_at(events: list[dict[str, Any]]) -> datetime | None:
    """When the visit ended, None while it runs: the moment its orders are read as of."""
    return order_as_run.ran_until(events, rulebook().entry_authority)


async def orders_as_run(visit: Visit, ended: datetime | None) -> order_as_run.OrdersAsRun:
    """The visit's order and its additional ones as the visit ran on them (server.services.order_as_run)."""
    return await order_as_run.of_visit(await _orders_now(visit), ended)


async def _orders_now(visit: Visit) -> list[Order]:
    """The visit's order, then its additional ones, as they are now."""
    return [await _order_of(visit), *await visit_orders.other_orders_of(visit)]


async def _build_context(visit: Visit, as_of: datetime, ended: datetime | None, started: datetime | None) -> VisitContext:
    """`as_of`: the catalogue's moment; `started`: when the first `visit.started` was made (held to the
    server's receipt), from which an order's edits are the visit's own (server.services.orders_in_force)."""
    current = await _orders_now(visit)
    since = started or as_of
    revisions = await order_as_run.revisions_since(current, since if ended is None else min(since, ended))
    orders = order_as_run.as_run(current, current if ended is None else order_as_run.as_of_rows(current, revisions, ended))
    order = orders.order
    patient = await Patient.get(id=visit.patient_id)
    facts = await series.series_facts(visit, order, rulebook(), started)
    place = None if facts is None else place_in_series(facts, order.product_id,
                                                        long_gap_days=rulebook().infusion_series.long_gap_days)
    context = VisitContext(
        order=order_plan(order), patient=patient_flags(patient, place),
        catalog=await org_catalogue.catalog_for(visit.organization_id, as_of=as_of), rulebook=rulebook(),
        series=facts, organization=await at_risk_policy.policy_of(patient.organization_id),
        other_orders=tuple(order_plan(other) for other in orders.others),
    )
    edits = orders_in_force.before_edits(current, revisions, since, ended)
    return replace(context, earlier=tuple(
        (edit, replace(context, order=order_plan(then), other_orders=tuple(map(order_plan, others))))
        for edit, (then, *others) in edits)) if edits else context


async def context_json(visit: Visit) -> dict[str, Any]:
    """The context in the plain-JSON form `VisitContext.from_dict` (and pwa/rules.js) read, with
    `protocol_rows`: the catalogue rows as they stood when the visit began, where the organization's
    current catalogue (the one the tablet holds) has changed them since; the tablet folds with these.
    `earlier`: the orders in force before each edit made while the visit ran (server.services.orders_in_force)."""
    events = await events_of(visit)
    context = await context_for(visit, events=events)
    patient = context.patient
    return {
        "order": order_json(context.order),
        "other_orders": [order_json(other) for other in context.other_orders],
        "patient": {
            "first_infusion": patient.first_infusion, "product_switch": patient.product_switch,
            "long_gap": patient.long_gap, "risk_flags": sorted(patient.risk_flags),
        },
        "series": None if context.series is None else context.series.to_dict(),
        "organization": {"at_risk_cap_mg_kg_min": context.organization.at_risk_cap_mg_kg_min},
        "protocol_rows": await org_catalogue.rows_changed_since(visit.organization_id, began_at(events)),
        "earlier": [{"until": until.isoformat(timespec="milliseconds"), "order": order_json(then.order),
                     "other_orders": [order_json(other) for other in then.other_orders]}
                    for until, then in context.earlier],
    }


def order_json(order: OrderPlan) -> dict[str, Any]:
    """An order in the plain-JSON form `order_from_dict` (and pwa/rules/context.js) read."""
    return {
        "id": order.id, "product_id": order.product_id, "therapy": order.therapy,
        "dosing_weight_kg": order.dosing_weight_kg,
        "indication": order.indication, "steps_ml_h": list(order.steps_ml_h) if order.steps_ml_h else None,
        "step_min": order.step_min, "dose_g_per_kg": order.dose_g_per_kg, "dose_g": order.dose_g,
        "volume_ml": order.volume_ml, "duration_min": order.duration_min,
        "rate_cap_ml_h": order.rate_cap_ml_h, "vitals_schedule": order.vitals_schedule,
        "safety_override": None if order.safety_override is None else dict(order.safety_override),
        **{name: [{"drug": p.drug, "dose": p.dose, "unit": p.unit, "route": p.route} for p in getattr(order, name)]
           for name in ("premeds", "prn_orders")},
    }


async def _order_of(visit: Visit) -> Order:
    if visit.order_id is not None:
        return await Order.get(id=visit.order_id)
    order = await visit_orders.main_orders(visit.patient_id).first()
    assert order is not None, "a visit is only created for a patient with an active order"
    return order


async def events_of(visit: Visit) -> list[dict[str, Any]]:
    return await store.events_of_visit(get_connection("default"), visit.id)


async def state_of(visit: Visit, *, now: datetime | None = None) -> VisitState:
    events = await events_of(visit)
    return folds.fold(events, context=await context_for(visit, events=events), now=now)


def effective_status(folded: str, *, has_events: bool, row_status: VisitStatus) -> VisitStatus:
    """The fold's status, except that a visit the pharmacy cancelled stays cancelled until the nurse's
    first entry arrives (her entries win: a visit she started is in progress whatever the schedule said)."""
    if not has_events and row_status == VisitStatus.CANCELLED:
        return VisitStatus.CANCELLED
    return VisitStatus(folded)


async def current_status(visit: Visit) -> VisitStatus:
    """The status from the visit's whole log, not its row's projection (a push moments ago may not be
    folded yet): what every door that changes a visit's state judges by."""
    events = await events_of(visit)
    state = folds.fold(events, context=await context_for(visit, events=events))
    row_status = await Visit.filter(id=visit.id).first().values_list("status", flat=True)
    return effective_status(state.status, has_events=bool(events), row_status=VisitStatus(row_status))


async def project(visit: Visit) -> VisitState:
    """Rebuild the Visit row's summary from its events: the projection is never the source.

    The write is guarded by `projected_seq`: a fold that saw fewer events than the row already
    reflects (a slower, older projection finishing late) changes nothing.
    """
    events = await events_of(visit)
    state = folds.fold(events, context=await context_for(visit, events=events))
    seq = max((event["server_seq"] for event in events), default=0)
    held = await Quarantine.exists(visit_id=visit.id, organization_id=visit.organization_id, resolved_at=None)
    row_status = await Visit.filter(id=visit.id).first().values_list("status", flat=True)
    status = effective_status(state.status, has_events=bool(events), row_status=VisitStatus(row_status))
    await Visit.filter(id=visit.id, projected_seq__lte=seq).update(
        status=status, time_in=_parse(state.time_in), time_out=_parse(state.time_out),
        alert_count=len(state.alerts), max_reaction_grade=state.highest_reaction_grade or 0,
        volume_infused_ml=float(state.infusion.get("volume_infused_ml") or 0),
        last_tolerated_rate_ml_h=state.infusion.get("last_tolerated_rate_ml_h"),
        handover=handover_of(state),
        flags=_flags(state) + entry_times.visit_flags(entry_times.entry_flags(events, state.time_in))
        + ([projection_due.HELD_FLAG] if held else []), projected_seq=seq,
        updated_at=datetime.now(timezone.utc),
    )
    return state


async def refold_after_order_edit(order_id: int, edited_at: datetime) -> int:
    """Fold again the rows of the visits an order edit reaches: those begun on it (its own or an additional
    order) and not ended before the edit. An ended visit keeps the order it ran on (order_as_run), so only
    these change; lists and queues then show the alerts their pages show. How many of them run still."""
    held = VisitOrder.filter(order_id=order_id).values_list("visit_id", flat=True)
    reached = await Visit.filter(Q(order_id=order_id) | Q(id__in=Subquery(held)), time_in__isnull=False) \
        .filter(Q(time_out__isnull=True) | Q(time_out__gte=edited_at))
    for visit in reached:
        await project(visit)
    return sum(visit.time_out is None for visit in reached)


async def project_stale() -> int:
    """Re-project every visit due a fold (`projection_due.all_due`; at start-up); how many were folded.
    A visit whose fold fails is logged and left for the projector: one cannot keep the server from starting."""
    folded = 0
    for visit in await Visit.filter(id__in=list(await projection_due.all_due())):
        try:
            await project(visit)
            folded += 1
        except Exception:
            logger.exception("a stale visit could not be folded; the projector's sweep tries it again")
    return folded


def _flags(state: VisitState) -> list[str]:
    flags = []
    if state.late_entries:
        flags.append("late_entries")
    if state.late_after_review:
        flags.append("late_after_review")
    if state.issues:
        flags.append("protocol_issues")
    if any(alert.rule.startswith("vitals_overdue") for alert in state.alerts):
        flags.append("missed_checks")
    if stops.early_stop(state.entries):
        flags.append("stopped_early")
    return flags


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
