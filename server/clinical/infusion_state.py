"""The pump's state through a visit: idle, running, paused, stopped.

One transition table serves both `context_problems` (is this event possible now?) and the timeline
fold (what does it do to the infusion segments?), so the two can never disagree. An event that does not
fit is reported with a problem code and, where the pump's real state is clear, still applied: a start
or resume while running means the pump now runs at that rate, so it acts as a rate change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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


_TABLE: dict[tuple[str, PumpState], Transition] = {
    ("infusion.started", "idle"): Transition("running", "start"),
    ("infusion.started", "stopped"): Transition("running", "start"),
    ("infusion.started", "running"): Transition("running", "change", "already_running"),
    ("infusion.started", "paused"): Transition("running", "resume", "already_running"),
    ("infusion.rate_changed", "running"): Transition("running", "change"),
    ("infusion.paused", "running"): Transition("paused", "pause"),
    ("infusion.resumed", "paused"): Transition("running", "resume"),
    ("infusion.resumed", "running"): Transition("running", "change", "not_paused"),
    ("infusion.stopped", "running"): Transition("stopped", "stop"),
    ("infusion.stopped", "paused"): Transition("stopped", "stop"),
    ("visit.ended", "running"): Transition("stopped", "stop"),
    ("visit.ended", "paused"): Transition("stopped", "stop"),
}

_MISFIT = {
    "infusion.rate_changed": "no_running_infusion",
    "infusion.paused": "no_running_infusion",
    "infusion.stopped": "no_running_infusion",
    "infusion.resumed": "not_paused",
}


def transition(state: PumpState, kind: str) -> Transition:
    """What an event of `kind` does to a pump in `state` (unrelated kinds change nothing)."""
    found = _TABLE.get((kind, state))
    if found is not None:
        return found
    return Transition(state, "ignore", _MISFIT.get(kind))
