"""The vital-signs schedule (CLINICAL.md section 3): what was due, what was missed, what is due next.

    baseline     any set before the first start
    cadence      from the start, every `titrating_every_min` while below the maximum rate, every
                 `at_max_every_min` at it (the rate at the previous check decides), until the final stop;
                 sooner when the rate comes down below the maximum, or the pump pauses, before the next
                 check: `titrating_every_min` from that moment (a reaction slowed at the maximum rate)
    increase     a set within `increase_window_min` before (or `grace_min` after) each rate increase
    completion   a set within `completion_window_min` of the final stop
    observation  a set at least `observation_min` after the stop (60 for high reaction risk)

A check is missed when its window has closed: `grace_min` after it was due, measured against the
picture's horizon (now, or the last entry), or the visit has ended. One run is assumed per visit:
between a stop and a restart the cadence simply continues.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Iterator

from server.clinical.clock import add_minutes
from server.clinical.rulebook import Finding, RuleSpec, applies, by_name

if TYPE_CHECKING:
    from server.clinical.picture import Picture


@dataclass(frozen=True)
class _Check:
    at: datetime
    event_id: str
    rate_ml_h: float | None


def _closed(picture: Picture, due: datetime) -> bool:
    """True when a check due at `due` can no longer be recorded on time."""
    grace = picture.context.vitals_schedule.grace_min
    ended = bool(picture.of_kind("visit.ended"))
    return ended or (picture.horizon is not None and picture.horizon > add_minutes(due, grace))


def _interval(picture: Picture, rate_ml_h: float | None) -> tuple[float, str]:
    schedule, tolerance = picture.context.vitals_schedule, picture.context.rulebook.rate_tolerance_ml_h
    if rate_ml_h is not None and rate_ml_h >= picture.schedule[-1].rate_ml_h - tolerance:
        return schedule.at_max_every_min, "at the maximum rate"
    return schedule.titrating_every_min, "while titrating" if rate_ml_h is not None else "while paused"


def _cadence_checks(picture: Picture) -> list[_Check]:
    """The start, then every set of vital signs up to the final stop (or the horizon)."""
    first = picture.infusion.rate_events[0]
    end = picture.infusion.stopped_at or picture.horizon
    return [_Check(first.entry.occurred_at, first.entry.id, first.rate_ml_h)] + [
        _Check(point.entry.occurred_at, point.entry.id, point.rate_ml_h) for point in picture.vitals
        if point.entry.key > first.entry.key and (end is None or point.entry.occurred_at <= end)]


def _due(picture: Picture, check: _Check, until: datetime | None) -> tuple[datetime, float, str]:
    """When the set after `check` is due, at which interval and in which phase: by the rate at the check,
    or sooner where the rate was set below the maximum or the pump paused before `until` (the next check):
    CLINICAL.md s.3 checks every 15 min below the maximum, so a reaction slowed at the maximum rate brings
    the 15-minute cadence back from the slowing, not an hour after the last check."""
    infusion = picture.infusion
    moments = [*((e.entry.occurred_at, e.rate_ml_h) for e in infusion.rate_events),
               *((pause.start, None) for pause in infusion.pauses)]
    inside = [(check.at, check.rate_ml_h)] + [(at, rate) for at, rate in moments
                                              if at >= check.at and (until is None or at < until)]
    return min(((add_minutes(at, interval), interval, phase) for at, rate in inside
                for interval, phase in [_interval(picture, rate)]), key=lambda due: due[0])


def vitals_overdue(picture: Picture, rule: RuleSpec) -> Iterator[Finding]:
    if not picture.infusion.rate_events:
        return
    grace = picture.context.vitals_schedule.grace_min
    checks = _cadence_checks(picture)
    end = picture.infusion.stopped_at or picture.horizon
    for check, following in zip(checks, checks[1:] + [None]):
        until = following.at if following is not None else end
        due, interval, phase = _due(picture, check, until)
        if until is not None and until > add_minutes(due, grace):
            yield Finding((check.event_id,), {"interval_min": interval, "phase": phase})


def vitals_baseline_missing(picture: Picture, rule: RuleSpec) -> list[Finding]:
    if not picture.infusion.rate_events:
        return []
    first = picture.infusion.rate_events[0].entry
    return [] if any(point.entry.key < first.key for point in picture.vitals) else [Finding((first.id,))]


def _any_vitals_between(picture: Picture, start: datetime, end: datetime) -> bool:
    return any(start <= point.entry.occurred_at <= end for point in picture.vitals)


def _completion_done(picture: Picture, stop: datetime) -> bool:
    schedule = picture.context.vitals_schedule
    return _any_vitals_between(picture, add_minutes(stop, -schedule.completion_window_min),
                               add_minutes(stop, schedule.grace_min))


def vitals_at_increase_missing(picture: Picture, rule: RuleSpec) -> Iterator[Finding]:
    schedule = picture.context.vitals_schedule
    tolerance = picture.context.rulebook.rate_tolerance_ml_h
    for event in picture.infusion.rate_events:
        if event.previous_ml_h is None or event.rate_ml_h <= event.previous_ml_h + tolerance:
            continue
        at = event.entry.occurred_at
        window = (add_minutes(at, -schedule.increase_window_min), add_minutes(at, schedule.grace_min))
        if _closed(picture, at) and not _any_vitals_between(picture, *window):
            values = {"window_min": schedule.increase_window_min, "rate_ml_h": event.rate_ml_h}
            yield Finding((event.entry.id,), values)


def vitals_completion_missing(picture: Picture, rule: RuleSpec) -> list[Finding]:
    stop, stopped_by = picture.infusion.stopped_at, picture.infusion.stopped_by
    if stop is None or stopped_by is None or not _closed(picture, stop) or _completion_done(picture, stop):
        return []
    return [Finding((stopped_by,), {"window_min": picture.context.vitals_schedule.completion_window_min})]


def _observation_done(picture: Picture, stop: datetime) -> bool:
    schedule = picture.context.vitals_schedule
    earliest = add_minutes(stop, picture.context.observation_min - schedule.grace_min)
    return any(point.entry.occurred_at >= earliest for point in picture.vitals)


def observation_incomplete(picture: Picture, rule: RuleSpec) -> list[Finding]:
    stop = picture.infusion.stopped_at
    if stop is None or picture.infusion.stopped_by is None:
        return []
    due = add_minutes(stop, picture.context.observation_min)
    if not _closed(picture, due) or _observation_done(picture, stop):
        return []
    return [Finding((picture.infusion.stopped_by,), {"observation_min": picture.context.observation_min})]


def next_vitals_due(picture: Picture) -> datetime | None:
    """When the next set is due: the soonest of the visit's pump and of each additional order's pump that
    the vital-sign cadence rule covers (a second IVIG order titrating after the first; not a saline bag)."""
    pumps = [picture] + [own for own in picture.order_pictures if _on_schedule(own)]
    return min((due for due in map(_pump_due, pumps) if due is not None), default=None)


def _on_schedule(picture: Picture) -> bool:
    """The cadence rule (vitals_overdue) judges this pump: enabled, for its therapy and protocol kind."""
    return any(spec.id == "vitals_overdue" and applies(spec, picture.context.protocol)
               for spec in picture.context.rulebook.rules)


def _pump_due(picture: Picture) -> datetime | None:
    """When this pump's run calls for the next set: the cadence while infusing, then completion and observation."""
    infusion = picture.infusion
    if not infusion.rate_events or picture.of_kind("visit.ended"):
        return None
    stop = infusion.stopped_at
    if stop is None:
        return _due(picture, _cadence_checks(picture)[-1], None)[0]
    if not _completion_done(picture, stop):
        return stop
    return None if _observation_done(picture, stop) else add_minutes(stop, picture.context.observation_min)


SCHEDULE_RULES = by_name(vitals_baseline_missing, vitals_overdue, vitals_at_increase_missing,
                         vitals_completion_missing, observation_incomplete)
