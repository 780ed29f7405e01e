"""The infusion in numbers: segments and pauses as tables, volume and grams, the rate to offer next
time, and the titration advice for now."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from server.clinical.clock import add_minutes, format_instant, format_optional, minutes_between, parse_instant
from server.clinical.infusion import Segment, duration_min, pause_out, pump_out, segment_out, volume_ml
from server.clinical.ordering import Entry
from server.clinical.rates import DerivedRate
from server.clinical.rounding import round_half_up
from server.clinical.titration import ReactionState, recommend_next_rate

if TYPE_CHECKING:
    from server.clinical.picture import Picture


def _reactions_during(picture: Picture, index: int) -> tuple[Entry, ...]:
    """Reactions while segment `index` ran (or during the pause or stop that followed it)."""
    events = picture.infusion.rate_events
    if index + 1 < len(events):
        return events[index + 1].reactions
    return tuple(picture.infusion.reactions_in_step)


def segments_out(picture: Picture) -> list[dict[str, Any]]:
    units = {"weight_kg": picture.context.order.dosing_weight_kg,
             "concentration_mg_ml": picture.context.protocol.product.concentration_mg_ml}
    return [{**segment_out(segment, picture.horizon), **asdict(DerivedRate.of(segment.rate_ml_h, **units)),
             "step_index": picture.step_of(segment.rate_ml_h),
             "reaction_ids": [r.id for r in _reactions_during(picture, index)]}
            for index, segment in enumerate(picture.infusion.segments)]


def pauses_out(picture: Picture) -> list[dict[str, Any]]:
    return [{**pause_out(p), "duration_min": round_half_up(duration_min(p.start, p.end, picture.horizon or p.start), 1)}
            for p in picture.infusion.pauses]


def last_tolerated_rate(picture: Picture) -> float | None:
    """The highest rate run without a reaction and below every rate that did cause one."""
    segments: list[Segment] = picture.infusion.segments
    horizon = picture.horizon
    reacted = [s.rate_ml_h for i, s in enumerate(segments) if _reactions_during(picture, i)]
    ceiling = min(reacted) if reacted else float("inf")
    tolerated = [s.rate_ml_h for i, s in enumerate(segments)
                 if not _reactions_during(picture, i) and s.rate_ml_h < ceiling
                 and horizon is not None and duration_min(s.start, s.end, horizon) > 0]
    return round_half_up(max(tolerated), 1) if tolerated else None


def _reaction_state(reactions: list[Entry]) -> ReactionState:
    if not reactions:
        return "none"
    return "subsided" if all(r.payload["outcome"] == "resolved" for r in reactions) else "ongoing"


def _open_reactions(picture: Picture) -> list[Entry]:
    """Reactions in the current step, else those since the start not yet resolved: after slowing for a
    reaction the new step has none of its own, but no increase is due until it has subsided."""
    state_at = picture.infusion.state_at
    return list(picture.infusion.reactions_in_step) or [
        r for r in picture.of_kind("reaction.observed")
        if state_at[r.id] != "idle" and r.payload["outcome"] != "resolved"]


def _interrupts(picture: Picture, reactions: list[Entry]) -> bool:
    """An unresolved one's grade calls for pausing the pump (its tier's `pump`: grade 2 and above, "stop the
    infusion"), not slowing it: a walk saw "Stop the infusion" beside "Lower the rate to 70 mL/h"."""
    rulebook = picture.context.rulebook
    tiers = [rulebook.suggested_actions(r.payload["grade"]) for r in reactions if r.payload["outcome"] != "resolved"]
    return any(tier is not None and tier.pump == "interrupt" for tier in tiers)


def _tolerated_since(picture: Picture, step_start: datetime) -> datetime:
    """Since when the step's rate has run without a reaction: its start, or the end of a reaction it was slowed
    for (a walk's step up back to the reaction's rate came due 5 min after the reaction had subsided)."""
    return max([step_start, *(e.occurred_at for e in picture.of_kind("reaction.resolved") if e.occurred_at > step_start)])


