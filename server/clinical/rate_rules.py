"""Titration alerts on every start, rate change and resume (CLINICAL.md sections 1.5 and 2), and the dose
given against the order (section 1.7).

An "increase" is a rate more than the tolerance above the rate before it (before the pause, for a
resume). Rates are compared with the step table shown to the nurse (mL/h rounded to 0.1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from server.clinical.clock import minutes_between
from server.clinical.infusion import volume_ml
from server.clinical.infusion_summary import grams_given, volume_given
from server.clinical.rates import hold_min, next_step
from server.clinical.rounding import format_number, round_half_up
from server.clinical.rulebook import Finding, RuleSpec, by_name

if TYPE_CHECKING:
    from server.clinical.infusion import RateEvent
    from server.clinical.ordering import Entry
    from server.clinical.picture import Picture

LIMIT_NAMES = {
    "label_max": "label maximum", "at_risk_cap": "at-risk cap",
    "at_risk_default": "organization's at-risk cap", "at_risk_minimum": "at-risk start rate (no at-risk cap ordered)",
    "order_cap": "order's rate cap", "order_max": "order's last step", "order_rate": "ordered rate",
}


def _tolerance(picture: Picture) -> float:
    return picture.context.rulebook.rate_tolerance_ml_h


def _increases(picture: Picture) -> list[RateEvent]:
    tolerance = _tolerance(picture)
    return [event for event in picture.infusion.rate_events
            if event.previous_ml_h is not None and event.rate_ml_h > event.previous_ml_h + tolerance]


def rate_above_limit(picture: Picture, rule: RuleSpec) -> list[Finding]:
    limit = picture.limit
    shown = format_number(limit.ml_h, 2)
    text = f"must stay below {shown} mL/h" if limit.exclusive else f"{shown} mL/h"
    values = {"limit_name": LIMIT_NAMES[limit.source], "limit_text": text}
    return [Finding((event.entry.id,), {**values, "rate_ml_h": event.rate_ml_h})
            for event in picture.infusion.rate_events if limit.exceeded_by(event.rate_ml_h)]


def rate_double_step(picture: Picture, rule: RuleSpec) -> Iterator[Finding]:
    for event in _increases(picture):
        following = next_step(picture.schedule, event.previous_ml_h or 0.0, _tolerance(picture))
        if following is not None and event.rate_ml_h > following.rate_ml_h + _tolerance(picture):
            values = {"from_ml_h": event.previous_ml_h or 0.0, "rate_ml_h": event.rate_ml_h,
                      "next_ml_h": following.rate_ml_h}
            yield Finding((event.entry.id,), values)


def rate_too_soon(picture: Picture, rule: RuleSpec) -> Iterator[Finding]:
    protocol = picture.context.protocol
    for event in _increases(picture):
        if event.step_started_at is None:
            continue
        hold = hold_min(protocol, picture.step_of(event.previous_ml_h))
        minutes = round_half_up(minutes_between(event.step_started_at, event.entry.occurred_at), 1)
        if minutes < hold:
            values = {"minutes_at_rate": minutes, "from_ml_h": event.previous_ml_h or 0.0, "hold_min": hold}
            yield Finding((event.entry.id,), values)


def increase_after_reaction(picture: Picture, rule: RuleSpec) -> list[Finding]:
    return [Finding((event.entry.id, event.reactions[0].id),
                    {"rate_ml_h": event.rate_ml_h, "from_ml_h": event.previous_ml_h or 0.0})
            for event in _increases(picture) if event.reactions]


def resume_not_lower(picture: Picture, rule: RuleSpec) -> Iterator[Finding]:
    for event in picture.infusion.rate_events:
        if picture.infusion.state_at[event.entry.id] != "paused" or not event.reactions:
            continue
        reaction = event.reactions[0]
        reaction_rate = picture.infusion.rate_at[reaction.id] or event.previous_ml_h or 0.0
        if event.rate_ml_h >= reaction_rate - _tolerance(picture):
            values = {"rate_ml_h": event.rate_ml_h, "reaction_rate_ml_h": reaction_rate}
            yield Finding((event.entry.id, reaction.id), values)


def _new_lots(picture: Picture) -> Iterator[Entry]:
    """Openings of a lot not opened before in this visit, after the infusion started (not the lots of
    another order's product: that pump's own)."""
    if not picture.infusion.rate_events:
        return
    first_start = picture.infusion.rate_events[0].entry.key
    seen: set[tuple[str, str]] = set()
    for opened in picture.of_kind("product.opened"):
        if opened.payload["product_id"] in picture.foreign_products:
            continue
        lot = (opened.payload["product_id"], opened.payload["lot"])
        if seen and lot not in seen and opened.key > first_start:
            yield opened
        seen.add(lot)


def titration_not_restarted(picture: Picture, rule: RuleSpec) -> Iterator[Finding]:
    """After a new lot the next rate set must be the start rate; with no rate set after it, the rate
    that kept running counts."""
    start = picture.schedule[0].rate_ml_h
    for opened in _new_lots(picture):
        later = [e for e in picture.infusion.rate_events if e.entry.key > opened.key]
        rate = later[0].rate_ml_h if later else picture.infusion.rate_at[opened.id]
        if rate is not None and rate > start + _tolerance(picture):
            ids = (opened.id, later[0].entry.id) if later else (opened.id,)
            yield Finding(ids, {"lot": opened.payload["lot"], "rate_ml_h": rate, "start_ml_h": start})


def _passing(picture: Picture, ml: float) -> list[str]:
    """The segments by whose end more than `ml` had run, first to last."""
    segments = picture.infusion.segments
    return [s.event_id for s in segments if volume_ml([x for x in segments if x.start <= s.start], picture.horizon) > ml]


def _past_the_order(picture: Picture, rule: RuleSpec, given: float, ordered: float,
                    ordered_ml: float) -> tuple[str, float] | None:
    """(the entry the alert belongs to, percent over) when `given` passes `ordered` by more than
    `over_pct_above` percent: the segment during which `ordered_ml` was passed (or the stop whose pump
    volume says so)."""
    over = round_half_up((given - ordered) / ordered * 100, 1)
    if not over > rule.thresholds["over_pct_above"]:
        return None
    anchors = _passing(picture, ordered_ml)
    anchors += [e.id for e in picture.of_kind("infusion.stopped") if e.payload["pump_volume_ml"] is not None][-1:]
    return anchors[0], over


def rates_past_opened(picture: Picture, rule: RuleSpec) -> list[Finding]:
    """The rates ran past all of the order's product opened, with no pump volume read at the stop: the dose is
    counted as opened (a bag gives what it holds), and the nurse records the pump's volume or the vial not yet
    recorded, so an unrecorded vial is never a dose silently lost."""
    opened, basis = volume_given(picture)[1:]
    if basis != "opened":
        return []
    run = round_half_up(volume_ml(picture.infusion.segments, picture.horizon), 1)
    return [Finding((_passing(picture, opened)[0],), {"ml_run": run, "ml_opened": round_half_up(opened, 1)})]


def dose_exceeded(picture: Picture, rule: RuleSpec) -> list[Finding]:
    """More given than the order's dose (grams of product)."""
    ordered = picture.context.order.grams_ordered
    if ordered is None or picture.horizon is None:
        return []
    grams = grams_given(picture)[1]
    past = _past_the_order(picture, rule, grams, ordered, ordered * 1000.0 / picture.context.protocol.product.concentration_mg_ml)
    values = {"grams_given": grams, "grams_ordered": round_half_up(ordered, 2)}
    return [] if past is None else [Finding((past[0],), {**values, "over_pct": past[1]})]


def volume_exceeded(picture: Picture, rule: RuleSpec) -> list[Finding]:
    """More run than the order's volume (a fixed dose: hydration), in mL as the order and the bag say."""
    ordered = picture.context.order.volume_ml
    if ordered is None or picture.horizon is None:
        return []
    given = round_half_up(volume_given(picture)[1], 1)
    past = _past_the_order(picture, rule, given, ordered, ordered)
    return [] if past is None else [Finding((past[0],), {"ml_given": given, "ml_ordered": ordered, "over_pct": past[1]})]


RATE_RULES = by_name(rate_above_limit, rate_double_step, rate_too_soon, increase_after_reaction, resume_not_lower,
                     titration_not_restarted, dose_exceeded, volume_exceeded, rates_past_opened)
# The thresholds a coded rule reads, which its row of rules.json must provide.
RULE_THRESHOLDS = {"dose_exceeded": ("over_pct_above",), "volume_exceeded": ("over_pct_above",)}
