"""What rate comes next, and when: the titration advice the tablet shows beside the pump.

Rules from CLINICAL.md sections 2 and 4: one step at a time, not before the step's time is up, never above
the maximum or cap, no increase while a reaction is ongoing: slow to the step below the rate it began at
(CLINICAL 4, mild reaction: "slow to the previous rate") and hold there, or pause the pump when the
reaction's tier says to interrupt (grade 2 and above: "stop the infusion"; rules.json reaction_tiers); after a
reaction that subsided, go back to a lower rate, then re-increase one step at a time as tolerated. Advice
only: the nurse and the order decide.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from server.clinical.products import Protocol
from server.clinical.rates import Step, hold_min, next_step, rate_limit, step_index, step_schedule

Action = Literal["start", "increase", "maintain", "hold", "resume", "lower", "reduce_to_limit", "interrupt"]
ReactionState = Literal["none", "ongoing", "subsided"]


@dataclass(frozen=True)
class Recommendation:
    """The advised action; due_in_min is 0 for "now" and None when nothing is due."""

    action: Action
    rate_ml_h: float | None
    due_in_min: float | None
    step_index: int | None
    limit_ml_h: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _lower_than(schedule: list[Step], rate_ml_h: float, tolerance_ml_h: float) -> Step:
    """The highest step clearly below `rate_ml_h`; the first step when there is none."""
    below = [step for step in schedule if step.rate_ml_h < rate_ml_h - tolerance_ml_h]
    return below[-1] if below else schedule[0]


def recommend_next_rate(
    protocol: Protocol,
    *,
    weight_kg: float,
    current_rate_ml_h: float | None,
    minutes_at_rate: float = 0.0,
    paused: bool = False,
    reaction: ReactionState = "none",
    reaction_rate_ml_h: float | None = None,
    interrupt: bool = False,
    cap_ml_h: float | None = None,
    at_risk: bool = False,
    tolerance_ml_h: float = 0.5,
    label: Protocol | None = None,
    at_risk_default_mg_kg_min: float | None = None,
) -> Recommendation:
    """Advice for the next rate. `current_rate_ml_h` None means the infusion has not started;
    `reaction` describes reactions during the current step; `reaction_rate_ml_h` is the rate they began at;
    `interrupt`: an ongoing one calls for pausing the pump (its tier's `pump`), not slowing it; `label` and `at_risk_default_mg_kg_min` bound the limit as `rate_limit` says.
    """
    limits = {"weight_kg": weight_kg, "cap_ml_h": cap_ml_h, "at_risk": at_risk, "label": label,
              "at_risk_default_mg_kg_min": at_risk_default_mg_kg_min}
    limit = rate_limit(protocol, **limits)
    schedule = step_schedule(protocol, **limits)

    def advise(action: Action, rate: float | None, due: float | None) -> Recommendation:
        index = None if rate is None else step_index(schedule, rate, tolerance_ml_h)
        return Recommendation(action, rate, due, index, limit.ml_h)

    if current_rate_ml_h is None:
        return advise("start", schedule[0].rate_ml_h, 0.0)
    reacted_at = current_rate_ml_h if reaction_rate_ml_h is None else reaction_rate_ml_h
    lower = _lower_than(schedule, reacted_at, tolerance_ml_h).rate_ml_h
    if reaction == "ongoing":
        if paused:
            return advise("hold", None, None)
        if interrupt:
            return advise("interrupt", None, 0.0)
        if current_rate_ml_h <= lower + tolerance_ml_h:
            return advise("hold", current_rate_ml_h, None)
        return advise("lower", lower, 0.0)
    fixed = protocol.kind == "fixed_dose"  # one ordered rate, no ladder: a bag (LABELS.md s.6, rate against the order)
    if reaction == "subsided" and fixed:  # no step below to go back to: on at the rate it runs at, not above the
        # reaction's (a walk's hydration was told to run "below the first step", at 200 of the order's 250 mL/h)
        rate = min(current_rate_ml_h, reacted_at)
        return advise("resume", rate, 0.0) if paused else advise("maintain", rate, None)
    if reaction == "subsided":  # with no step below the reaction's rate, no rate: the prescriber's (a walk's resume
        # at the start rate was advised, then called a breach by resume_not_lower)
        return advise("lower", lower if lower < reacted_at - tolerance_ml_h else None, 0.0)
    if limit.exceeded_by(current_rate_ml_h):
        return advise("reduce_to_limit", schedule[-1].rate_ml_h, 0.0)
    if paused:
        return advise("resume", current_rate_ml_h, 0.0)
    following = next_step(schedule, current_rate_ml_h, tolerance_ml_h)
    if following is None:
        return advise("maintain", current_rate_ml_h, None)
    # a bag slowed below its order's rate goes back to it when the nurse judges fit: no step's time to wait (a walk
    # was told "next step in 3 h 59 min", the whole bag's time)
    hold = 0.0 if fixed else hold_min(protocol, step_index(schedule, current_rate_ml_h, tolerance_ml_h))
    return advise("increase", following.rate_ml_h, float(max(0.0, hold - minutes_at_rate)))
