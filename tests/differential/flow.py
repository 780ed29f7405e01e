"""A nurse's visit, drawn step by step: the prelude (time in, assessment, line, baseline, premeds, vials),
the titration with its checks, reactions, pauses and new lots, then the stop and the observation.
Corrections and the pharmacist's review are in `corrections.py`. Every decision is one draw (`draws.py`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence, TypeVar

from tests.differential import draws as d
from tests.differential import payloads as p
from tests.differential.corrections import correct, review
from tests.differential.draws import Draw
from tests.differential.visit_log import Device, VisitLog

T = TypeVar("T")


class _Enough(Exception):
    """The log reached the visit's length: the rest of the visit has not happened (yet)."""


class Nurse:
    def __init__(self, draw: Draw, log: VisitLog, order: dict[str, Any], row: dict[str, Any],
                 main: Device, second: Device | None) -> None:
        self.draw, self.log, self.order, self.row = draw, log, order, row
        self.main, self.second = main, second
        self.devices: dict[str, Device] = {}  # who corrects entries after the visit, on which tablet
        self.ladder = list(order.get("steps_ml_h") or p.ladder_of(row, order["dosing_weight_kg"]))
        self.first_hold = order.get("first_step_min") or order.get("step_min") or row["first_step_min"]
        self.hold = order.get("step_min") or row["step_min"]
        self.t, self.rate, self.rung, self.step_at = 0.0, 0.0, 0, 0.0
        self.baseline = p.baseline(draw)
        self.budget = self.pick([None] * 6 + [6, 12, 20, 30])

    # Draw helpers -------------------------------------------------------------------------------
    def pick(self, options: Sequence[T]) -> T:
        return d.pick(self.draw, options)

    def chance(self, one_in: int) -> bool:
        return d.chance(self.draw, one_in)

    def minutes(self, low: int, high: int) -> int:
        return d.integer(self.draw, low, high)

    def add(self, minute: float, kind: str, payload: dict[str, Any], **extra: Any) -> str:
        if self.budget is not None and len(self.log.events) >= self.budget:
            raise _Enough
        device = self.second if self.second is not None and self.chance(3) else self.main
        seconds = self.pick([0, 0, 0, 15, 30, 59.5, 0.25])
        late = self.pick([0] * 12 + [0.5, 2, 61, 95])
        return self.log.add(device, minute + seconds / 60, kind, payload, recorded_after_min=late, **extra)

    def latest(self, event: dict[str, Any]) -> datetime:
        return max(datetime.fromisoformat(event["occurred_at"]), datetime.fromisoformat(event["recorded_at"]))

    # The visit ------------------------------------------------------------------------------------
    def visit(self) -> None:
        try:
            self.prelude()
            if not self.chance(15):
                self.infuse()
                self.finish()
        except _Enough:
            pass
        self.budget = None
        if self.chance(3):
            correct(self, self.minutes(1, 3))
        if self.chance(8):
            review(self)

    def prelude(self) -> None:
        self.add(0, "visit.started", p.started(self.draw))
        self.add(self.minutes(1, 4), "assessment", p.assessment(self.draw, self.order["dosing_weight_kg"]))
        if self.chance(2):
            self.add(self.minutes(3, 6), "line.placed", p.line_placed(self.draw))
        for _ in range(self.pick([1, 1, 1, 1, 2, 0])):
            self.vitals(self.minutes(4, 9), normal=True)
        self.t = self.minutes(25, 75)
        self.premeds()
        self.vials(self.t - self.minutes(1, 10), before_start=True)

    def premeds(self) -> None:
        for item in self.order["premeds"]:
            if self.chance(10):
                continue
            lead = self.pick([30, 35, 40, 45, 60, 60, 20, 29.9, 61, 90, -5, 0])
            self.add(self.t - lead, "medication.given", p.medication(self.draw, item, "premed"))
        if self.chance(12):
            self.add(self.t - 30, "medication.given", p.medication(self.draw, p.off_order(self.draw), "premed"))

    def vials(self, minute: float, *, before_start: bool) -> None:
        for _ in range(self.pick([1, 1, 1, 2]) if before_start else 1):
            self.add(minute, "product.opened", p.opened(self.draw, self.row["product_id"], self.lots()))

    def lots(self) -> str:
        return self.pick(["LE12A", "LE12A", "LE12B", "LX-9", "7781-C"])

    def vitals(self, minute: float, *, normal: bool = False) -> str:
        payload, schema = p.vitals(self.draw, self.baseline, normal=normal)
        return self.add(minute, "vitals", payload, schema=schema)

    # The infusion ---------------------------------------------------------------------------------
    def set_rate(self, kind: str, rate: float, **fields: Any) -> None:
        self.add(self.t, kind, {"rate_ml_h": rate, **fields})
        self.rate, self.step_at = rate, self.t
        self.rung = max((i for i, r in enumerate(self.ladder) if r <= rate + 0.5), default=0)

    def infuse(self) -> None:
        start = self.pick([self.ladder[0]] * 8 + [self.ladder[min(1, len(self.ladder) - 1)], round(self.ladder[0] + 0.4, 1)])
        override = self.pick([None, None, None, "kit checked twice, vial inspected at the bedside"])
        self.set_rate("infusion.started", start, **({"override_reason": override} if override else {}))
        for _ in range(self.minutes(3, 24)):
            action = self.pick(["check"] * 5 + ["step"] * 4 + ["reaction", "pause", "vial", "other", "down"])
            if getattr(self, action)():
                return
        self.stop("completed")

    def check(self) -> bool:
        self.t += self.pick([5, 10, 14, 15, 15, 15, 19, 20, 21, 30, 45, 60, 66])
        self.vitals(self.t, normal=not self.chance(6))
        return False

    def step(self) -> bool:
        hold = self.first_hold if self.rung == 0 else self.hold
        self.t = max(self.t, self.step_at + hold + self.pick([0, 0, 0, 1, 3, 10, -1, -5, -15]))
        if self.chance(4):
            self.vitals(self.t - self.pick([0, 2, 10, 16]))
        ahead = self.rung + self.pick([1] * 10 + [2, 0])
        rate = self.ladder[min(ahead, len(self.ladder) - 1)]
        if self.chance(25):
            rate = round(self.ladder[-1] * self.pick([1.05, 1.3]), 1)
        self.set_rate("infusion.rate_changed", min(rate, 999), reason="titration")
        return False

    def reaction(self) -> bool:
        self.t += self.minutes(1, 20)
        if self.chance(2):
            self.vitals(self.t)
        reaction_id = self.add(self.t, "reaction.observed", p.reaction(self.draw, self.log.at(self.t + 2), self.main.zone_min))
        response = self.pick(["slow", "slow", "pause", "stop", "none"])
        self.t += self.minutes(0, 5)
        if self.chance(3):
            self.add(self.t, "medication.given", p.medication(self.draw, self.pick(p.DRUGS), "reaction"))
        if response == "slow":
            lower = self.ladder[max(0, self.rung - self.pick([1, 1, 2, 0]))]
            self.set_rate("infusion.rate_changed", lower, reason="reaction")
        elif response == "pause":
            self.pause("reaction")
        elif response == "stop":
            self.stop("reaction")
            return True
        if self.chance(3):
            self.t += self.minutes(5, 30)
            named = reaction_id if not self.chance(15) else "ev-none"  # now and then one naming no reaction
            self.add(self.t, "reaction.resolved", {"reaction_id": named, "note": self.pick([None, "subsided"])})
        return False

    def pause(self, reason: str | None = None) -> bool:
        self.add(self.t, "infusion.paused", {"reason": reason or self.pick(["patient_request", "line_issue", "other"])})
        self.t += self.minutes(3, 25)
        if self.chance(2):
            self.vitals(self.t - 1)
        rate = self.pick([self.rate, self.rate, self.ladder[max(0, self.rung - 1)], self.ladder[0]])
        self.set_rate("infusion.resumed" if not self.chance(20) else "infusion.started", rate)
        return False

    def vial(self) -> bool:
        self.t += self.minutes(1, 30)
        self.vials(self.t, before_start=False)
        if not self.chance(3):
            self.t += self.pick([0, 1, 2])
            self.set_rate("infusion.rate_changed", self.pick([self.ladder[0]] * 3 + [self.rate]), reason="new_lot")
        return False

    def other(self) -> bool:
        self.t += self.minutes(1, 15)
        kind, payload = p.documentation(self.draw, self.order)
        self.add(self.t, kind, payload)
        return False

    def down(self) -> bool:
        self.t += self.minutes(1, 15)
        self.set_rate("infusion.rate_changed", self.ladder[max(0, self.rung - 1)], reason="patient_request")
        return False

    def stop(self, reason: str) -> None:
        self.t += self.minutes(1, 40)
        if not self.chance(4):
            self.vitals(self.t - self.pick([0, 0, 5, 14, 20]))
        volume = self.pick([None, None, p.ordered_ml(self.order, self.row), min(4999.0, round(self.rate * self.t / 90, 1))])
        self.add(self.t, "infusion.stopped", {"reason": reason, "pump_volume_ml": volume})

    def finish(self) -> None:
        self.t += self.minutes(1, 6)
        kind = self.pick(["line.removed", "line.left_in_place", None])
        if kind is not None:
            self.add(self.t, kind, p.line_outcome(self.draw, kind))
        if not self.chance(4):
            self.vitals(self.t + self.pick([15, 20, 25, 55, 60, 65]))
        self.t += 66
        for role in self.pick([["nurse"], ["nurse", "patient"], [], ["patient"]]):
            self.add(self.t, "signature", p.signature(role))
        if not self.chance(4):
            self.add(self.t + 1, "visit.ended", {"waste_disposed": self.pick([True, None])})
        self.t += 1

