"""The infusion as the pump ran it: rate segments, pauses and each rate-setting event in context.

Walks the visit's entries once in fold order through the pump's transition table (data/payloads.json
`pump`): idle, running, paused, stopped. The same table serves `context_problems` (is this event possible now?), so the two can never
disagree. An event that does not fit is reported with a problem code and, where the pump's real state is
clear, still applied: a start or resume while running means the pump now runs at that rate, so it acts as
a rate change. Each rate-setting event remembers the rate before it (before the pause, for a resume),
when that rate was set and the reactions since, which is what the titration rules judge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from server.clinical.clock import format_instant, format_optional, minutes_between
from server.clinical.ordering import Entry
from server.clinical.payloads import PAYLOADS_DOC
from server.clinical.problems import Problem
from server.clinical.rounding import round_half_up

PumpState = Literal["idle", "running", "paused", "stopped"]
Effect = Literal["start", "change", "pause", "resume", "stop", "ignore"]

INFUSION_KINDS = frozenset(
    {"infusion.started", "infusion.rate_changed", "infusion.paused", "infusion.resumed", "infusion.stopped"}
)


@dataclass(frozen=True)
class Transition:
    state: PumpState
    effect: Effect
    problem: str | None = None


_PUMP = PAYLOADS_DOC["pump"]  # the state machine as data, the tablet's too (pwa/rules/infusion.js)
_TABLE: dict[tuple[str, PumpState], Transition] = {
    (kind, state): Transition(*move) for kind, moves in _PUMP["transitions"].items() for state, move in moves.items()}


def transition(state: PumpState, kind: str) -> Transition:
    """What an event of `kind` does to a pump in `state` (unrelated kinds change nothing)."""
    return _TABLE.get((kind, state)) or Transition(state, "ignore", _PUMP["misfits"].get(kind))


def misfit(code: str) -> Problem:
    """The nurse-facing problem of an infusion event that does not fit the pump's state."""
    return Problem("", _PUMP["texts"][code], code)


@dataclass
class Segment:
    """The pump running at one rate; `end` is None while it still runs."""

    event_id: str
    start: datetime
    rate_ml_h: float
    end: datetime | None = None


@dataclass
class Pause:
    """The pump held; `resumed_by` is the event that restarted it, if any."""

    event_id: str
    start: datetime
    reason: str
    end: datetime | None = None
    resumed_by: str | None = None


@dataclass(frozen=True)
class RateEvent:
    """A start, rate change or resume, with what it changed from."""

    entry: Entry
    rate_ml_h: float
    previous_ml_h: float | None
    step_started_at: datetime | None
    reactions: tuple[Entry, ...]


@dataclass
class InfusionTimeline:
    """The pump's history, and its state after the last entry applied (see `apply`)."""

    segments: list[Segment] = field(default_factory=list)
    pauses: list[Pause] = field(default_factory=list)
    rate_events: list[RateEvent] = field(default_factory=list)
    issues: list[tuple[str, Problem]] = field(default_factory=list)
    rate_at: dict[str, float | None] = field(default_factory=dict)
    state_at: dict[str, PumpState] = field(default_factory=dict)
    state: PumpState = "idle"
    rate_ml_h: float | None = None
    stopped_at: datetime | None = None
    stopped_by: str | None = None
    step_started_at: datetime | None = None
    reactions_in_step: list[Entry] = field(default_factory=list)

    @property
    def first_start(self) -> datetime | None:
        return self.segments[0].start if self.segments else None

    def _close(self, at: datetime) -> None:
        if self.segments and self.segments[-1].end is None:
            self.segments[-1].end = at
        if self.pauses and self.pauses[-1].end is None:
            self.pauses[-1].end = at

    def _set_rate(self, entry: Entry, resumed: bool) -> None:
        previous = None if self.state in ("idle", "stopped") else self.rate_ml_h
        rate = entry.payload["rate_ml_h"]
        reactions = tuple(self.reactions_in_step)
        self.rate_events.append(RateEvent(entry, rate, previous, self.step_started_at, reactions))
        self._close(entry.occurred_at)
        if resumed and self.pauses:
            self.pauses[-1].resumed_by = entry.id
        self.segments.append(Segment(entry.id, entry.occurred_at, rate))
        self.rate_ml_h, self.step_started_at, self.reactions_in_step = rate, entry.occurred_at, []
        self.stopped_at = self.stopped_by = None

    def apply(self, entry: Entry) -> None:
        """Advance the pump by one entry (entries must come in fold order)."""
        self.state_at[entry.id] = self.state
        self.rate_at[entry.id] = self.rate_ml_h if self.state == "running" else None
        if entry.kind == "reaction.observed" and self.state != "idle":
            self.reactions_in_step.append(entry)
        move = transition(self.state, entry.kind)
        if move.problem is not None:
            self.issues.append((entry.id, misfit(move.problem)))
        if move.effect in ("start", "change", "resume"):
            self._set_rate(entry, resumed=move.effect == "resume")
        elif move.effect == "pause":
            self._close(entry.occurred_at)
            self.pauses.append(Pause(entry.id, entry.occurred_at, entry.payload["reason"]))
        elif move.effect == "stop":
            self._close(entry.occurred_at)
            self.stopped_at, self.stopped_by = entry.occurred_at, entry.id
        self.state = move.state


def build_infusion(entries: list[Entry]) -> InfusionTimeline:
    timeline = InfusionTimeline()
    for entry in entries:
        timeline.apply(entry)
    return timeline


def duration_min(start: datetime, end: datetime | None, horizon: datetime) -> float:
    """Minutes from start to end (or to the horizon while open); never negative."""
    return max(0.0, minutes_between(start, horizon if end is None else end))


def volume_ml(segments: list[Segment], horizon: datetime) -> float:
    """∫ rate dt over the running segments, in mL (unrounded)."""
    return sum(s.rate_ml_h * duration_min(s.start, s.end, horizon) / 60.0 for s in segments)


def pump_out(infusion: InfusionTimeline, horizon: datetime | None) -> dict[str, Any]:
    """A pump's status, times, running minutes and volume as the state reports them, for any order."""
    at = horizon or datetime.min  # no horizon: no entries, so no segments to measure
    return {
        "status": "not_started" if infusion.state == "idle" else infusion.state,
        "current_rate_ml_h": infusion.rate_ml_h if infusion.state == "running" else None,
        "first_start": format_optional(infusion.first_start), "stopped_at": format_optional(infusion.stopped_at),
        "running_min": round_half_up(sum(duration_min(s.start, s.end, at) for s in infusion.segments), 1),
        "volume_infused_ml": round_half_up(volume_ml(infusion.segments, at), 1),
    }


def segment_out(segment: Segment, horizon: datetime | None) -> dict[str, Any]:
    minutes = duration_min(segment.start, segment.end, horizon or segment.start)
    return {"event_id": segment.event_id, "start": format_instant(segment.start), "end": format_optional(segment.end),
            "rate_ml_h": segment.rate_ml_h, "duration_min": round_half_up(minutes, 1),
            "volume_ml": round_half_up(segment.rate_ml_h * minutes / 60.0, 1)}


def pause_out(pause: Pause) -> dict[str, Any]:
    return {"event_id": pause.event_id, "start": format_instant(pause.start), "end": format_optional(pause.end),
            "reason": pause.reason, "resumed_by": pause.resumed_by}
