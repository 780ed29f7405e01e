"""Order safety (CLINICAL.md s.2): the one rule the order entry applies and the tablet shows.

An order's rate cap or explicit mL/h steps above the label maximum, or above the at-risk cap for a patient
at risk of thrombosis or renal dysfunction, a first step above the label's start rate, or steps sooner than
the label lets a rate run, stand only with a pharmacist's override and its reason. For an
at-risk patient on a product whose label gives no numeric at-risk cap ("minimum rate practicable"), the
order must carry an explicit cap unless the organization set a default; that problem has no override.
The label maximum still bounds every rate at the bedside, whatever the order says (`rates.rate_limit`).
A product without verified rates (products.json products_without_rates) has no label row, so no label
maximum: its order must carry its own rate cap, and its steps must stay within that cap; neither has an
override (the pharmacist writes both, so a mismatch is a slip, not a clinical decision).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any, Iterator, Literal

from server.clinical.products import Protocol
from server.clinical.rates import RateLimit, at_risk_limit, pump_rate
from server.clinical.rounding import format_number

ProblemCode = Literal["cap_above_label_max", "steps_above_label_max", "first_step_above_label_start",
                      "step_interval_below_label", "step_interval_below_vitals",
                      "cap_above_at_risk_cap", "steps_above_at_risk_cap", "at_risk_cap_missing",
                      "order_cap_missing", "steps_above_order_cap", "cap_below_label_start"]
OVERRIDE_HINT = "lower it, or record a pharmacist override with the reason"
LENGTHEN_HINT = "lengthen it, or record a pharmacist override with the reason"
HINTS = (OVERRIDE_HINT, LENGTHEN_HINT)


def finding_of(message: str) -> str:
    """A problem's message without what to do about it: what an override records and the tablet shows."""
    for hint in HINTS:
        message = message.removesuffix(f": {hint}.")
    return message


@dataclass(frozen=True)
class OrderProblem:
    """One reason the order cannot stand as written; `field` is the order field to change."""

    code: ProblemCode
    field: str
    message: str
    overridable: bool


@dataclass(frozen=True)
class OrderSafety:
    """The check's answer: the limits it compared with (mL/h, 0.1) and what is wrong."""

    label_max_ml_h: float | None
    at_risk_cap_ml_h: float | None
    at_risk_cap_source: str | None
    problems: tuple[OrderProblem, ...]

    def accepted(self, *, overridden: bool) -> bool:
        """True when nothing is wrong, or only what an override may allow and one was recorded."""
        return all(problem.overridable for problem in self.problems) and (overridden or not self.problems)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["problems"] = [asdict(problem) for problem in self.problems]
        return data


def _ml_h(value: float) -> str:
    return f"{format_number(value, 1)} mL/h"


def _limit_text(limit: RateLimit) -> str:
    return f"must stay below {_ml_h(limit.ml_h)}" if limit.exclusive else _ml_h(limit.ml_h)


def _rates(values: list[float]) -> str:
    return ", ".join(format_number(value, 1) for value in values) + " mL/h"


def _against(limit: RateLimit, name: str, cap_ml_h: float | None, steps: tuple[float, ...],
             codes: tuple[ProblemCode, ProblemCode]) -> Iterator[OrderProblem]:
    """The cap and the steps of an order compared with one limit."""
    if cap_ml_h is not None and limit.exceeded_by(cap_ml_h):
        yield OrderProblem(codes[0], "rate_cap_ml_h", f"The rate cap {_ml_h(cap_ml_h)} is above the "
                           f"{name} ({_limit_text(limit)}): {OVERRIDE_HINT}.", True)
    if high := [step for step in steps if limit.exceeded_by(step)]:
        yield OrderProblem(codes[1], "steps_ml_h", f"Steps {_rates(high)} are above the {name} "
                           f"({_limit_text(limit)}): {OVERRIDE_HINT}.", True)


Start = tuple[float, float, Protocol]  # (mL/h at the weight, the label's rate, its protocol)


def _label_starts(label: Protocol, weight_kg: float) -> list[Start]:
    """The label's start rates: the first infusion's and, where the label has one, the later infusions'."""
    return [(pump_rate(p, p.ladder[0], p.rate_unit, weight_kg), p.ladder[0], p)
            for p in (label, label.subsequent) if p is not None and p.ladder]


