"""Where a visit stands in the patient's series of infusions, and the rate to aim for (CLINICAL 1.1, 2).

A series is the run of completed infusions of one product with no gap longer than the rule book's
`long_gap_days` between them. The first of a series (first ever, a product switch, or a long gap) takes
the label's first-infusion protocol and the longer observation; a later one takes the label's
`subsequent` protocol where there is one (Qivigy), and is offered the rate the patient tolerated at
the previous infusion of the series as the target, never above the visit's limits. The facts come
from the server (the patient's earlier visits) in the visit's context, so the tablet decides the same
offline. `twin: pwa/rules/series.js`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, Mapping

from server.clinical.clock import format_instant, parse_instant
from server.clinical.rates import rate_limit

if TYPE_CHECKING:
    from server.clinical.picture import Picture

SeriesKind = Literal["first", "subsequent"]
FirstReason = Literal["first_ever", "product_switch", "long_gap"]


@dataclass(frozen=True)
class PriorInfusion:
    """A completed infusion before this visit: its product, when it ended, the rate tolerated there, and
    its `handover` (server/services/handover.py): its reactions, the pharmacist's interventions and the
    rate the pharmacist set for the next infusion, or None when it holds none."""

    visit_id: str
    product_id: str
    ended_at: datetime
    last_tolerated_rate_ml_h: float | None
    handover: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class SeriesFacts:
    """What the server knows of the patient's earlier infusions; `on` is this visit's (scheduled) time.
    `last_visit` is the patient's latest done visit since the last infusion that gave none (a reaction to
    the premedication before the start), when it hands something over: its `last_tolerated_rate_ml_h` is None."""

    on: datetime
    prior: tuple[PriorInfusion, ...]
    last_visit: PriorInfusion | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SeriesFacts:
        def read(p: Mapping[str, Any]) -> PriorInfusion:
            return PriorInfusion(str(p["visit_id"]), p["product_id"], parse_instant(p["ended_at"]),
                                 p.get("last_tolerated_rate_ml_h"), p.get("handover"))
        last = data.get("last_visit")
        return cls(parse_instant(data["on"]), tuple(read(p) for p in data["prior"]), None if last is None else read(last))

    def to_dict(self) -> dict[str, Any]:
        def write(p: PriorInfusion) -> dict[str, Any]:
            return {"visit_id": p.visit_id, "product_id": p.product_id, "ended_at": format_instant(p.ended_at),
                    "last_tolerated_rate_ml_h": p.last_tolerated_rate_ml_h, "handover": p.handover}
        return {"on": format_instant(self.on), "prior": [write(p) for p in self.prior],
                "last_visit": None if self.last_visit is None else write(self.last_visit)}


@dataclass(frozen=True)
class SeriesPlace:
    """Infusion `number` of its series; `reason` says why a first one is first; `previous` is the
    infusion before it in the same series (None for a first)."""

    number: int
    kind: SeriesKind
    reason: FirstReason | None
    previous: PriorInfusion | None


def place_in_series(facts: SeriesFacts, product_id: str, *, long_gap_days: float) -> SeriesPlace:
    """Count back from this visit through the completed infusions of the same product, stopping at a
    product switch or at a gap longer than `long_gap_days` (each gap measured to the next infusion)."""
    gap = timedelta(days=long_gap_days)
    later, run = facts.on, []
    reason: FirstReason = "first_ever"
    for prior in sorted(facts.prior, key=lambda p: p.ended_at, reverse=True):
        if prior.product_id != product_id:
            reason = "product_switch"
            break
        if later - prior.ended_at > gap:
            reason = "long_gap"
            break
        run.append(prior)
        later = prior.ended_at
    if not run:
        return SeriesPlace(1, "first", reason, None)
    return SeriesPlace(len(run) + 1, "subsequent", None, run[0])


def _target(picture: Picture, aimed: float, bound: str) -> tuple[float | None, str]:
    """The rate aimed at (`bound` says whose), cut at the visit's limit and at the label's own (maximum or
    at-risk cap), which an order's cap never lifts; an exclusive cap takes the highest step below it."""
    context = picture.context
    label = rate_limit(context.protocol, weight_kg=context.order.dosing_weight_kg, at_risk=picture.at_risk)
    target = aimed
    for limit in sorted((picture.limit, label), key=lambda limit: limit.ml_h):
        if target is not None and limit.exceeded_by(target):
            below = [s.rate_ml_h for s in picture.schedule if not limit.exceeded_by(s.rate_ml_h)]
            target, bound = (max(below, default=None) if limit.exclusive else limit.ml_h), limit.source
    return target, bound