def next_rate_out(picture: Picture, dose_given: bool) -> dict[str, Any] | None:
    """The titration advice for the current moment (None once the infusion stopped); once the ordered
    dose has run, "complete": no step is advised any more."""
    infusion, context = picture.infusion, picture.context
    if infusion.state == "stopped" or picture.of_kind("visit.ended"):
        return None
    if dose_given:
        return {"action": "complete", "rate_ml_h": None, "step_index": None, "limit_ml_h": picture.limit.ml_h,
                "due_at": None, "held_by": None}
    reactions = _open_reactions(picture)
    advice = recommend_next_rate(
        context.protocol, current_rate_ml_h=infusion.rate_ml_h,
        paused=infusion.state == "paused", reaction=_reaction_state(reactions),
        reaction_rate_ml_h=infusion.rate_at[reactions[0].id] if reactions else None,
        interrupt=_interrupts(picture, reactions), tolerance_ml_h=context.rulebook.rate_tolerance_ml_h,
        **context.limits(picture.at_risk))
    # a start waits for the checks, a paused pump for the nurse (a pause has no deadline): not a clock
    if advice.due_in_min is None or advice.action == "start" or infusion.state == "paused":
        due = None
    elif advice.action == "increase" and infusion.step_started_at is not None:
        due = add_minutes(_tolerated_since(picture, infusion.step_started_at), advice.due_in_min)
    else:
        due = picture.horizon
    return held_at_target(picture, {"action": advice.action, "rate_ml_h": advice.rate_ml_h, "step_index": advice.step_index,
                                    "limit_ml_h": advice.limit_ml_h, "due_at": format_optional(due)})


def held_at_target(picture: Picture, advice: dict[str, Any]) -> dict[str, Any]:
    """Advice to start, resume or step up above a target that holds (Picture.aim) goes to the target:
    it stays where the pump is once there, and lowers to it from above; `held_by` says why (None: the
    protocol's steps, untouched). A walk found "Next step 216 mL/h" beside the pharmacist's "target 150 mL/h",
    the next step the rate of last time's reaction."""
    target, _, holds = picture.aim
    tolerance = picture.context.rulebook.rate_tolerance_ml_h
    if holds is None or advice["action"] not in ("start", "increase", "resume") \
            or advice["rate_ml_h"] <= target + tolerance:
        return {**advice, "held_by": None}
    current = picture.infusion.rate_ml_h
    held = {**advice, "rate_ml_h": target, "step_index": None, "held_by": holds}
    if advice["action"] != "increase" or current < target - tolerance:
        return held
    if current <= target + tolerance:
        return {**held, "action": "maintain", "rate_ml_h": current, "due_at": None}
    return {**held, "action": "lower", "due_at": format_optional(picture.horizon)}


def volume_given(picture: Picture) -> tuple[float | None, float, str]:
    """(pump volume read at the last stop, the volume given, its basis): that reading ("pump"); else the pump
    timeline's ("computed"), but never more than the order's product opened ("opened"): a bag gives what it
    holds, and rates timed to the minute run past its end (a 900 mL lot computed as 907.2 mL was a dose
    exceeded: a new user's walk)."""
    stops = [e for e in picture.of_kind("infusion.stopped") if e.payload["pump_volume_ml"] is not None]
    if stops:
        return stops[-1].payload["pump_volume_ml"], stops[-1].payload["pump_volume_ml"], "pump"
    computed = volume_ml(picture.infusion.segments, picture.horizon) if picture.horizon is not None else 0.0
    ordered = [e.payload for e in picture.of_kind("product.opened") if e.payload["product_id"] == picture.context.order.product_id]
    # a vial that failed inspection is never hung (unless none passed: then what was opened is all there is)
    opened = [payload["volume_ml"] for payload in ([p for p in ordered if p["inspected_ok"]] or ordered)]
    # past it also at the 0.1 mL the record shows, so "ran 900 mL, more than the 900 mL opened" is never said
    past = bool(opened) and computed > sum(opened) and round_half_up(computed, 1) > sum(opened)
    return (None, sum(opened), "opened") if past else (None, computed, "computed")