def _start_text(start: Start, weight_kg: float) -> str:
    ml_h, rate, protocol = start
    return f"the label's start rate ({format_number(rate, 2)} {protocol.rate_unit} at {format_number(weight_kg, 1)} kg: {_ml_h(ml_h)})"


def _above_start(label: Protocol, weight_kg: float, steps: tuple[float, ...]) -> Iterator[OrderProblem]:
    """The first explicit step compared with the label's start rate: the higher of the first infusion's and
    the later infusions' (an order's steps serve every infusion of the series). Starting fast is where
    rate-related reactions come from (CLINICAL.md s.2: start slow, titrate)."""
    starts = _label_starts(label, weight_kg)
    if not steps or not starts:
        return
    start = max(starts, key=lambda s: s[1])
    if steps[0] > start[0]:
        yield OrderProblem("first_step_above_label_start", "steps_ml_h", f"The first step {_ml_h(steps[0])} is above "
                           f"{_start_text(start, weight_kg)}: {OVERRIDE_HINT}.", True)


def _held(protocol: Protocol) -> tuple[float, str] | None:
    """How long the label (or the maker, or the organization) holds a rate before the next step, and which
    rate that is said of: the longer of the start rate's time and the later rates', as an order's one
    interval times both. None where ivlog generated both times (the label is silent on them)."""
    origin = protocol.provenance
    if origin is None:
        return None
    said = [(minutes, where) for minutes, source, where in (
        (protocol.first_step_min, origin.first_step_source, " at the start rate"),
        (protocol.step_min, origin.step_source, " at each later rate")) if source != "generated"]
    if not said:
        return None
    longest = max(minutes for minutes, _ in said)
    binding = [where for minutes, where in said if minutes == longest]
    return longest, "" if len(binding) == 2 else binding[0]


def _interval_below(label: Protocol, steps: tuple[float, ...], interval_min: float | None) -> Iterator[OrderProblem]:
    """Explicit steps that come sooner than the label lets a rate run: stepping up before a rate has been
    watched long enough is how rate reactions are missed (CLINICAL.md s.2). Of the first and the later
    infusions' labels, the shorter holds (an order serves every infusion of the series)."""
    held = [_held(p) for p in (label, label.subsequent) if p is not None]
    if not steps or interval_min is None or any(h is None for h in held):
        return
    least, where = min((h for h in held if h is not None), key=lambda h: h[0])
    if interval_min < least:
        yield OrderProblem("step_interval_below_label", "step_interval_min", f"Steps every "
                           f"{format_number(interval_min, 1)} min come sooner than the label lets a rate run "
                           f"({format_number(least, 1)} min{where}): {LENGTHEN_HINT}.", True)


def _sooner_than_vitals(steps: tuple[float, ...], interval_min: float | None,
                        vitals_every_min: float | None) -> list[OrderProblem]:
    """Steps sooner than vital signs are checked while titrating (CLINICAL.md s.3: every 15 min below the
    maximum rate): a step would be raised before the last one was watched. Where the label is silent on
    times (ivlog's generated ones bind nothing), this is the floor; a walk saved steps every 5 minutes."""
    if not steps or interval_min is None or vitals_every_min is None or interval_min >= vitals_every_min:
        return []
    return [OrderProblem("step_interval_below_vitals", "step_interval_min", f"Steps every "
                         f"{format_number(interval_min, 1)} min come sooner than vital signs are checked while "
                         f"titrating (every {format_number(vitals_every_min, 1)} min): {LENGTHEN_HINT}.", True)]


def _at_risk(label: Protocol, weight_kg: float, cap_ml_h: float | None, default: float | None) -> RateLimit:
    """The cap an at-risk patient runs under: the label's numeric one, else the order's, else the default."""
    if label.at_risk_cap is None and cap_ml_h is not None:
        return RateLimit(cap_ml_h, "order_cap")
    return at_risk_limit(label, weight_kg=weight_kg, at_risk_default_mg_kg_min=default)


