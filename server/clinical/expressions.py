"""Threshold rules as data: a rule of rules.json with a `when` is a CEL expression over named facts.

It fires for each entry of its kind (`each`) where `when` is true; `values` (CEL too) fill its message.
The facts, their types and meanings are data/facts.json (the tablet computes the same in
pwa/lazy/expressions.js); each rule's thresholds are facts too, by name. One function beyond CEL's
standard ones: number_text(x), a number as messages write it (38.0 -> "38").
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Callable, Iterator

import cel

from server.clinical.clock import minutes_between
from server.clinical.infusion import volume_ml
from server.clinical.rounding import format_number, round_half_up
from server.clinical.rulebook import Finding, RuleSpec, Value
from server.clinical.visit_rules import product_name

if TYPE_CHECKING:
    from server.clinical.ordering import Entry
    from server.clinical.picture import Picture

FUNCTIONS: dict[str, Callable[..., Any]] = {"number_text": lambda x: format_number(x, 2)}
_BUILTIN = {"size", "has", "double", "int", "string", "contains", "startsWith", "endsWith", "matches"}
FACTS_DOC: dict[str, Any] = json.loads(resources.files("server.clinical").joinpath("data/facts.json").read_text("utf-8"))
FACTS_VERSION: int = FACTS_DOC["version"]


def declared(each: str) -> dict[str, dict[str, Any]]:
    """The facts of an entry of kind `each` as facts.json declares them (KeyError: no such kind)."""
    return {**FACTS_DOC["every_entry"], **FACTS_DOC["each"][each]}


def _cel_value(value: Any) -> Any:
    """JSON data as CEL sees it on both sides: numbers are doubles, null members are left out."""
    if isinstance(value, dict):
        return {key: _cel_value(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_cel_value(item) for item in value]
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


@lru_cache(maxsize=512)
def program(text: str) -> tuple[Any, frozenset[str], frozenset[str]]:
    """The expression compiled once, the facts it names and the functions it calls (ValueError: syntax)."""
    compiled = cel.compile(text)
    return compiled, frozenset(compiled.variables()), frozenset(f for f in compiled.functions() if f[0].isalpha())


def _unknown_members(text: str, facts: dict[str, dict[str, Any]]) -> set[str]:
    """`fact.member` names of a fact with declared members (order, visit, start) that it does not have."""
    return {f"{name}.{member}" for name, member in re.findall(r"\b(\w+)\.(\w+)", text)
            if "members" in facts.get(name, {}) and member not in facts[name]["members"]}


def check_rule(spec: RuleSpec) -> None:
    """Fail loudly on a rule this code cannot evaluate: unknown `each`, fact or function, bad syntax."""
    if spec.each not in FACTS_DOC["each"]:
        raise ValueError(f"rules data: rule {spec.id!r}: unknown each {spec.each!r}")
    unfilled = set(re.findall(r"\{(\w+)\}", spec.message)) - set(spec.values) - set(spec.thresholds)
    if unfilled:
        raise ValueError(f"rules data: rule {spec.id!r}: message placeholders without a value {sorted(unfilled)}")
    facts = declared(spec.each)
    for text in (spec.when or "", *spec.values.values()):
        _, variables, functions = program(text)
        unknown = (variables - set(facts) - set(spec.thresholds) | functions - _BUILTIN - set(FUNCTIONS)
                   | _unknown_members(text, facts))
        if unknown:
            raise ValueError(f"rules data: rule {spec.id!r}: unknown {sorted(unknown)} in {text!r}")


def _vitals_facts(picture: Picture, entry: Entry) -> dict[str, Any]:
    facts: dict[str, dict[str, float]] = {"baseline": {}, "rise": {}, "fall": {}, "pct_of_baseline": {}}
    for name, found in picture.baseline.items() if picture.infusion.state_at[entry.id] != "idle" else ():
        value, facts["baseline"][name] = entry.payload.get(name), found.value
        if value is not None:
            facts["rise"][name] = round_half_up(value - found.value, 1)
            facts["fall"][name] = round_half_up(found.value - value, 1)
        if value is not None and found.value:
            facts["pct_of_baseline"][name] = round_half_up(value / found.value * 100, 1)
    return facts


INTERRUPTIONS = ("infusion.paused", "infusion.stopped")  # of the picture's own pump


def _own_facts(picture: Picture, entry: Entry) -> dict[str, Any]:
    """The facts of this entry's kind (facts.json `each`)."""
    payload, start, dosing = entry.payload, picture.infusion.first_start, picture.context.order.dosing_weight_kg
    if entry.kind == "vitals":
        return _vitals_facts(picture, entry)
    if entry.kind == "assessment":
        return {"weight_change_pct": round_half_up(abs(payload["weight_kg"] - dosing) / dosing * 100, 1)}
    if entry.kind == "medication.given":
        drug = payload["drug"].casefold()
        before = [e for e in picture.entries if e.kind == "medication.given" and e.key < entry.key
                  and e.payload["drug"].casefold() == drug]
        return {"start": {"lead_min": None if start is None else round_half_up(minutes_between(entry.occurred_at, start), 0)},
                "same_drug_before": {"gap_min": round_half_up(minutes_between(before[-1].occurred_at, entry.occurred_at), 1)
                                     if before else None}}
    if entry.kind == "reaction.observed":
        gaps = [round_half_up(minutes_between(entry.occurred_at, e.occurred_at), 1) for e in picture.entries if e.kind == "vitals"]
        return {"reaction_medications_after": sum(
            1 for e in picture.entries if e.kind == "medication.given" and e.payload["purpose"] == "reaction"
            and e.occurred_at >= entry.occurred_at),
            "vitals_around": {"last_before_min": min((abs(gap) for gap in gaps if gap <= 0), default=None),
                              "first_after_min": min((gap for gap in gaps if gap > 0), default=None)},
            "pump_interrupted_after": {"min": min((round_half_up(minutes_between(entry.occurred_at, e.occurred_at), 1)
                                                   for e in picture.entries if e.kind in INTERRUPTIONS
                                                   and e.occurred_at >= entry.occurred_at), default=None)}}
    if entry.kind == "visit.ended":
        return {"nurse_signatures": sum(1 for e in picture.of_kind("signature")
                                        if e.payload["role"] == "nurse" and e.key < entry.key)}
    if entry.kind == "infusion.rate_changed":
        running = picture.infusion.rate_at[entry.id]
        return {"increase": {"steps_skipped": _steps_skipped(picture, running, payload["rate_ml_h"])}}
    if entry.kind == "infusion.stopped":  # the segments the stop ends or follows (a later run starts after it)
        run = [s for s in picture.infusion.segments if s.start < entry.occurred_at]
        return {"rates_volume_ml": round_half_up(volume_ml(run, entry.occurred_at), 1)}
    if entry.kind != "product.opened":
        return {}
    product_id = payload["product_id"]
    return {"product_name": product_name(picture, product_id),
            "ordered": product_id == picture.context.order.product_id or product_id in picture.foreign_products}


