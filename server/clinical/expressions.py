"""Threshold rules as data: a rule of rules.json with a `when` is a CEL expression over named facts.

It fires for each entry of its kind (`each`) where `when` is true; `values` (CEL too) fill its message.
The tablet builds the same facts (pwa/lazy/expressions.js). Numbers are doubles (CEL does not mix int
and double: write 1.0); a value not recorded is absent (test it with `has(...)`). The facts:
    entry, entry_date   the entry's payload; the UTC date it occurred, "YYYY-MM-DD" (compares as text)
    order               {dosing_weight_kg, product_id, product_name}
    <threshold>         each of the rule's thresholds, by name
    vitals: baseline (after the start), rise, fall (value − baseline, baseline − value), pct_of_baseline
        (value / baseline × 100), per measurement, rounded half up to 0.1
    assessment: weight_change_pct (|weight − dosing weight| / dosing weight × 100, to 0.1)
    product.opened: product_name (the catalogue's name of the product opened)
    medication.given: start.lead_min (minutes from the dose to the first start, to 0.1; absent before it)
One function beyond CEL's standard ones: number_text(x), a number as messages write it (38.0 -> "38").
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable

import cel

from server.clinical.clock import minutes_between
from server.clinical.findings import Finding, Value
from server.clinical.rounding import format_number, round_half_up
from server.clinical.visit_rules import product_name

if TYPE_CHECKING:
    from server.clinical.ordering import Entry
    from server.clinical.picture import Picture, VitalsPoint
    from server.clinical.rulebook import RuleSpec

FUNCTIONS: dict[str, Callable[..., Any]] = {"number_text": lambda x: format_number(x, 2)}
_BUILTIN = {"size", "has", "double", "int", "string", "contains", "startsWith", "endsWith", "matches"}
_COMMON = {"entry", "entry_date", "order"}
FACTS: dict[str, set[str]] = {
    "vitals": _COMMON | {"baseline", "rise", "fall", "pct_of_baseline"},
    "assessment": _COMMON | {"weight_change_pct"},
    "medication.given": _COMMON | {"start"},
    "product.opened": _COMMON | {"product_name"},
    "reaction.observed": _COMMON,
}


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


def check_rule(spec: RuleSpec) -> None:
    """Fail loudly on a rule this code cannot evaluate: unknown `each`, fact or function, bad syntax."""
    if spec.each not in FACTS:
        raise ValueError(f"rules data: rule {spec.id!r}: unknown each {spec.each!r}")
    unfilled = set(re.findall(r"\{(\w+)\}", spec.message)) - set(spec.values) - set(spec.thresholds)
    if unfilled:
        raise ValueError(f"rules data: rule {spec.id!r}: message placeholders without a value {sorted(unfilled)}")
    names = FACTS[spec.each] | set(spec.thresholds)
    for text in (spec.when or "", *spec.values.values()):
        _, variables, functions = program(text)
        unknown = variables - names | functions - _BUILTIN - set(FUNCTIONS)
        if unknown:
            raise ValueError(f"rules data: rule {spec.id!r}: unknown {sorted(unknown)} in {text!r}")


def _vitals_facts(picture: Picture, point: VitalsPoint) -> dict[str, Any]:
    facts: dict[str, dict[str, float]] = {"baseline": {}, "rise": {}, "fall": {}, "pct_of_baseline": {}}
    for name, found in picture.baseline.items() if point.phase != "pre" else ():
        value, facts["baseline"][name] = point.entry.payload.get(name), found.value
        if value is not None:
            facts["rise"][name] = round_half_up(value - found.value, 1)
            facts["fall"][name] = round_half_up(found.value - value, 1)
        if value is not None and found.value:
            facts["pct_of_baseline"][name] = round_half_up(value / found.value * 100, 1)
    return facts


def _entries(picture: Picture, each: str) -> list[tuple[Entry, dict[str, Any]]]:
    """Each entry the rule judges, with its facts (the rule's thresholds apart)."""
    dosing, start = picture.context.order.dosing_weight_kg, picture.infusion.first_start
    order = {"dosing_weight_kg": dosing, "product_id": picture.context.order.product_id,
             "product_name": product_name(picture, picture.context.order.product_id)}
    own: dict[str, Callable[[Entry], dict[str, Any]]] = {
        "product.opened": lambda e: {"product_name": product_name(picture, e.payload["product_id"])},
        "assessment": lambda e: {
            "weight_change_pct": round_half_up(abs(e.payload["weight_kg"] - dosing) / dosing * 100, 1)},
        "medication.given": lambda e: {"start": {} if start is None else {
            "lead_min": round_half_up(minutes_between(e.occurred_at, start), 1)}},
    }
    pairs = ([(point.entry, _vitals_facts(picture, point)) for point in picture.vitals] if each == "vitals"
             else [(entry, own.get(each, lambda e: {})(entry)) for entry in picture.of_kind(each)])
    return [(entry, {"entry": entry.payload, "entry_date": entry.occurred_at.date().isoformat(),
                     "order": order, **facts}) for entry, facts in pairs]


def _run(text: str, facts: dict[str, Any]) -> Any:
    """The expression's value; only the facts it names are handed over (each costs a conversion)."""
    compiled, variables, functions = program(text)
    named = {name: facts[name] for name in variables if name in facts}
    return compiled.execute(cel.Context(named, functions=FUNCTIONS) if functions & set(FUNCTIONS) else named)


def evaluate(picture: Picture, spec: RuleSpec) -> list[Finding]:
    """Findings of an expression rule: one per entry where `when` holds, valued by `values`."""
    found = []
    for entry, facts in _entries(picture, spec.each or ""):
        facts = _cel_value({**facts, **spec.thresholds})
        fires = _run(spec.when or "", facts)
        if not isinstance(fires, bool):
            raise ValueError(f"rule {spec.id!r}: `when` gave {fires!r}, not true or false")
        if fires:
            values: dict[str, Value] = {name: _run(text, facts) for name, text in spec.values.items()}
            found.append(Finding((entry.id,), values))
    return found