def _above_own_cap(cap_ml_h: float | None, steps: tuple[float, ...]) -> list[OrderProblem]:
    """Steps above the order's own cap contradict it: the bedside holds the cap, so they never run. No override:
    the pharmacist wrote both (a walk saved steps 9, 18, 36, 72 under a cap of 60 without a word)."""
    high = [step for step in steps if cap_ml_h is not None and step > cap_ml_h]
    return [OrderProblem("steps_above_order_cap", "steps_ml_h", f"Steps {_rates(high)} are above the order's rate "
                         f"cap ({_ml_h(cap_ml_h)}): lower them or raise the cap.", False)] if high else []


def _unrated(cap_ml_h: float | None, steps: tuple[float, ...], at_risk: bool) -> OrderSafety:
    """An order for a product without verified rates: the order's cap is the only bound, so it must exist
    and the steps must stay within it."""
    problems = _above_own_cap(cap_ml_h, steps)
    if cap_ml_h is None:
        problems.append(OrderProblem(
            "order_cap_missing", "rate_cap_ml_h", "Rates not verified for this product, so no label maximum "
            "bounds the order: enter a rate cap in mL/h.", False))
    risk = cap_ml_h if at_risk else None
    return OrderSafety(None, risk, None if risk is None else "order_cap", tuple(problems))


def _cap_below_start(label: Protocol, weight_kg: float, cap_ml_h: float | None) -> Iterator[OrderProblem]:
    """A cap below the label's (lowest) start rate: the infusion could never reach its first step. A walk typed
    4.8, a mL/kg/h figure, into the mL/h box: 820 mL would have run 170 hours."""
    starts = _label_starts(label, weight_kg)
    if cap_ml_h is None or not starts:
        return
    start = min(starts, key=lambda s: s[0])
    if cap_ml_h < start[0]:
        yield OrderProblem("cap_below_label_start", "rate_cap_ml_h", f"The rate cap {_ml_h(cap_ml_h)} is below "
                           f"{_start_text(start, weight_kg)}: check it is in mL/h, or record a pharmacist override "
                           "with the reason.", True)


def check_order(
    label: Protocol | None, *, weight_kg: float, cap_ml_h: float | None = None,
    steps_ml_h: tuple[float, ...] | None = None, step_interval_min: float | None = None, at_risk: bool = False,
    at_risk_default_mg_kg_min: float | None = None, vitals_every_min: float | None = None,
) -> OrderSafety:
    """Check an order's cap and explicit steps (and the minutes between them) against `label` (the product
    and indication's label row; None for a product without verified rates) for this dosing weight;
    `at_risk` is the patient's flag (thrombosis or renal risk); `vitals_every_min` the cadence of vital
    signs while titrating."""
    steps = tuple(steps_ml_h or ())
    cadence = _sooner_than_vitals(steps, step_interval_min, vitals_every_min)
    if label is None:
        unrated = _unrated(cap_ml_h, steps, at_risk)
        return replace(unrated, problems=unrated.problems + tuple(cadence))
    top = RateLimit(pump_rate(label, label.max_rate, label.rate_unit, weight_kg), "label_max")
    max_text = f"label maximum of {format_number(label.max_rate, 2)} {label.rate_unit} at {format_number(weight_kg, 1)} kg"
    problems = list(_against(top, max_text, cap_ml_h, steps, ("cap_above_label_max", "steps_above_label_max")))
    problems += _above_start(label, weight_kg, steps)
    problems += _cap_below_start(label, weight_kg, cap_ml_h)
    problems += _above_own_cap(cap_ml_h, steps)
    problems += list(_interval_below(label, steps, step_interval_min)) or cadence
    if not at_risk:
        return OrderSafety(top.ml_h, None, None, tuple(problems))
    risk = _at_risk(label, weight_kg, cap_ml_h, at_risk_default_mg_kg_min)
    if risk.source == "at_risk_minimum":
        problems.append(OrderProblem(
            "at_risk_cap_missing", "rate_cap_ml_h", "The patient is at risk of thrombosis or renal dysfunction "
            "and this label gives no numeric at-risk cap (minimum rate practicable): enter a rate cap in mL/h.",
            False))
    elif risk.source != "order_cap":
        name = "at-risk cap" if risk.source == "at_risk_cap" else "organization's at-risk cap"
        problems += _against(risk, name, cap_ml_h, () if cap_ml_h is not None else steps,
                             ("cap_above_at_risk_cap", "steps_above_at_risk_cap"))
    return OrderSafety(top.ml_h, risk.ml_h, risk.source, tuple(problems))