def _later_word(picture: Picture) -> Mapping[str, Any]:
    """The handover of a visit since the last infusion that gave none, where it speaks of this one: the same
    product, within the series' gap (a pharmacist's rate after a reaction to the premedication is for it)."""
    context = picture.context
    last = None if context.series is None else context.series.last_visit
    if last is None or last.product_id != context.order.product_id or not last.handover:
        return {}
    gap = timedelta(days=context.rulebook.infusion_series.long_gap_days)
    return last.handover if context.series.on - last.ended_at <= gap else {}


def series_aim(picture: Picture) -> tuple[float | None, str | None, str | None]:
    """(target, what bounds it, what holds the step advice there). The pharmacist's rate for this infusion, set
    at the review of the previous one (or of a later visit that gave none, `_later_word`; CLINICAL 5), is the
    aim over the tolerated rate, which never reaches a rate that caused a reaction since (a pump stopped at
    its first step with no volume given): the highest step below it, else the first step, as after a reaction
    with no rate tolerated. Each is cut at this visit's limits. The advice stops at the target when the
    pharmacist set it ("pharmacist") or there was a reaction since the series' last infusion began
    ("last_reaction": a rate that caused one is not offered again); a tolerated rate alone holds nothing (the
    patient may never have run higher: no ratchet)."""
    place = picture.context.series_place
    previous = None if place is None else place.previous
    handover, later = ({} if previous is None else previous.handover or {}), _later_word(picture)
    asked = later.get("next_rate_ml_h")
    asked = handover.get("next_rate_ml_h") if asked is None else asked
    tolerated = None if previous is None else previous.last_tolerated_rate_ml_h
    reactions = [*handover.get("reactions", []), *later.get("reactions", [])]
    reacted = [r["rate_ml_h"] for r in reactions if r["rate_ml_h"] is not None]
    under = None  # the highest step below every rate that caused a reaction, else the first step
    if reacted:
        tolerance = picture.context.rulebook.rate_tolerance_ml_h
        below = [s.rate_ml_h for s in picture.schedule if s.rate_ml_h < min(reacted) - tolerance]
        under = max(below, default=picture.schedule[0].rate_ml_h)
    if asked is not None:
        aimed, by = asked, "pharmacist"
    elif tolerated is not None and (under is None or tolerated <= under):
        aimed, by = tolerated, "last_tolerated"
    elif under is not None:
        aimed, by = under, "last_reaction"
    else:
        return None, None, None
    target, bound = _target(picture, aimed, by)
    holds = "pharmacist" if asked is not None else "last_reaction" if reactions else None
    return target, bound, None if target is None else holds


def series_out(picture: Picture) -> dict[str, Any] | None:
    """The visit's place in its series and the target rate, for the state (None without the facts)."""
    context = picture.context
    place = context.series_place
    if place is None:
        return None
    previous = place.previous
    tolerated = None if previous is None else previous.last_tolerated_rate_ml_h
    target, bound, holds = picture.aim
    return {
        "number": place.number, "kind": place.kind, "reason": place.reason,
        "protocol_infusion": context.protocol.infusion,
        "last_tolerated": None if tolerated is None or previous is None else {
            "rate_ml_h": tolerated, "visit_id": previous.visit_id, "ended_at": format_instant(previous.ended_at)},
        "target_ml_h": target, "target_bound": bound, "target_holds": holds,
        "last_infusion": last_infusion(context.series), "last_visit": _handed(context.series.last_visit),
    }


def last_infusion(facts: SeriesFacts) -> dict[str, Any] | None:
    """The patient's most recent infusion with what it hands over (its reactions, the pharmacist's notes),
    whether or not of this series: a reaction before a product switch matters most after it."""
    return _handed(max(facts.prior, key=lambda p: p.ended_at, default=None))


def _handed(visit: PriorInfusion | None) -> dict[str, Any] | None:
    if visit is None or visit.handover is None:
        return None
    return {"visit_id": visit.visit_id, "product_id": visit.product_id, "ended_at": format_instant(visit.ended_at),
            **visit.handover}
