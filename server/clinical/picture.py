"""The visit's clinical picture: what the rules judge and the state reports, built once per fold.

Built from the effective entries (corrections applied) in fold order: the pump timeline, the vital
signs linked to the rate they were taken at, the baseline, and this patient's step table and limit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property
from typing import Any, Literal

from server.clinical.infusion import INFUSION_KINDS, InfusionTimeline, PumpState, build_infusion
from server.clinical.ordering import Entry
from server.clinical.other_orders import OrderRun, split_orders
from server.clinical.payload_checks import MEASUREMENTS
from server.clinical.problems import Problem
from server.clinical.rates import RateLimit, Step, rate_limit, step_index, step_schedule
from server.clinical.series import series_aim
from server.clinical.visit_context import VisitContext

Phase = Literal["pre", "infusion", "paused", "post"]
_PHASES: dict[PumpState, Phase] = {"idle": "pre", "running": "infusion", "paused": "paused", "stopped": "post"}


@dataclass(frozen=True)
class VitalsPoint:
    """One set of vital signs and the rate step it was taken at (None when not running)."""

    entry: Entry
    phase: Phase
    rate_ml_h: float | None
    step_index: int | None


@dataclass(frozen=True)
class Baseline:
    value: float
    event_id: str


@dataclass(frozen=True)
class Picture:
    context: VisitContext
    entries: list[Entry]
    infusion: InfusionTimeline
    schedule: list[Step]
    limit: RateLimit
    at_risk: bool
    horizon: datetime | None
    other_runs: tuple[OrderRun, ...] = ()  # the additional orders' pump timelines (other_orders.py)
    order_issues: tuple[tuple[str, Problem], ...] = ()  # pump events naming an order the visit does not hold
    foreign_products: frozenset[str] = frozenset()  # the visit's other orders' products: their lots are not this pump's

    def of_kind(self, kind: str) -> list[Entry]:
        return [entry for entry in self.entries if entry.kind == kind]

    def step_of(self, rate_ml_h: float | None) -> int | None:
        if rate_ml_h is None:
            return None
        return step_index(self.schedule, rate_ml_h, self.context.rulebook.rate_tolerance_ml_h)

    @cached_property
    def order_pictures(self) -> list[Picture]:
        """Each additional order's own picture, which the pump's rules judge too (rules.py): the visit's
        entries with that order's pump events in place of the primary's, against that order's protocol
        and limits."""
        shared = [entry for entry in self.entries if entry.kind not in INFUSION_KINDS]
        products = self.foreign_products | {self.context.order.product_id}
        return [_picture(sorted(shared + [e for e in run.entries if e.kind in INFUSION_KINDS], key=lambda e: e.key),
                         replace(self.context, order=run.order, other_orders=()), self.horizon, products)
                for run in self.other_runs]

    @cached_property
    def aim(self) -> tuple[float | None, str | None, str | None]:
        """The series' (target, what bounds it, what holds the advice there): series.series_aim, once."""
        return series_aim(self)

    @cached_property
    def facts_memo(self) -> dict[str, dict[str, Any]]:
        """Each judged entry's facts as CEL reads them, by entry id (expressions.py): one computation per
        entry and fold, not one per rule (7 rules judge each vital sign: a 6-hour fold took 48 ms, now 23 ms)."""
        return {}

    @cached_property
    def vitals(self) -> list[VitalsPoint]:
        rate_at, state_at = self.infusion.rate_at, self.infusion.state_at
        return [VitalsPoint(entry, _PHASES[state_at[entry.id]], rate_at[entry.id], self.step_of(rate_at[entry.id]))
                for entry in self.of_kind("vitals")]

    @cached_property
    def baseline(self) -> dict[str, Baseline]:
        """Per measurement, the last value recorded before the first start (no start: no baseline)."""
        if not self.infusion.rate_events:
            return {}
        first_start = self.infusion.rate_events[0].entry.key
        baseline: dict[str, Baseline] = {}
        for point in (point for point in self.vitals if point.entry.key < first_start):
            for name in MEASUREMENTS:
                if point.entry.payload[name] is not None:
                    baseline[name] = Baseline(point.entry.payload[name], point.entry.id)
        return baseline


def _horizon(entries: list[Entry], now: datetime | None) -> datetime | None:
    """How far open periods run: `now`, or the last entry's time if that is later (or there is no now)."""
    times = [entry.occurred_at for entry in entries] + ([now] if now is not None else [])
    return max(times) if times else None


def build_picture(entries: list[Entry], context: VisitContext, now: datetime | None) -> Picture:
    """The picture of `entries` (effective, fold order) for this visit's order and patient: the rules
    judge the primary order's entries; the additional orders' pump events make their own timelines."""
    split = split_orders(entries, context)
    products = frozenset(order.product_id for order in (context.order, *context.other_orders))
    return _picture(split.primary, context, _horizon(entries, now), products, split.runs, tuple(split.issues))


def _picture(own: list[Entry], context: VisitContext, horizon: datetime | None, products: frozenset[str],
             runs: tuple[OrderRun, ...] = (), issues: tuple[tuple[str, Problem], ...] = ()) -> Picture:
    """`products`: every product the visit's orders give."""
    infusion = build_infusion(own)
    at_risk = context.at_risk([e.payload for e in own if e.kind == "assessment"])
    limits = context.limits(at_risk)
    return Picture(context, own, infusion, step_schedule(context.protocol, **limits),
                   rate_limit(context.protocol, **limits), at_risk, horizon, runs, issues,
                   products - {context.order.product_id})