def grams_given(picture: Picture) -> tuple[float | None, float, str]:
    """(pump volume read at the last stop, grams given rounded to 0.01, basis: pump, computed or opened)."""
    pump, volume, basis = volume_given(picture)
    grams = volume * picture.context.protocol.product.concentration_mg_ml / 1000.0
    return pump, round_half_up(grams, 2), basis


def _end_of(start: datetime, remaining_ml: float, plan: list[tuple[float, float | None]]) -> str:
    """When `remaining_ml` will have run, following `plan` [(mL/h, minutes; None: until the end)]."""
    for rate, minutes in plan:
        if minutes is None or rate * minutes / 60.0 >= remaining_ml:
            return format_instant(add_minutes(start, remaining_ml / rate * 60.0))
        remaining_ml -= rate * minutes / 60.0
        start = add_minutes(start, minutes)
    raise AssertionError("the plan ends with an open step")


def _planned_steps(picture: Picture, next_rate: dict[str, Any]) -> list[tuple[float, float | None]]:
    """The steps from the advised one on: held at a target, that rate to the end; a target that holds ends the
    steps there (a walk saw a dose end timed on steps up to the rate of last time's reaction)."""
    if next_rate["held_by"]:
        return [(next_rate["rate_ml_h"], None)]
    steps = [(step.rate_ml_h, step.hold_min) for step in picture.schedule[next_rate["step_index"]:]]
    target, _, holds = picture.aim
    if holds is None:
        return steps
    tolerance = picture.context.rulebook.rate_tolerance_ml_h
    below = [(rate, minutes) for rate, minutes in steps if rate <= target + tolerance]
    if below[-1][0] >= target - tolerance:
        return [*below[:-1], (below[-1][0], None)]
    return [*below, (target, None)]


def expected_end(picture: Picture, next_rate: dict[str, Any] | None) -> dict[str, str] | None:
    """When the ordered dose will have run from now: at the current rate, and on the plan (the current rate
    until the next step is due, then each step for its time; the rate the advice lowers it to, above a limit
    or after a reaction). None when not running, nothing is left, or the advice is to pause."""
    infusion, order, horizon = picture.infusion, picture.context.order, picture.horizon
    if infusion.state != "running" or order.grams_ordered is None or next_rate is None or not infusion.rate_ml_h \
            or next_rate["action"] == "interrupt":
        return None
    concentration = picture.context.protocol.product.concentration_mg_ml
    remaining = order.grams_ordered * 1000.0 / concentration - volume_ml(infusion.segments, horizon)
    assert horizon is not None  # a running infusion has entries
    plan: list[tuple[float, float | None]] = [(infusion.rate_ml_h, None)]
    if next_rate["action"] in ("lower", "reduce_to_limit") and next_rate["rate_ml_h"] is not None:  # at the rate it asks for now
        plan = [(next_rate["rate_ml_h"], None)]
    elif next_rate["action"] == "increase":
        due = max(0.0, minutes_between(horizon, parse_instant(next_rate["due_at"])))
        plan = [(infusion.rate_ml_h, due)] + _planned_steps(picture, next_rate)
    return {"at_current_rate": _end_of(horizon, remaining, [(infusion.rate_ml_h, None)]),
            "on_plan": _end_of(horizon, remaining, plan)}


def infusion_out(picture: Picture) -> dict[str, Any]:
    order = picture.context.order
    pump, grams, basis = grams_given(picture)
    given_ml = round_half_up(volume_given(picture)[1], 1)
    ordered = None if order.grams_ordered is None else round_half_up(order.grams_ordered, 2)
    # A volume order is given when its volume has run (grams at 0.01 are about a millilitre of saline).
    dose_given = given_ml >= order.volume_ml if order.volume_ml is not None else ordered is not None and grams >= ordered
    next_rate = next_rate_out(picture, dose_given)
    return {
        **pump_out(picture.infusion, picture.horizon), "pump_volume_ml": pump, "volume_given_ml": given_ml,
        "grams_given": grams, "grams_basis": basis, "grams_ordered": ordered,
        "dose_given": dose_given, "expected_end": None if dose_given else expected_end(picture, next_rate),
        "last_tolerated_rate_ml_h": last_tolerated_rate(picture), "next_rate": next_rate,
    }