def _steps_skipped(picture: Picture, running: float | None, rate: float) -> int | None:
    """Steps of the table strictly between the running rate and a higher new one (None: not a rise)."""
    tolerance = picture.context.rulebook.rate_tolerance_ml_h
    if running is None or rate <= running + tolerance:
        return None
    return sum(1 for step in picture.schedule if running + tolerance < step.rate_ml_h < rate - tolerance)


def _visit_facts(picture: Picture, entry: Entry) -> dict[str, Any]:
    """The visit at the entry's time (facts.json `visit`): what the fold knew just before it."""
    rate, before = picture.infusion.rate_at[entry.id], [e for e in picture.entries if e.key < entry.key]
    reactions = [e.payload["grade"] for e in before if e.kind == "reaction.observed"]
    first = picture.infusion.rate_events[0].entry if picture.infusion.rate_events else None
    lots = {(e.payload["product_id"], e.payload["lot"]) for e in [*before, entry] if e.kind == "product.opened"}
    place, (target, _, holds) = picture.context.series_place, picture.aim
    return {"rate_ml_h": rate, "step_index": picture.step_of(rate),
            "last_reaction_grade": reactions[-1] if reactions else None,
            "since_start_min": None if first is None or first.key >= entry.key
            else round_half_up(minutes_between(first.occurred_at, entry.occurred_at), 1),
            "series_number": None if place is None else place.number, "target_ml_h": target, "target_holds": holds,
            "protocol_kind": picture.context.protocol.kind, "lots_opened": len(lots),
            "pump": picture.infusion.state_at[entry.id], "steps_ml_h": [step.rate_ml_h for step in picture.schedule]}


def facts_of(picture: Picture, entry: Entry) -> dict[str, Any]:
    """Every fact facts.json declares for the entry (None: absent), from the fold's picture."""
    order = picture.context.order
    return {"entry": entry.payload, "entry_date": entry.occurred_at.date().isoformat(),
            "order": {"dosing_weight_kg": order.dosing_weight_kg, "product_id": order.product_id,
                      "product_name": product_name(picture, order.product_id)},
            "visit": _visit_facts(picture, entry), **_own_facts(picture, entry)}


def _cel_facts(picture: Picture, entry: Entry) -> dict[str, Any]:
    """The entry's facts as CEL reads them, computed once per fold (Picture.facts_memo)."""
    memo = picture.facts_memo
    if entry.id not in memo:
        memo[entry.id] = _cel_value(facts_of(picture, entry))
    return memo[entry.id]


def _run(text: str, facts: dict[str, Any]) -> Any:
    """The expression's value; only the facts it names are handed over (each costs a conversion)."""
    compiled, variables, functions = program(text)
    named = {name: facts[name] for name in variables if name in facts}
    return compiled.execute(cel.Context(named, functions=FUNCTIONS) if functions & set(FUNCTIONS) else named)


def evaluate(picture: Picture, spec: RuleSpec) -> Iterator[Finding]:
    """Findings of an expression rule: one per entry where `when` holds, valued by `values`."""
    thresholds = _cel_value(spec.thresholds)
    for entry in picture.of_kind(spec.each or ""):
        facts = {**_cel_facts(picture, entry), **thresholds}
        fires = _run(spec.when or "", facts)
        if not isinstance(fires, bool):
            raise ValueError(f"rule {spec.id!r}: `when` gave {fires!r}, not true or false")
        if fires:
            values: dict[str, Value] = {name: _run(text, facts) for name, text in spec.values.items()}
            yield Finding((entry.id,), values)
